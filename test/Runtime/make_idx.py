#!/usr/bin/python3
"""Writes a small MNIST-style data set (gzip IDX) of SIZE x SIZE images (default 12): 8
classes, each a smooth random prototype plus noise, so that two views of an image are
recognisably alike; TRAIN training images (default 512) and 100 test images.

Usage: make_idx.py DIR [SIZE] [TRAIN]
"""
import gzip
import os
import struct
import sys

import torch

out = sys.argv[1]
size = int(sys.argv[2]) if len(sys.argv) > 2 else 12
train = int(sys.argv[3]) if len(sys.argv) > 3 else 512
os.makedirs(out, exist_ok=True)
g = torch.Generator().manual_seed(0)
# Smooth prototypes (4x4 noise upsampled), so that a random crop of an image still looks
# like its class, as with natural images.
prototypes = torch.nn.functional.interpolate(torch.rand(8, 1, 4, 4, generator=g), size=(size, size),
                                             mode="bilinear", align_corners=False)[:, 0]


def write(prefix, count):
    labels = torch.randint(0, 8, (count,), generator=g)
    images = (prototypes[labels] * 0.8 + 0.2 * torch.rand(count, size, size, generator=g)) * 255
    with gzip.open(os.path.join(out, prefix + "-images-idx3-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">4B3I", 0, 0, 8, 3, count, size, size)
                + images.to(torch.uint8).numpy().tobytes())
    with gzip.open(os.path.join(out, prefix + "-labels-idx1-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">4BI", 0, 0, 8, 1, count) + labels.to(torch.uint8).numpy().tobytes())


write("train", train)
write("t10k", 100)  # the test split: 100 images, not a multiple of a batch
