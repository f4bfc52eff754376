"""Checks two `simclrc --stats --target=cuda` outputs of one description, at batch 256 and
128: the parts add up to the total, the variables do not depend on the batch, and the
arenas, arguments and kernel scratch (all per image) halve, to within the arena's alignment."""
import sys


def figures(path):
    out = {}
    for line in open(path):
        if line.startswith("cuda_bytes_"):
            key, value = line.split(":", 1)
            out[key[len("cuda_bytes_"):]] = int(value.split("#")[0])
    return out


full, half = figures(sys.argv[1]), figures(sys.argv[2])
for f in (full, half):
    parts = sum(v for k, v in f.items() if k != "total")
    assert parts == f["total"], (parts, f["total"])
assert full["variables"] == half["variables"], (full["variables"], half["variables"])
assert full["cublaslt_workspace"] == half["cublaslt_workspace"]
for key in ("arena_train_step", "arena_embed", "staged_arguments", "kernel_scratch"):
    ratio = full[key] / half[key]
    assert abs(ratio - 2.0) < 0.01, (key, full[key], half[key])
print("ok")
