"""mlp_model.py -- the worked example's model factory (`--model mlp_model:make_model`).

A small MLP classifier: 32 inputs -> 64 -> 32 (the penultimate layer, whose
output extract_embeddings.py captures by default) -> 4 classes.
"""
import torch.nn as nn

IN_FEATURES, HIDDEN, EMBED, CLASSES = 32, 64, 32, 4


def make_model():
    return nn.Sequential(
        nn.Linear(IN_FEATURES, HIDDEN), nn.ReLU(),
        nn.Linear(HIDDEN, EMBED), nn.ReLU(),
        nn.Linear(EMBED, CLASSES),
    )
