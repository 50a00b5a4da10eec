#!/usr/bin/python3
"""train_mlp.py -- the worked example's training run: a small MLP on synthetic
data, saving a checkpoint (state dict) before training and after every epoch.

    train_mlp.py --data DIR [--make-data] --out RUN_DIR [--epochs E] [--seed S]
                 [--shuffle-labels]

--make-data writes DIR/inputs.npy (N x 32 float32) and DIR/labels.npy (N int64):
4 classes whose signal lives in 2 of the 32 input dimensions (class centres at
(+-1.5, +-1.5), spread 0.7) under 30 dimensions of noise with standard deviation
2, so a random network's features barely separate the classes and a trained
one's do. The run trains with Adam on those labels (or, with --shuffle-labels,
on a fixed random permutation of them, which carries no information about the
inputs) and saves RUN_DIR/epoch_000.pt (initial weights) ... epoch_E.pt.
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlp_model import IN_FEATURES, make_model  # noqa: E402


def make_data(directory, n=800, seed=1234):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 4
    rng.shuffle(labels)
    centres = np.array([[1.5, 1.5], [1.5, -1.5], [-1.5, 1.5], [-1.5, -1.5]])
    x = rng.normal(0.0, 2.0, size=(n, IN_FEATURES))
    x[:, :2] = centres[labels] + rng.normal(0.0, 0.7, size=(n, 2))
    os.makedirs(directory, exist_ok=True)
    np.save(os.path.join(directory, "inputs.npy"), x.astype(np.float32))
    np.save(os.path.join(directory, "labels.npy"), labels.astype(np.int64))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--make-data", action="store_true")
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shuffle-labels", action="store_true")
    a = ap.parse_args()
    if a.make_data:
        make_data(a.data)
    x = torch.from_numpy(np.load(os.path.join(a.data, "inputs.npy")))
    y_np = np.load(os.path.join(a.data, "labels.npy"))
    if a.shuffle_labels:
        y_np = np.random.default_rng(a.seed + 99).permutation(y_np)
    y = torch.from_numpy(y_np)
    torch.manual_seed(a.seed)
    model = make_model()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    os.makedirs(a.out, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(a.out, "epoch_000.pt"))
    gen = torch.Generator().manual_seed(a.seed)
    for epoch in range(1, a.epochs + 1):
        perm = torch.randperm(x.shape[0], generator=gen)
        total = 0.0
        for start in range(0, x.shape[0], 32):
            idx = perm[start:start + 32]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            total += float(loss) * idx.numel()
        with torch.no_grad():
            acc = float((model(x).argmax(1) == y).float().mean())
        torch.save(model.state_dict(), os.path.join(a.out, "epoch_%03d.pt" % epoch))
        print("%s epoch %d: loss %.4f, train accuracy %.3f" % (a.out, epoch, total / x.shape[0], acc), flush=True)


if __name__ == "__main__":
    main()
