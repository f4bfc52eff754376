#!/usr/bin/python3
"""Checks a several-seed main job's summary (scripts/seeds_summary.py) against the seeds' own
summaries, and that the seeds trained apart (main-job-seeds.test).

Usage: seeds_agree.py RUN_DIR
"""
import json
import os
import sys

run = sys.argv[1]
top = json.load(open(os.path.join(run, "summary.json")))
seeds = top["seeds"]
per = [json.load(open(os.path.join(run, f"seed-{s}", "summary.json"))) for s in seeds]
assert top["per_seed"] == per, "per_seed is not the seeds' summaries"
for key in ["supervised_baseline_top1", "pretrain_finetune_top1", "distilled_top1",
            "linear_eval_top1", "pretrain_knn_top1"]:
    want = sum(s[key] for s in per) / len(per)
    assert abs(top[key] - want) < 1e-6, (key, top[key], want)
gains = [100 * (s["pretrain_finetune_top1"] - s["supervised_baseline_top1"]) for s in per]
assert all(abs(a - b) < 1e-3 for a, b in zip(top["gains"]["finetune"], gains)), top["gains"]
assert top["supervised_baseline_steps"] == [s["supervised_baseline_steps"] for s in per]
assert [s["seed"] for s in per] == seeds
# Each seed trained on its own: the pretraining losses of the two runs differ.
logs = [open(os.path.join(run, f"seed-{s}", "pretrain.jsonl")).read() for s in seeds]
assert logs[0] != logs[1], "the two seeds' pretraining logs are the same"
print(f"seeds {seeds}, the mean of each seed's summary; their pretraining differs")
