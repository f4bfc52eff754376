#!/usr/bin/python3
"""Compares two main-job summaries (scripts/run.sh's summary.json): the run on N replicas
against the run on one, every test accuracy within TOLERANCE (absolute, in top-1), the
seed-to-seed spread measured for these runs (docs/DISTRIBUTED.md, "The main job on 2
ranks"). Prints each pair; exits 1 when one differs by more.

Usage: main_job_agree.py ONE/summary.json MANY/summary.json TOLERANCE
"""
import json
import sys

with open(sys.argv[1]) as f:
    one = json.load(f)
with open(sys.argv[2]) as f:
    many = json.load(f)
tolerance = float(sys.argv[3])
keys = ["supervised_baseline_top1", "pretrain_knn_top1", "pretrain_knn_validation_top1",
        "pretrain_finetune_top1", "distilled_top1", "linear_eval_top1"]
failed = False
print(f"replicas {one['replicas']} against {many['replicas']}, seed {one['seed']} and {many['seed']}")
for key in keys:
    difference = many[key] - one[key]
    verdict = "ok" if abs(difference) <= tolerance else "DIFFERS"
    failed |= verdict != "ok"
    print(f"{key:28s} {one[key]:.4f} {many[key]:.4f} {difference:+.4f} {verdict}")
if one["steps"] != many["steps"]:
    print("DIFFERS: the budgets differ", one["steps"], many["steps"])
    failed = True
sys.exit(1 if failed else 0)
