#!/usr/bin/env python3
"""Checks a GPU run's outputs (gpu-bundle/run.sh); prints one line per check, writes JSON.

    check_steps.py step CPU_RESULTS GPU_RESULTS CPU_VARIABLES GPU_VARIABLES OUT.json
                        [F64_RESULTS F64_VARIABLES]
        one whole step: every result and every variable (the same names in both files),
        ||gpu - cpu|| / ||cpu|| at most 1e-4 each; a tensor over it still passes when the
        float64 reference's step is given and ||gpu - f64|| / ||f64|| is at most 1e-4
    check_steps.py falling LOG.jsonl OUT.json
        a training log: every loss finite, the mean of the last 50 below that of the first 50
    check_steps.py same A B
        two files with equal bytes

Exit status 0 when the check passed, 1 when it failed. Needs numpy alone (the GPU machine
has no project code beyond the bundle).
"""
import json
import math
import struct
import sys

import numpy as np

TOLERANCE = 1e-4
DTYPES = {"F64": np.float64, "F32": np.float32, "I64": np.int64, "I32": np.int32}


def read(path):
    with open(path, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length])
    data = raw[8 + length:]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        out[name] = np.frombuffer(data[begin:end], dtype=DTYPES[entry["dtype"]]).astype(
            np.float64).reshape(entry["shape"])
    return out


def norm_error(got, want):
    diff = float(np.sqrt(np.sum((got - want) ** 2)))
    ref = float(np.sqrt(np.sum(want ** 2)))
    if math.isnan(diff):
        return math.inf
    if ref == 0:
        return 0.0 if diff == 0 else math.inf
    return diff / ref


def step(cpu_results, gpu_results, cpu_variables, gpu_variables, out, f64_results=None,
         f64_variables=None):
    """Every result and variable within TOLERANCE of the CPU's; where one is not, the
    float64 reference's (when given) arbitrates: the tensor passes if the GPU is within
    TOLERANCE of it (then the CPU is the one that is off)."""
    rows, ok = [], True
    for kind, cpu_path, gpu_path, f64_path in (
            ("result", cpu_results, gpu_results, f64_results),
            ("variable", cpu_variables, gpu_variables, f64_variables)):
        cpu, gpu = read(cpu_path), read(gpu_path)
        f64 = read(f64_path) if f64_path else {}
        if sorted(cpu) != sorted(gpu):
            missing = sorted(set(cpu) ^ set(gpu))
            print(f"{gpu_path}: other tensors than {cpu_path}: {missing[:5]}")
            ok = False
        for name in sorted(set(cpu) & set(gpu)):
            same_shape = cpu[name].shape == gpu[name].shape
            error = norm_error(gpu[name], cpu[name]) if same_shape else math.inf
            row = {"kind": kind, "name": name, "error": error,
                   "max_abs": float(np.max(np.abs(gpu[name] - cpu[name])))
                   if same_shape and cpu[name].size else 0.0}
            if name in f64 and f64[name].shape == gpu[name].shape:
                row["gpu_f64"] = norm_error(gpu[name], f64[name])
                row["cpu_f64"] = norm_error(cpu[name], f64[name])
            row["passed"] = error <= TOLERANCE or row.get("gpu_f64", math.inf) <= TOLERANCE
            ok = ok and row["passed"]
            rows.append(row)
    rows.sort(key=lambda r: -r["error"])
    worst = rows[0] if rows else {"name": "-", "error": math.inf}
    results = {r["name"]: (float(read(gpu_results)[r["name"]].reshape(-1)[0]),
                           float(read(cpu_results)[r["name"]].reshape(-1)[0]))
               for r in rows if r["kind"] == "result"}
    arbitrated = [r for r in rows if r["error"] > TOLERANCE]
    summary = {"passed": ok, "tensors": len(rows), "worst": worst, "results_gpu_cpu": results,
               "tolerance": TOLERANCE, "arbitrated_by_f64": arbitrated, "errors": rows}
    json.dump(summary, open(out, "w"), indent=1, default=str)
    for r in arbitrated:
        print(f"  {r['name']}: ||gpu-cpu||/||cpu|| {r['error']:.3g}; float64 reference: "
              f"||gpu-f64||/||f64|| {r.get('gpu_f64', math.inf):.3g}, "
              f"||cpu-f64||/||f64|| {r.get('cpu_f64', math.inf):.3g}")
    for name, (g, c) in results.items():
        print(f"  {name}: gpu {g:.6g} cpu {c:.6g}")
    print(f"{len(rows)} tensors, largest ||gpu-cpu||/||cpu|| {worst['error']:.3g} "
          f"({worst['name']}), {len(arbitrated)} over {TOLERANCE} "
          f"{'all within it of float64' if all(r['passed'] for r in arbitrated) else 'NOT within it of float64'}: "
          f"{'passed' if ok else 'FAILED'}")
    return ok


def falling(log, out):
    records = [json.loads(line) for line in open(log) if line.strip()]
    losses = [r["loss"] for r in records if "loss" in r]  # not the kNN monitor's lines
    finite = all(math.isfinite(x) for x in losses)
    first = sum(losses[:50]) / max(1, len(losses[:50]))
    last = sum(losses[-50:]) / max(1, len(losses[-50:]))
    ok = finite and len(losses) >= 100 and last < first
    json.dump({"passed": ok, "steps": len(losses), "finite": finite, "first_50": first,
               "last_50": last}, open(out, "w"), indent=1)
    print(f"{len(losses)} steps, mean loss of the first 50 {first:.4f}, of the last 50 "
          f"{last:.4f}, all finite {finite}: {'passed' if ok else 'FAILED'}")
    return ok


def same(a, b):
    ok = open(a, "rb").read() == open(b, "rb").read()
    print(f"{a} and {b}: {'the same bytes' if ok else 'DIFFERENT'}")
    return ok


if __name__ == "__main__":
    commands = {"step": (step, (5, 7)), "falling": (falling, (2,)), "same": (same, (2,))}
    if len(sys.argv) < 2 or sys.argv[1] not in commands or \
            len(sys.argv) - 2 not in commands[sys.argv[1]][1]:
        sys.exit(__doc__)
    sys.exit(0 if commands[sys.argv[1]][0](*sys.argv[2:]) else 1)
