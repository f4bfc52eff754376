#!/usr/bin/python3
"""A bf16 step against the f32 step of the same description, and against float64.

simclrc compiles the description twice (--precision=f32 and bf16, --batch-size=B); the CPU
runtime (simclr-train --inputs: oneDNN's bf16 convolutions and products, the generated
kernels with their conversions) runs one step of each from the same seed and batch; the
float64 reference evaluator (simclr-run) runs the bf16 step's IR, which rounds to bf16
where the IR says. Checked:

* the bf16 step stays within 2e-2 (relative) of the f32 step: the loss, the parameters
  after the update, the running statistics;
* the bf16 runtime computes what its IR says: its loss within 1e-3 and its batch-norm
  statistics (the forward pass) within 2e-5 of float64's, several times closer than the
  f32 step's (the bf16 path really ran). The gradients are compared only for order: at
  initialisation they amplify the forward's last-bit differences (a bf16 value rounded
  the other way) some hundredfold, so the runtime and float64 differ by some 7% there;
* the gradients' distance from f32 (the velocities) is printed: bf16 rounding of the
  convolutions' results moves them by some 20% at initialisation, as PyTorch's autocast
  does (docs/PRECISION.md).

Usage: bf16_step.py SIMCLRC SIMCLR_RUN SIMCLR_TRAIN DESCRIPTION BATCH WORKDIR
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import safetensors_io  # noqa: E402
from one_step import distance, run, variables_by_kind, write_pretrain_inputs  # noqa: E402


def main():
    simclrc, simclr_run, simclr_train, description, batch, work = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    p = lambda name: os.path.join(work, name)  # noqa: E731
    for precision in ("f32", "bf16"):
        run([simclrc, description, f"--batch-size={batch}", f"--precision={precision}",
             "--emit=module", "-o", p(precision + ".sclm")])
    run([simclrc, description, f"--batch-size={batch}", "--precision=bf16", "--emit=step",
         "-o", p("bf16.mlir")])
    write_pretrain_inputs(p("in.safetensors"), batch)
    for precision in ("f32", "bf16"):
        run([simclr_train, p(precision + ".sclm"), "--inputs=" + p("in.safetensors"), "--seed=1",
             "--outputs=" + p(precision + ".out.safetensors"),
             "--save=" + p(precision + ".vars.safetensors")])
    run([simclr_run, p("bf16.mlir"), "--function=train_step", "--inputs=" + p("in.safetensors"),
         "--init-seed=1", "--outputs=" + p("ref.out.safetensors"),
         "--variables-out=" + p("ref.vars.safetensors")])

    out = {k: safetensors_io.read(p(k + ".out.safetensors")) for k in ("f32", "bf16", "ref")}
    var = {k: safetensors_io.read(p(k + ".vars.safetensors")) for k in ("f32", "bf16", "ref")}
    parameters, statistics, velocities = variables_by_kind(var["f32"])
    loss32, loss16 = out["f32"]["result0"].item(), out["bf16"]["result0"].item()
    loss64 = out["ref"]["result0"].item()
    figures = {
        # the bound: bf16 within 2e-2 of f32
        "loss-vs-f32": abs(loss16 - loss32) / abs(loss32),
        "parameters-vs-f32": distance(var["bf16"], var["f32"], parameters),
        "statistics-vs-f32": distance(var["bf16"], var["f32"], statistics),
        "gradients-vs-f32": distance(var["bf16"], var["f32"], velocities),
        # the bf16 runtime against float64 of its own IR, and the f32 runtime against it
        "loss-vs-float64": abs(loss16 - loss64) / abs(loss64),
        "f32-loss-vs-float64": abs(loss32 - loss64) / abs(loss64),
        "statistics-vs-float64": distance(var["bf16"], var["ref"], statistics),
        "f32-statistics-vs-float64": distance(var["f32"], var["ref"], statistics),
        "gradients-vs-float64": distance(var["bf16"], var["ref"], velocities),
        "f32-gradients-vs-float64": distance(var["f32"], var["ref"], velocities),
    }
    for name, value in figures.items():
        print(f"{name}: {value:.3g}")
    f = figures
    ok = (f["loss-vs-f32"] < 2e-2 and f["parameters-vs-f32"] < 2e-2 and
          f["statistics-vs-f32"] < 2e-2 and f["gradients-vs-f32"] > 0 and
          f["loss-vs-float64"] < 1e-3 and f["statistics-vs-float64"] < 2e-5 and
          f["f32-statistics-vs-float64"] > 3 * f["statistics-vs-float64"] and
          f["f32-gradients-vs-float64"] > f["gradients-vs-float64"])
    print("bf16 step:", "ok" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
