#!/usr/bin/python3
"""Checks a run that chose its steps on the validation split (--select-every) against its
log and saved weights, and against the same run without the selection.

Usage: select_steps.py SELECTED.jsonl SELECTED.safetensors PLAIN.jsonl EVERY PATIENCE STEPS

- the validation top-1 is logged after every EVERY-th step and after the last one run;
- the chosen step is the earliest of the best, and its top-1 is the best;
- with PATIENCE > 0 the run stopped at the PATIENCE-th evaluation in a row without a
  better top-1 (or at STEPS);
- the validation top-1 measured after the training, with the weights the run ended with,
  is the chosen step's: the best weights were put back;
- the saved weights say they are of the chosen step;
- the evaluations changed nothing in the training: every step's loss, accuracy and rate
  are those of the same run without them.
"""
import json
import struct
import sys

selected_log, weights, plain_log = sys.argv[1:4]
every, patience, steps = (int(a) for a in sys.argv[4:7])


def lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


log, plain = lines(selected_log), lines(plain_log)
step_lines = [l for l in log if "loss" in l]
trained = step_lines[-1]["step"]
evaluations = [(l["step"], l["validation_top1"]) for l in log
               if "step" in l and "validation_top1" in l]
expected_at = [s for s in range(1, trained + 1) if s % every == 0 or s == trained]
assert [s for s, _ in evaluations] == expected_at, (evaluations, expected_at)

best = max(top1 for _, top1 in evaluations)
first_best = next(s for s, top1 in evaluations if top1 == best)
chosen = next(l for l in log if "selected_step" in l)
assert chosen["selected_step"] == first_best, (chosen, evaluations)
assert chosen["trained_steps"] == trained, chosen
assert abs(chosen["selected_validation_top1"] - best) < 1e-9, chosen

if patience > 0 and trained < steps:
    after = [top1 for s, top1 in evaluations if s > first_best]
    assert len(after) == patience and all(t <= best for t in after), (evaluations, patience)
else:
    assert trained == steps, (trained, steps)

final = [l["validation_top1"] for l in log if "validation_top1" in l and "step" not in l]
assert len(final) == 1 and abs(final[0] - best) < 1e-9, (final, best)

with open(weights, "rb") as f:
    header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
assert header["__metadata__"]["steps"] == str(first_best), header["__metadata__"]

plain_steps = {l["step"]: l for l in plain if "loss" in l}
for l in step_lines:
    assert l == plain_steps[l["step"]], (l, plain_steps[l["step"]])
print(f"selection ok: {len(evaluations)} evaluations, chose step {first_best} of {trained} "
      f"(validation top-1 {best:.4f})")
