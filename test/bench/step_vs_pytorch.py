#!/usr/bin/python3
"""Times the compiled pretraining step (simclr-train, CPU executor) against PyTorch on the
same model, batch and thread count, and prints a table with the ratio.

PyTorch runs test/lib/simclr_reference.py's network in float32 with autograd and the same
LARS update; both sides draw fresh weights and random batches. The first step of each
(primitive creation, warm-up) is left out of the timing.

Usage: step_vs_pytorch.py DESCRIPTION SIMCLRC SIMCLR_TRAIN [STEPS] [THREADS]
"""
import os
import re
import subprocess
import sys
import time

import torch
import yaml

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import simclr_reference  # noqa: E402

DECLARATION = re.compile(r"simclr\.(parameter|state) @([\w.]+) : tensor<((?:\d+x)+)f32>")


def ours(simclr_train, description, steps, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    out = subprocess.run([simclr_train, description, f"--steps={steps}"], env=env,
                         capture_output=True, text=True, check=True).stdout
    rates = [float(m) for m in re.findall(r"([\d.]+) images/s", out)]
    batch = yaml.safe_load(open(description))["input"]["batch_size"]
    first, total = batch / rates[0], steps * batch / rates[-1]
    return (steps - 1) * batch / (total - first)


def pytorch(simclrc, description, steps, threads):
    torch.set_num_threads(threads)
    desc = yaml.safe_load(open(description))
    mlir = subprocess.run([simclrc, "--emit=mlir", description], capture_output=True, text=True,
                          check=True).stdout
    params, state = {}, {}
    for kind, name, dims in DECLARATION.findall(mlir):
        shape = [int(d) for d in dims.rstrip("x").split("x")]
        value = torch.randn(shape) * 0.1 + (1.0 if name.endswith(".weight") and len(shape) == 1 else 0.0)
        (params if kind == "parameter" else state)[name] = value
    for v in params.values():
        v.requires_grad_(True)
    velocity = {k: torch.zeros_like(v) for k, v in params.items()}
    inp = desc["input"]
    batch = inp["batch_size"]
    images = torch.rand(2 * batch, inp["channels"], inp["height"], inp["width"])
    simclr_reference.D = torch.float32
    times = []
    for step in range(steps):
        start = time.perf_counter()
        loss, _, new_state = simclr_reference.train_step(desc, params, state, images)
        loss.backward()
        with torch.no_grad():
            for k, w in params.items():
                w2, velocity[k] = simclr_reference.lars(w, w.grad, velocity[k], 0.1, 0.9, 1e-6,
                                                        0.001, w.dim() == 1)
                w.copy_(w2)
                w.grad = None
        state.update(new_state)
        times.append(time.perf_counter() - start)
    return (steps - 1) * batch / sum(times[1:])


def main():
    description, simclrc, simclr_train = sys.argv[1:4]
    steps = int(sys.argv[4]) if len(sys.argv) > 4 else 6
    threads = int(sys.argv[5]) if len(sys.argv) > 5 else os.cpu_count()
    a = ours(simclr_train, description, steps, threads)
    b = pytorch(simclrc, description, steps, threads)
    print(f"pretraining step, {os.path.basename(description)}, {threads} threads, "
          f"{steps - 1} timed steps")
    print(f"{'':12} {'images/s':>10}")
    print(f"{'simclr':12} {a:10.1f}")
    print(f"{'pytorch':12} {b:10.1f}")
    print(f"ratio simclr / pytorch: {a / b:.2f}")


if __name__ == "__main__":
    main()
