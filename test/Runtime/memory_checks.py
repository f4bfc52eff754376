#!/usr/bin/python3
"""Checks the memory of negatives (docs/MEMORY.md) in the checkpoints of a run on the
runtime: after step 1 (C1) and step 2 (C2) of the same run, and after one step from
--init of C2's online weights alone (C3, its --init checkpoint INIT).

Usage: memory_checks.py C1 C2 INIT C3 MOMENTUM
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import safetensors_io  # noqa: E402

c1, c2, init, c3 = (safetensors_io.read(p) for p in sys.argv[1:5])
m = float(sys.argv[5])
D = torch.float64


def filled(queue):
    """How many leading rows are keys (unit vectors); the rest must be empty slots."""
    norms = queue.to(D).norm(dim=1)
    n = int((norms > 0).sum())
    ok = bool(torch.allclose(norms[:n], torch.ones(n, dtype=D), atol=1e-5)) and bool((norms[n:] == 0).all())
    return n, ok


q1, q2 = c1["memory.queue"], c2["memory.queue"]
n1, ok1 = filled(q1)
n2, ok2 = filled(q2)
print("keys after step 1:", n1, "unit rows then empty slots:", ok1)
print("keys after step 2:", n2, "unit rows then empty slots:", ok2)
# Step 2's keys went in front; step 1's moved down, unchanged.
print("step 1's keys moved down:", bool(torch.equal(q2[n1:2 * n1], q1[:n1])))
print("step 2's keys are new:", not bool(torch.equal(q2[:n1], q1[:n1])))

# ema = m * ema + (1 - m) * online, the online weights as step 1 left them.
emas = [k for k in c2 if k.startswith("ema.") and k[4:] in c2 and not k.endswith(("running_mean", "running_var"))]
worst = 0.0
for k in emas:
    want = m * c1[k].to(D) + (1 - m) * c1[k[4:]].to(D)
    worst = max(worst, (c2[k].to(D) - want).abs().max().item() / max(1.0, want.abs().max().item()))
print("EMA weights:", len(emas), "moved by momentum:", worst < 1e-6)
moved = max((c2[k] - c2[k[4:]]).abs().max().item() for k in emas)
print("EMA differs from online:", moved > 0)

# From --init without EMA weights: they start as the loaded weights.
worst = max((c3[k].to(D) - init[k[4:]].to(D)).abs().max().item() for k in emas)
print("EMA from --init:", worst < 1e-6)
