#!/usr/bin/python3
"""Checks that a data-parallel run is the one-replica run of the whole batch: every tensor
of two checkpoints (parameters, velocities, BN statistics) and every step's loss and
accuracy in two logs agree within TOLERANCE relative (docs/DISTRIBUTED.md); evaluations
in the logs (test top-1, kNN top-1, over the same number of images) within 0.02 absolute,
as the weights differ by float32 summation order. Prints the largest differences; exits
1 when one is over.

Usage: replicas_agree.py ONE.safetensors MANY.safetensors ONE.jsonl MANY.jsonl [TOLERANCE]
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import safetensors_io  # noqa: E402

one, many = safetensors_io.read(sys.argv[1]), safetensors_io.read(sys.argv[2])
tolerance = float(sys.argv[5]) if len(sys.argv) > 5 else 1e-4
failures = []
if sorted(one) != sorted(many):
    failures.append("the checkpoints hold different tensors")
worst = (0.0, "")
for name in sorted(set(one) & set(many)):
    a, b = one[name].double(), many[name].double()
    scale = max(a.norm().item(), 1e-12)
    distance = (a - b).norm().item() / scale
    worst = max(worst, (distance, name))
    if distance > tolerance:
        failures.append(f"{name}: relative distance {distance:.3e}")


def steps(path):
    with open(path) as f:
        return [line for line in map(json.loads, f) if "loss" in line]


worst_step = (0.0, "")
a_steps, b_steps = steps(sys.argv[3]), steps(sys.argv[4])
if len(a_steps) != len(b_steps) or not a_steps:
    failures.append(f"the logs have {len(a_steps)} and {len(b_steps)} steps")
for a, b in zip(a_steps, b_steps):
    for key in ("loss", "accuracy"):
        distance = abs(a[key] - b[key]) / max(abs(a[key]), 1e-12)
        worst_step = max(worst_step, (distance, f"step {a['step']} {key}"))
        if distance > tolerance:
            failures.append(f"step {a['step']}: {key} {a[key]} against {b[key]}")
def evaluations(path):
    with open(path) as f:
        return [line for line in map(json.loads, f) if "loss" not in line and
                ("test_top1" in line or "knn_top1" in line)]


a_evals, b_evals = evaluations(sys.argv[3]), evaluations(sys.argv[4])
if len(a_evals) != len(b_evals):
    failures.append(f"the logs have {len(a_evals)} and {len(b_evals)} evaluations")
for a, b in zip(a_evals, b_evals):
    for key in ("test_top1", "knn_top1", "test_images"):
        if key in a and (key not in b or abs(a[key] - b[key]) > (0 if key == "test_images" else 0.02)):
            failures.append(f"{key} {a.get(key)} against {b.get(key)}")
print(f"{len(one)} tensors, largest relative distance {worst[0]:.2e} ({worst[1]}); "
      f"{len(a_steps)} steps, largest {worst_step[0]:.2e} ({worst_step[1]}); evaluations "
      + ", ".join(f"{k} {a[k]} / {b[k]}" for a, b in zip(a_evals, b_evals) for k in a if k in b))
for failure in failures[:10]:
    print("DIFFERS:", failure)
sys.exit(1 if failures else 0)
