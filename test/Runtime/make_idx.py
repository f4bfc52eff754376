"""Writes a small MNIST-style data set (gzip IDX) of 12x12 images: 8 classes, each a
random prototype plus noise, so that two views of an image are recognisably alike.

Usage: make_idx.py DIR
"""
import gzip
import os
import struct
import sys

import torch

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
g = torch.Generator().manual_seed(0)
prototypes = torch.rand(8, 12, 12, generator=g)
labels = torch.randint(0, 8, (512,), generator=g)
images = (prototypes[labels] * 0.8 + 0.2 * torch.rand(512, 12, 12, generator=g)) * 255
with gzip.open(os.path.join(out, "train-images-idx3-ubyte.gz"), "wb") as f:
    f.write(struct.pack(">4B3I", 0, 0, 8, 3, 512, 12, 12) + images.to(torch.uint8).numpy().tobytes())
with gzip.open(os.path.join(out, "train-labels-idx1-ubyte.gz"), "wb") as f:
    f.write(struct.pack(">4BI", 0, 0, 8, 1, 512) + labels.to(torch.uint8).numpy().tobytes())
