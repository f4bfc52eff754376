#!/usr/bin/python3
"""Checks simclrc's parameter and state tables against torchvision's ResNets.

For each depth, a fine-tuning description whose classifier sits directly on the backbone
(no projection head) must declare exactly the tensors of torchvision's
`resnet{depth}().state_dict()` (less `num_batches_tracked`), with the same shapes: the names
are the contract that lets PyTorch checkpoints load directly.

Usage: torchvision_names.py SIMCLRC WORKDIR
"""
import os
import re
import subprocess
import sys

import torchvision

DECLARATION = re.compile(r"simclr\.(?:parameter|state) @([\w.]+) : tensor<((?:\d+x)+)f32>")


def declared_tensors(simclrc, workdir, depth):
    path = os.path.join(workdir, f"resnet{depth}.yaml")
    with open(path, "w") as f:
        f.write(f"""name: resnet{depth}
stage: finetune
input: {{channels: 3, height: 224, width: 224, batch_size: 2}}
network:
  depth: {depth}
  head: {{layers: 0, finetune_from_layer: 0}}
classifier: {{num_classes: 1000}}
""")
    mlir = subprocess.run([simclrc, "--emit=mlir", path], check=True, capture_output=True,
                          text=True).stdout
    return {name: tuple(int(d) for d in dims.rstrip("x").split("x"))
            for name, dims in DECLARATION.findall(mlir)}


def main():
    simclrc, workdir = sys.argv[1], sys.argv[2]
    os.makedirs(workdir, exist_ok=True)
    failed = False
    for depth in (18, 34, 50, 101, 152):
        ours = declared_tensors(simclrc, workdir, depth)
        model = getattr(torchvision.models, f"resnet{depth}")()
        theirs = {name: tuple(t.shape) for name, t in model.state_dict().items()
                  if not name.endswith("num_batches_tracked")}
        missing = sorted(set(theirs) - set(ours))
        extra = sorted(set(ours) - set(theirs))
        shapes = sorted(n for n in set(ours) & set(theirs) if ours[n] != theirs[n])
        if missing or extra or shapes:
            failed = True
            print(f"resnet{depth}: missing {missing[:5]}, extra {extra[:5]}, "
                  f"shape mismatch {[(n, ours[n], theirs[n]) for n in shapes[:5]]}")
        else:
            print(f"resnet{depth}: {len(ours)} tensors match torchvision")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
