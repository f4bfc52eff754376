#!/usr/bin/python3
"""A channels-last (NHWC) step against the NCHW step of the same description.

simclrc compiles the description twice (--layout=nchw and --layout=nhwc, --batch-size=B);
the CPU runtime (oneDNN's convolutions on nhwc/ohwi memory, the generated kernels indexing
NHWC) runs one step of each from the same seed and batch. The layout changes where values
are stored, not what is computed, so the two steps agree to float32 rounding (oneDNN may
sum in another order): the loss, the parameters after the update, the running statistics
and the velocities (the gradients) within 1e-5 relative. The parameters and checkpoint
names are the same: the layout never reaches a checkpoint.

Usage: channels_last_step.py SIMCLRC SIMCLR_TRAIN DESCRIPTION BATCH WORKDIR
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import safetensors_io  # noqa: E402
from one_step import distance, run, variables_by_kind, write_pretrain_inputs  # noqa: E402


def main():
    simclrc, simclr_train, description, batch, work = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    p = lambda name: os.path.join(work, name)  # noqa: E731
    for layout in ("nchw", "nhwc"):
        run([simclrc, description, f"--batch-size={batch}", f"--layout={layout}",
             "--emit=module", "-o", p(layout + ".sclm")])
    write_pretrain_inputs(p("in.safetensors"), batch)
    for layout in ("nchw", "nhwc"):
        run([simclr_train, p(layout + ".sclm"), "--inputs=" + p("in.safetensors"), "--seed=1",
             "--outputs=" + p(layout + ".out.safetensors"),
             "--save=" + p(layout + ".vars.safetensors")])
    out = {k: safetensors_io.read(p(k + ".out.safetensors")) for k in ("nchw", "nhwc")}
    var = {k: safetensors_io.read(p(k + ".vars.safetensors")) for k in ("nchw", "nhwc")}
    if sorted(var["nchw"]) != sorted(var["nhwc"]) or any(
            var["nchw"][k].shape != var["nhwc"][k].shape for k in var["nchw"]):
        print("checkpoint names or shapes differ between the layouts")
        return 1
    parameters, statistics, velocities = variables_by_kind(var["nchw"])
    a, b = out["nhwc"]["result0"].item(), out["nchw"]["result0"].item()
    figures = {
        "loss": abs(a - b) / abs(b),
        "parameters": distance(var["nhwc"], var["nchw"], parameters),
        "statistics": distance(var["nhwc"], var["nchw"], statistics),
        "gradients": distance(var["nhwc"], var["nchw"], velocities),
    }
    for name, value in figures.items():
        print(f"{name}-nhwc-vs-nchw: {value:.3g}")
    ok = all(value < 1e-5 for value in figures.values())
    print("channels-last step:", "ok" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
