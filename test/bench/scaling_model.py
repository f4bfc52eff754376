#!/usr/bin/python3
"""The step-time model of docs/SCALING.md: a data-parallel SimCLR step on N GPUs as
compute + exposed batch-norm all-reduces + exposed gradient all-reduce + the redundant
share of the NT-Xent over gathered negatives. What a compiled step communicates (the
gradient buckets, the batch norms) is read from simclrc; the hardware figures are the
ASSUMED ones below (no GPU run of this project has measured them), so that the table is
a model to check, not a measurement.

Usage: scaling_model.py [BUILD_DIR]
"""
import math
import os
import re
import subprocess
import sys

build = sys.argv[1] if len(sys.argv) > 1 else "build"
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
simclrc = os.path.join(build, "bin", "simclrc")

# Assumed hardware (H200 nodes of 8 GPUs; NVLink within a node, one 400 Gb/s InfiniBand
# NIC per GPU across nodes).
NVLINK_BYTES_PER_S = 350e9      # NCCL bus bandwidth of an all-reduce within a node
IB_BYTES_PER_S = 45e9           # per GPU across nodes (400 Gb/s, ~90 % achieved)
SMALL_LATENCY_NODE_S = 15e-6    # one small all-reduce within a node
SMALL_LATENCY_HOP_S = 8e-6      # each tree level across nodes
GPUS_PER_NODE = 8
MEMORY_BYTES = 141e9            # H200
BACKWARD_SHARE = 2.0 / 3.0      # of the compute, during which gradient buckets overlap

# Assumed per-GPU speed: the project's R50 target (docs/GPU.md: 7,000 views/s in bf16),
# i.e. 3 x 4.1 GMAC per view at 86 TMAC/s; every network at the same MAC rate.
MACS_PER_SECOND = 7000 * 3 * 4.087e9


def compiled(description, replicas, batch):
    """Gradient bucket bytes and the batch norms' all-reduces of the step for `replicas`."""
    step = subprocess.run([simclrc, description, f"--replicas={replicas}", f"--batch-size={batch}",
                           "--emit=step"], capture_output=True, text=True, check=True).stdout
    buckets = []
    for line in step.splitlines():
        if "simclr.all_reduce" in line and '"mean"' in line:
            shape = re.search(r"-> tensor<([0-9x]+)xf32>", line).group(1)
            buckets.append(4 * math.prod(int(d) for d in shape.split("x")))
    sums = sum(1 for line in step.splitlines() if "simclr.all_reduce" in line and '"sum"' in line)
    return buckets, sums


def stats(description):
    out = subprocess.run([simclrc, "--stats", description], capture_output=True, text=True,
                         check=True).stdout
    values = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    return int(values["forward_macs_per_image"]), int(values["training_step_planned_peak_bytes"]), \
        int(values["step_batch_rows"])


def allreduce_seconds(nbytes, n):
    """Ring bandwidth term plus tree latency; hierarchical: NVLink within a node, IB across."""
    if n == 1:
        return 0.0
    within = min(n, GPUS_PER_NODE)
    nodes = max(1, n // GPUS_PER_NODE)
    t = 2 * (within - 1) / within * nbytes / NVLINK_BYTES_PER_S + SMALL_LATENCY_NODE_S
    if nodes > 1:  # each GPU carries 1/8 of the data over its own NIC
        t += 2 * (nodes - 1) / nodes * (nbytes / within) / IB_BYTES_PER_S
        t += 2 * math.log2(nodes) * SMALL_LATENCY_HOP_S
    return t


def model(name, description, n, global_batch=4096, dim=128):
    macs, peak, rows = stats(description)
    max_images = int(MEMORY_BYTES / (peak / rows)) // 2  # two views per image, f32 step
    batch = min(global_batch // n, max_images)
    buckets, sums = compiled(description, n, batch)
    compute = 2 * batch * 3 * macs / MACS_PER_SECOND
    # The batch norms' small all-reduces (3 each), every one on the critical path.
    bn = sums * allreduce_seconds(4 * 1024, n)
    grads = [allreduce_seconds(b, n) for b in buckets]
    exposed = max(grads[-1] if grads else 0.0, sum(grads) - BACKWARD_SHARE * compute)
    # NT-Xent scores this replica's 2B rows against the 2NB gathered columns: its share of
    # the one-replica loss, so it is compute that divides, not overhead.
    rows_all = 2 * batch * n
    loss = 3 * (2 * batch) * rows_all * dim / MACS_PER_SECOND
    total = compute + loss + bn + exposed
    parts = {"batch norms": bn, "gradients": exposed}
    limit = max(parts, key=parts.get)
    print(f"| {name} | {n} | {batch * n} ({batch}) | {1e3 * compute:.1f} | {len(buckets)}, "
          f"{sum(buckets) / 1e6:.0f} MB | {1e3 * bn:.2f} | {1e3 * sum(grads):.2f} / "
          f"{1e3 * exposed:.2f} | {1e3 * loss:.3f} | {100 * (compute + loss) / total:.0f} % "
          f"| {limit} |")


print("| network | GPUs | global batch (per GPU) | compute ms | buckets, bytes | batch-norm "
      "all-reduces ms | gradient all-reduce ms (all / exposed) | NT-Xent ms | "
      "efficiency | what limits it |")
print("|---|---|---|---|---|---|---|---|---|---|")
for name, file in (("R50 1x", "r50_1x_sk0.yaml"), ("R152 3x+SK", "r152_3x_sk1.yaml")):
    for n in (8, 64, 512):
        model(name, os.path.join(root, "examples", "imagenet", file), n)
