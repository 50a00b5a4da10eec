#!/usr/bin/python3
"""train_and_watch.py -- DSE and DSMI of the penultimate layer, epoch by epoch,
inside the training loop (the paper's first figure, on dsesweep's engine).

    train_and_watch.py [--out DIR] [--epochs E] [--sigma S] [--seed K]

Trains the small MLP of the worked example (tools/examples/mlp_model.py:
32 -> 64 -> 32 -> 4, Adam) twice on the same synthetic data
(train_mlp.make_data: 800 samples, 4 classes): once with the true labels and
once with a fixed shuffle of them. Before training and after every epoch it
runs the 800 inputs through the model, takes the penultimate layer's output
(800 x 32) and calls dsesweep.dse and dsesweep.dsmi (against the true
labels) on it. Writes DIR/train_and_watch.csv (run, epoch, accuracy, DSE,
DSMI) and DIR/train_and_watch.png. Needs Debian's python3-torch,
python3-matplotlib and the dsesweep package (tools/demo.sh installs it; or
PYTHONPATH=build/python).
"""
import argparse
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import dsesweep  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlp_model import make_model  # noqa: E402
from train_mlp import make_data  # noqa: E402


def penultimate(model, x):
    """The input of the model's last layer: the embeddings DSE is taken of."""
    with torch.no_grad():
        return model[:-1](x)


def train(x, y_train, y_true, epochs, sigma, seed, name):
    """One run: rows (run, epoch, accuracy, DSE, DSMI) before training and
    after every epoch."""
    torch.manual_seed(seed)
    model = make_model()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(seed)
    rows = []
    for epoch in range(epochs + 1):
        if epoch > 0:
            perm = torch.randperm(x.shape[0], generator=gen)
            for start in range(0, x.shape[0], 32):
                idx = perm[start:start + 32]
                opt.zero_grad()
                loss_fn(model(x[idx]), y_train[idx]).backward()
                opt.step()
        Z = penultimate(model, x).numpy()  # float32, read in place by the engine
        with torch.no_grad():
            acc = float((model(x).argmax(1) == y_train).float().mean())
        dse = dsesweep.dse(Z, sigma=sigma)
        dsmi = dsesweep.dsmi(Z, labels=y_true.numpy(), sigma=sigma)
        rows.append((name, epoch, acc, dse, dsmi))
        print("%-9s epoch %d: train accuracy %.3f  DSE %.4f  DSMI %.4f" % (name, epoch, acc, dse,
                                                                          dsmi), flush=True)
    return rows


def plot(rows, path):
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, col, title in ((axes[0], 3, "DSE(Z), t = 1"), (axes[1], 4, "DSMI(Z; Y), t = 1")):
        for run, style in (("true", "o-"), ("shuffled", "s--")):
            pts = [(r[1], r[col]) for r in rows if r[0] == run]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], style,
                    label="%s labels" % run)
        ax.set_xlabel("epoch")
        ax.set_ylabel("bits")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("penultimate layer of a 32-64-32-4 MLP, 800 samples")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="example-out")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--sigma", type=float, default=4)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    data = os.path.join(a.out, "data")
    make_data(data)
    x = torch.from_numpy(np.load(os.path.join(data, "inputs.npy")))
    y = torch.from_numpy(np.load(os.path.join(data, "labels.npy")))
    shuffled = torch.from_numpy(np.random.default_rng(a.seed + 99).permutation(y.numpy()))
    rows = train(x, y, y, a.epochs, a.sigma, a.seed, "true")
    rows += train(x, shuffled, y, a.epochs, a.sigma, a.seed, "shuffled")
    csv_path = os.path.join(a.out, "train_and_watch.csv")
    with open(csv_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["run", "epoch", "train_accuracy", "DSE", "DSMI"])
        w.writerows(rows)
    png_path = os.path.join(a.out, "train_and_watch.png")
    plot(rows, png_path)
    print("wrote %s and %s" % (csv_path, png_path))


if __name__ == "__main__":
    main()
