#!/usr/bin/python3
"""Yardsticks on raw pixels for Fashion-MNIST features (docs/RESULTS.md).

kNN as the runtime's monitor does it (cosine similarity, k = 20, votes weighted by
exp(s / 0.07), a bank of 5,000 random training images) and a linear classifier (softmax
regression, full-batch L-BFGS) on the raw pixels in [0, 1]: what a learned backbone's kNN
and linear evaluation should beat.

Usage: scripts/pixel_baselines.py [DATA_DIR]   (default /usr/share/datasets/fashion-mnist)
"""
import gzip
import os
import sys

import numpy as np
import torch


def read_idx(path, offset):
    """An IDX file's bytes after its header, from PATH or else PATH.gz (as the runtime reads)."""
    if os.path.exists(path):
        with open(path, "rb") as f:
            return np.frombuffer(f.read(), np.uint8, offset=offset)
    with gzip.open(path + ".gz", "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load(data, split):
    x = read_idx(f"{data}/{split}-images-idx3-ubyte", 16).reshape(-1, 784)
    y = read_idx(f"{data}/{split}-labels-idx1-ubyte", 8)
    return torch.tensor(x, dtype=torch.float64) / 255, torch.tensor(y, dtype=torch.int64)


def knn(bank, bank_labels, queries, k=20, t=0.07):
    b = torch.nn.functional.normalize(bank, dim=1)
    q = torch.nn.functional.normalize(queries, dim=1)
    sim, idx = (q @ b.T).topk(k, dim=1)
    votes = torch.zeros(len(q), 10, dtype=torch.float64)
    votes.scatter_add_(1, bank_labels[idx], torch.exp(sim / t))
    return votes.argmax(1)


def with_bias(x):
    return torch.cat([x, torch.ones(len(x), 1, dtype=torch.float64)], 1)


def linear(x, y, weight_decay=1e-4):
    w = torch.zeros(x.shape[1] + 1, 10, dtype=torch.float64, requires_grad=True)
    xb = with_bias(x)
    opt = torch.optim.LBFGS([w], max_iter=500, history_size=20, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(xb @ w, y) + weight_decay * (w[:-1] ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return lambda q: (with_bias(q) @ w).argmax(1)


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    x, y = load(data, "train")
    xt, yt = load(data, "t10k")
    g = torch.Generator().manual_seed(1)
    order = torch.randperm(len(x), generator=g)
    print("| raw pixels | labelled training images | test top-1 (10,000) |")
    print("|---|---:|---:|")
    for seed in (1, 2, 3):
        bank = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))[:5000]
        acc = (knn(x[bank], y[bank], xt) == yt).double().mean().item()
        print(f"| kNN, k = 20, bank of 5,000 (draw {seed}) | 5,000 | {acc:.4f} |")
    for n in (600, 6000, len(x)):
        # class-balanced: the first n / 10 of each class in a seeded order
        chosen = torch.cat([order[y[order] == c][: n // 10] for c in range(10)])
        acc = (knn(x[chosen], y[chosen], xt) == yt).double().mean().item()
        print(f"| kNN, k = 20 | {n:,} | {acc:.4f} |")
        predict = linear(x[chosen], y[chosen])
        acc = (predict(xt) == yt).double().mean().item()
        print(f"| softmax regression | {n:,} | {acc:.4f} |")


if __name__ == "__main__":
    main()
