#!/usr/bin/env python3
"""The GPU benchmark's table: the compiled step against PyTorch on the same machine and run.

Reads DIR/bench/*.json, written by simclr-step-bench (the compiled step:
simclr-<model>-<precision>, precision f32, bf16 or bf16-nchw)
and bench_pytorch.py (pytorch-<mode>-<model>-<precision>), and prints one row per model and
precision: views/s of each, the compiled step's ratio to PyTorch eager (autocast bf16 and
channels_last, or true f32) and to torch.compile of the same step, and the compiled step's
achieved TFLOP/s (PyTorch's count of the network's FLOPs a view) against the H200's
measured bf16 peak (about 790 TFLOP/s, docs/GPU.md). Writes the rows to DIR/bench.json.

Usage: bench_table.py DIR
"""
import glob
import json
import os
import sys

PEAK_BF16_TFLOPS = 790.0


def load(out):
    figures = {}
    for path in sorted(glob.glob(os.path.join(out, "bench", "*.json"))):
        try:
            figures[os.path.basename(path)[:-5]] = json.load(open(path))
        except ValueError:
            pass
    return figures


def main():
    out = sys.argv[1]
    figures = load(out)
    rows = []
    for model in ("r50", "fmnist"):
        for precision in ("f32", "bf16", "bf16-nchw"):
            # bf16-nchw: the compiled bf16 step with NCHW activations (the compiler stores
            # them NHWC on CUDA in bf16), against the same PyTorch bf16 figures.
            base = precision.split("-")[0]
            ours = figures.get(f"simclr-{model}-{precision}", {})
            eager = figures.get(f"pytorch-eager-{model}-{base}", {})
            compiled = figures.get(f"pytorch-compile-{model}-{base}", {})
            v = ours.get("views_per_second")
            ve, vc = eager.get("views_per_second"), compiled.get("views_per_second")
            flops_per_view = None
            for peer in (eager, compiled):
                if peer.get("flops_per_step") and peer.get("batch"):
                    flops_per_view = peer["flops_per_step"] / (2 * peer["batch"])
            row = {"model": model, "precision": precision, "simclr_views_per_s": v,
                   "pytorch_eager_views_per_s": ve, "pytorch_compile_views_per_s": vc,
                   "vs_eager": v / ve if v and ve else None,
                   "vs_compile": v / vc if v and vc else None,
                   "simclr_tflops": v * flops_per_view / 1e12 if v and flops_per_view else None,
                   "errors": {k: f["error"] for k, f in (("eager", eager), ("compile", compiled))
                              if "error" in f}}
            if row["simclr_tflops"] and base == "bf16":
                row["of_bf16_peak"] = row["simclr_tflops"] / PEAK_BF16_TFLOPS
            rows.append(row)

    def cell(x, fmt):
        return fmt.format(x) if x is not None else "-"
    print("| model | precision | simclr views/s | PyTorch eager | torch.compile | vs eager | "
          "vs compile | simclr TFLOP/s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        tflops = cell(r["simclr_tflops"], "{:.1f}")
        if r.get("of_bf16_peak"):
            tflops += f" ({100 * r['of_bf16_peak']:.1f}% of bf16 peak)"
        print(f"| {r['model']} | {r['precision']} | {cell(r['simclr_views_per_s'], '{:.0f}')} | "
              f"{cell(r['pytorch_eager_views_per_s'], '{:.0f}')} | "
              f"{cell(r['pytorch_compile_views_per_s'], '{:.0f}')} | "
              f"{cell(r['vs_eager'], '{:.2f}x')} | {cell(r['vs_compile'], '{:.2f}x')} | {tflops} |")
        for mode, error in r["errors"].items():
            print(f"  ({r['model']} {r['precision']} PyTorch {mode}: {error})")
    json.dump(rows, open(os.path.join(out, "bench.json"), "w"), indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
