#!/usr/bin/python3
"""Runs function `step` of two modules (the same step in two layouts) on the same random
argument with the float64 reference evaluator, and prints `resultN: same` for each result
within TOLERANCE (relative), else its distance.

Usage: layouts_agree.py SIMCLR_RUN A.mlir B.mlir TOLERANCE WORKDIR
"""
import os
import subprocess
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "lib"))
import safetensors_io  # noqa: E402


def main():
    simclr_run, a, b, tolerance, work = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    inputs = os.path.join(work, "in.safetensors")
    g = torch.Generator().manual_seed(3)
    safetensors_io.write(inputs, {"arg0": torch.randn(2, 3, 8, 8, dtype=torch.float64,
                                                      generator=g)})
    results = []
    for i, module in enumerate((a, b)):
        out = os.path.join(work, f"out{i}.safetensors")
        subprocess.run([simclr_run, module, "--function=step", "--inputs=" + inputs,
                        "--init-seed=2", "--outputs=" + out], check=True)
        results.append(safetensors_io.read(out))
    for name in sorted(results[0]):
        x, y = results[0][name].double(), results[1][name].double()
        d = ((x - y).norm() / y.norm()).item() if x.shape == y.shape else float("inf")
        print(f"{name}: same" if d <= float(tolerance) else f"{name}: differs by {d:.3g}")


if __name__ == "__main__":
    main()
