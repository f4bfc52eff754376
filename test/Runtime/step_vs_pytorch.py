#!/usr/bin/python3
"""Whole training steps, differentiated by the compiler, against PyTorch's autograd.

For each description: simclrc emits the step, simclr-opt --simclr-autodiff differentiates
it, simclr-run evaluates it in float64 from random parameters; an independent PyTorch
implementation of the same network (test/lib/simclr_reference.py) computes the loss, every
gradient and the updated batch-norm statistics from the same parameters. All must agree to
1e-9.

Usage: step_vs_pytorch.py SIMCLRC SIMCLR_OPT SIMCLR_RUN WORKDIR
"""
import copy
import os
import re
import subprocess
import sys

import torch
import torch.nn.functional as F
import yaml

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import safetensors_io  # noqa: E402
import simclr_reference  # noqa: E402

D = torch.float64

TINY_SK = {"blocks": [1, 1], "block": "bottleneck", "base_width": 8, "sk_ratio": 0.0625,
           "stem": "imagenet", "head": {"layers": 3, "output_dim": 8, "finetune_from_layer": 1}}
TINY_BASIC = {"blocks": [1, 1], "block": "basic", "base_width": 4, "stem": "small",
              "head": {"layers": 2, "output_dim": 6, "finetune_from_layer": 1}}

CASES = {
    "pretrain-sk": {"name": "tiny", "stage": "pretrain",
                    "input": {"channels": 3, "height": 16, "width": 16, "batch_size": 3},
                    "network": TINY_SK, "loss": {"temperature": 0.2}},
    # The memory (docs/MEMORY.md): the EMA network's update and keys, the queue's filled
    # rows as negatives (half of it empty slots), the new queue.
    "pretrain-memory": {"name": "tiny", "stage": "pretrain",
                        "input": {"channels": 1, "height": 8, "width": 8, "batch_size": 3},
                        "network": TINY_BASIC, "loss": {"temperature": 0.2},
                        "memory": {"queue": 12, "momentum": 0.9}},
    "finetune-basic": {"name": "tiny", "stage": "finetune",
                       "input": {"channels": 1, "height": 8, "width": 8, "batch_size": 4},
                       "network": TINY_BASIC, "classifier": {"num_classes": 3}},
    "linear-eval": {"name": "tiny", "stage": "linear_eval",
                    "input": {"channels": 1, "height": 8, "width": 8, "batch_size": 4},
                    "network": TINY_BASIC, "classifier": {"num_classes": 3}},
    "pretrain-sk-lars-update": {"name": "tiny", "stage": "pretrain",
                                "input": {"channels": 3, "height": 16, "width": 16, "batch_size": 3},
                                "network": TINY_SK, "loss": {"temperature": 0.2},
                                "optimizer": {"kind": "lars", "learning_rate": 0.3,
                                              "lr_scaling": "linear", "momentum": 0.9,
                                              "weight_decay": 0.001, "trust_coefficient": 0.001,
                                              "warmup_epochs": 1, "epochs": 4}},
    "linear-eval-nesterov-update": {"name": "tiny", "stage": "linear_eval",
                                    "input": {"channels": 1, "height": 8, "width": 8, "batch_size": 4},
                                    "network": TINY_BASIC, "classifier": {"num_classes": 3},
                                    "optimizer": {"kind": "momentum", "learning_rate": 0.2,
                                                  "momentum": 0.8, "nesterov": True,
                                                  "weight_decay": 0.01}},
    "finetune-sqrt-scaling-update": {"name": "tiny", "stage": "finetune",
                                     "input": {"channels": 1, "height": 8, "width": 8, "batch_size": 4},
                                     "network": TINY_BASIC, "classifier": {"num_classes": 3}},
    # The classifier under LARS with weight decay: as the reference, no trust ratio for it,
    # and its weights decayed (the reference's l2 loss term on head_supervised).
    "finetune-lars-classifier-update": {"name": "tiny", "stage": "finetune",
                                        "input": {"channels": 1, "height": 8, "width": 8, "batch_size": 4},
                                        "network": TINY_BASIC, "classifier": {"num_classes": 3},
                                        "optimizer": {"kind": "lars", "learning_rate": 0.05,
                                                      "lr_scaling": "sqrt", "momentum": 0.9,
                                                      "weight_decay": 0.01,
                                                      "trust_coefficient": 0.001}},
    "distill-sk-to-basic": {"name": "tiny", "stage": "distill",
                            "input": {"channels": 3, "height": 16, "width": 16, "batch_size": 4},
                            "teacher": TINY_SK, "network": dict(TINY_BASIC, stem="imagenet"),
                            "classifier": {"num_classes": 3}, "loss": {"temperature": 2.0}},
    # Distillation with labels on some images (the others -1) and the colab's t^2 scaling.
    "distill-labels-t2": {"name": "tiny", "stage": "distill",
                          "input": {"channels": 1, "height": 8, "width": 8, "batch_size": 6},
                          "teacher": copy.deepcopy(TINY_BASIC), "network": TINY_BASIC,
                          "classifier": {"num_classes": 3},
                          "loss": {"temperature": 2.0, "scale_by_temperature_squared": True,
                                   "label_weight": 0.7}},
}

# The float32 CPU runtime against PyTorch in float64: relative to max(1, |expected|).
FLOAT32_TOLERANCE = 1e-4

DECLARATION = re.compile(r"simclr\.(parameter|state) @([\w.]+) : tensor<((?:\d+x)+)f32>")


class Recording(dict):
    """A parameter dictionary that remembers which entries were read."""

    def __init__(self, *args):
        super().__init__(*args)
        self.read = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr}")


def check(name, desc, tools, workdir):
    simclrc, simclr_opt, simclr_run = tools[:3]
    simclr_train = tools[3] if len(tools) > 3 else None
    base = os.path.join(workdir, name)
    with open(base + ".yaml", "w") as f:
        yaml.safe_dump(desc, f)
    run([simclrc, "--emit=mlir", base + ".yaml", "-o", base + ".mlir"])
    # Differentiated, fused into kernels and memory-planned: what the runtime will run.
    lowering = ["--simclr-fuse-kernels", "--simclr-plan-memory"]
    run([simclr_opt, base + ".mlir", "--simclr-autodiff", *lowering, "-o", base + ".grad.mlir"])
    text = open(base + ".grad.mlir").read()
    gradients = re.search(r"simclr\.gradients = \[([^\]]*)\]", text).group(1)
    gradients = [g.strip().lstrip("@") for g in gradients.split(",")]
    update = name.endswith("-update")
    step_module = base + ".grad.mlir"
    if update:  # the whole step: gradients consumed by the optimizer
        step_module = base + ".step.mlir"
        run([simclr_opt, base + ".mlir", "--simclr-autodiff", "--simclr-optimizer", *lowering,
             "-o", step_module])
        text = open(step_module).read()

    gen = torch.Generator().manual_seed(7)
    params, state = {}, {}
    for kind, symbol, dims in DECLARATION.findall(text):
        shape = [int(d) for d in dims.rstrip("x").split("x")]
        noise = torch.randn(shape, dtype=D, generator=gen)
        if symbol.startswith("velocity."):
            state[symbol] = 0.01 * noise
        elif kind == "parameter":
            is_gamma = symbol.endswith(".weight") and len(shape) == 1
            params[symbol] = 1 + 0.2 * noise if is_gamma else 0.4 * noise
        else:
            state[symbol] = (1 + 0.2 * noise.abs()) if symbol.endswith("running_var") else 0.1 * noise
    if "memory.queue" in state:  # unit rows, the second half empty slots
        queue = F.normalize(state["memory.queue"], dim=1)
        queue[queue.shape[0] // 2:] = 0
        state["memory.queue"] = queue
    rows = desc["input"]["batch_size"] * (2 if desc["stage"] == "pretrain" else 1)
    images = torch.randn(rows, desc["input"]["channels"], desc["input"]["height"],
                         desc["input"]["width"], dtype=D, generator=gen)
    inputs = {"arg0": images}
    labels = None
    if desc["stage"] in ("finetune", "linear_eval"):
        labels = torch.randint(0, desc["classifier"]["num_classes"], (rows,), generator=gen,
                               dtype=torch.int32)
        inputs["arg1"] = labels
    elif desc.get("loss", {}).get("label_weight", 0) > 0:  # distillation, some labelled
        labels = torch.randint(0, desc["classifier"]["num_classes"], (rows,), generator=gen,
                               dtype=torch.int32)
        labels[1::2] = -1
        inputs["arg1"] = labels
    schedule = (3.0, 5.0, 20.0)  # step, warmup_steps, total_steps
    if update:
        for i, value in enumerate(schedule):
            inputs[f"arg{len(inputs)}"] = torch.tensor(value, dtype=D)
    safetensors_io.write(base + ".in.safetensors", inputs)
    safetensors_io.write(base + ".vars.safetensors", {**params, **state})
    run([simclr_run, step_module, "--function=train_step",
         "--inputs=" + base + ".in.safetensors", "--variables=" + base + ".vars.safetensors",
         "--outputs=" + base + ".out.safetensors",
         "--variables-out=" + base + ".vars-out.safetensors"])
    # The same step through the module format and the float32 CPU runtime (oneDNN, the
    # generated kernels, the planned arena), from the same batch and variables.
    if simclr_train:
        run([simclr_train, step_module, "--inputs=" + base + ".in.safetensors",
             "--resume=" + base + ".vars.safetensors", "--outputs=" + base + ".cpu.safetensors",
             "--save=" + base + ".cpu-vars-out.safetensors"])
    runs = [("", 1e-9, safetensors_io.read(base + ".out.safetensors"),
             safetensors_io.read(base + ".vars-out.safetensors"))]
    if simclr_train:
        runs.append(("cpu ", FLOAT32_TOLERANCE, safetensors_io.read(base + ".cpu.safetensors"),
                     safetensors_io.read(base + ".cpu-vars-out.safetensors")))

    leaves = Recording({k: v.clone().requires_grad_(k in gradients) for k, v in params.items()})
    loss, accuracy, new_state = simclr_reference.train_step(desc, leaves, state, images, labels)
    loss.backward()
    failures = []
    worst = {}
    for prefix, tolerance, ours, ours_after in runs:
        compare_run(desc, name, params, state, leaves, gradients, schedule, update, loss,
                    accuracy, new_state, ours, ours_after, prefix, tolerance, failures, worst)
    unused = sorted(set(params) - leaves.read - {k for k in params if k.startswith("velocity.")})
    if unused:
        failures.append(f"declared but unused by the reference: {unused[:5]}")
    for failure in failures:
        print(f"{name}: MISMATCH {failure}")
    if not failures:
        what = "updates" if update else "gradients"
        cpu = f"; cpu float32 ok, max error {worst['cpu ']:.1e}" if "cpu " in worst else ""
        print(f"{name}: ok (loss {loss.item():.6f}, {len(gradients)} {what}, "
              f"{len(new_state)} running statistics{cpu})")
    return not failures


def compare_run(desc, name, params, state, leaves, gradients, schedule, update, loss, accuracy,
                new_state, ours, ours_after, prefix, tolerance, failures, worst):
    """Compares one run's results (float64 evaluator or float32 CPU runtime) with PyTorch."""
    def compare(what, got, want):
        error = (got.to(D) - want).abs().max().item() / max(1.0, want.abs().max().item())
        worst[prefix] = max(worst.get(prefix, 0.0), error)
        if got.shape != want.shape or error > tolerance:
            failures.append(f"{prefix}{what}: relative error {error:.3g}")

    compare("loss", ours["result0"], loss.detach())
    compare("accuracy", ours["result1"], accuracy.detach())
    trainable = sorted(k for k, v in leaves.items() if v.requires_grad)
    if sorted(gradients) != trainable:
        failures.append(f"gradient list {sorted(gradients)} != trainable {trainable}")
    grads = {k: leaves[k].grad if leaves[k].grad is not None else torch.zeros_like(params[k])
             for k in gradients}
    if update:
        opt = {"kind": "lars", "learning_rate": 0.3 if desc["stage"] == "pretrain" else 0.005,
               "lr_scaling": "linear" if desc["stage"] == "pretrain" else "sqrt",
               "momentum": 0.9, "weight_decay": 1e-6 if desc["stage"] == "pretrain" else 0.0,
               "trust_coefficient": 0.001, "nesterov": False}
        if desc["stage"] == "linear_eval":
            opt.update(kind="momentum", learning_rate=0.1, nesterov=True, lr_scaling="linear")
        opt.update(desc.get("optimizer", {}))
        peak = simclr_reference.peak_learning_rate(opt, desc["input"]["batch_size"])
        lr = simclr_reference.learning_rate(peak, *schedule)
        compare("learning rate", ours["result2"], torch.tensor(lr, dtype=D))
        for symbol in gradients:
            w, v = params[symbol], state["velocity." + symbol]
            exclude = w.dim() == 1
            if opt["kind"] == "lars":
                # The reference's LARS (SIMCLR.md) excludes batch-norm parameters, biases and
                # the supervised head (torchvision's `fc`) from its decay and trust ratio, and
                # adds the head's weight decay as an l2 loss term: d/dw wd*|w|^2/2 = wd*w.
                classifier = symbol.startswith("fc.")
                g = grads[symbol]
                if classifier and not exclude:
                    g = g + opt["weight_decay"] * w
                w2, v2 = simclr_reference.lars(w, g, v, lr, opt["momentum"],
                                               opt["weight_decay"], opt["trust_coefficient"],
                                               exclude or classifier, opt["nesterov"])
            else:
                w2, v2 = simclr_reference.momentum_sgd(w, grads[symbol], v, lr, opt["momentum"],
                                                       opt["weight_decay"], exclude,
                                                       opt["nesterov"])
            compare(f"updated {symbol}", ours_after[symbol], w2)
            compare(f"updated velocity.{symbol}", ours_after["velocity." + symbol], v2)
    else:
        for i, symbol in enumerate(gradients):
            compare(f"d/d {symbol}", ours[f"result{2 + i}"], grads[symbol])
    for symbol, value in new_state.items():
        compare(symbol, ours_after[symbol], value)


def main():
    tools, workdir = sys.argv[1:-1], sys.argv[-1]
    os.makedirs(workdir, exist_ok=True)
    passed = sum(check(name, desc, tools, workdir) for name, desc in CASES.items())
    print(f"{passed} passed, {len(CASES) - passed} failed")
    return 0 if passed == len(CASES) else 1


if __name__ == "__main__":
    sys.exit(main())
