#!/usr/bin/python3
"""Writes small colour data sets for the readers' end-to-end tests: 4 classes, each a smooth
random RGB prototype plus noise (as make_idx.py, in colour).

Usage: make_images.py imagefolder DIR   train/<class>/*.jpg (96 images of 12 to 30 px, a
                                        few not JPEG), val/<class>/*.jpg (40 images)
       make_images.py cifar DIR         CIFAR-10 binary batches of 32x32 images (5 x 40
                                        training, 40 test)
"""
import os
import sys

import numpy as np
import torch
from PIL import Image

kind, out = sys.argv[1], sys.argv[2]
g = torch.Generator().manual_seed(0)
prototypes = torch.rand(4, 3, 3, 3, generator=g)


def picture(label, height, width):
    """An image of class `label`, height x width x 3 bytes."""
    smooth = torch.nn.functional.interpolate(prototypes[label:label + 1], size=(height, width),
                                             mode="bilinear", align_corners=False)[0]
    noisy = smooth * 0.8 + 0.2 * torch.rand(3, height, width, generator=g)
    return (noisy * 255).round().clamp(0, 255).to(torch.uint8).permute(1, 2, 0).numpy()


if kind == "imagefolder":
    classes = ["ant", "bee", "cow", "dog"]
    for split, count in (("train", 96), ("val", 40)):
        for i in range(count):
            label = i % 4
            size = (12 + (i * 5) % 19, 12 + (i * 7) % 19)
            folder = os.path.join(out, split, classes[label])
            os.makedirs(folder, exist_ok=True)
            Image.fromarray(picture(label, *size)).save(
                os.path.join(folder, "%s_%03d.jpg" % (classes[label], i)), quality=95)
    with open(os.path.join(out, "train", "ant", "README.txt"), "w") as f:
        f.write("not an image: skipped\n")
elif kind == "cifar":
    os.makedirs(out, exist_ok=True)
    def batch(name, count):
        with open(os.path.join(out, name), "wb") as f:
            for i in range(count):
                label = i % 4
                f.write(bytes([label]) + picture(label, 32, 32).transpose(2, 0, 1).tobytes())
    for b in range(1, 6):
        batch("data_batch_%d.bin" % b, 40)
    batch("test_batch.bin", 40)
else:
    sys.exit("unknown kind " + kind)
