#!/usr/bin/python3
"""Writes the first TRAIN training and TEST test images of Fashion-MNIST (IDX, gzip) and
their labels to OUT, in the same IDX format and file names, for the GPU bundle.

    fmnist_subset.py /usr/share/datasets/fashion-mnist OUT 12000 2000
"""
import gzip
import os
import struct
import sys


def subset(source, target, count):
    with gzip.open(source, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = list(struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims]))
    if count > shape[0]:
        sys.exit(f"{source}: error: has {shape[0]} items, fewer than {count}")
    item = 1
    for d in shape[1:]:
        item *= d
    header = 4 + 4 * dims
    shape[0] = count
    out = struct.pack(">I", magic) + struct.pack(">" + "I" * dims, *shape)
    out += data[header:header + count * item]
    partial = target + ".partial"
    with gzip.open(partial, "wb", compresslevel=9) as f:
        f.write(out)
    os.replace(partial, target)


def main(source, out, train, test):
    os.makedirs(out, exist_ok=True)
    for prefix, count in (("train", int(train)), ("t10k", int(test))):
        for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"):
            name = f"{prefix}-{kind}.gz"
            subset(os.path.join(source, name), os.path.join(out, name), count)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
