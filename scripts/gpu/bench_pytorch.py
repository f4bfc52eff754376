#!/usr/bin/env python3
"""Times PyTorch's SimCLR pretraining step: the peer the compiled step is compared against.

What: one training step of a description's network, as test/lib/simclr_reference.py writes
it (both views through backbone and projection head, NT-Xent loss, backward, LARS update of
every parameter, batch-norm running statistics updated), on one random batch of 2 x BATCH
views made once on the device. Parameter and state shapes come from the text of
`simclrc --emit=mlir DESCRIPTION`, so no MLIR is needed where this runs.

Why: the GPU bundle runs on a machine with PyTorch but no simclrc; this gives the PyTorch
figure (views/s, ms/step, TFLOP/s, peak memory) for the same model, batch and precision.

Usage:
  bench_pytorch.py --description D.yaml --declarations D.mlir --batch N
                   --precision f32|bf16 --mode eager|compile --steps S --warmup W
                   --device cuda|cpu [--json OUT.json] [--check]
  f32: true FP32 (TF32 off on CUDA). bf16: autocast around forward and loss, f32 master
  weights, channels_last images and 4-D weights. compile: torch.compile of the whole step,
  or of forward and loss alone when that fails. FLOPs per step = 3 x 2 x (conv and linear
  MACs of one view's forward) x views; NT-Xent's small matmuls are not counted.
  --check: one eager f32 step; exits 1 unless the loss is finite, every parameter changed,
  and the sync-free LARS used here matches simclr_reference.lars.
"""
import argparse
import importlib.util
import json
import math
import os
import re
import sys
import time
import types

import torch

# As test/bench/step_vs_pytorch.py parses the declarations.
DECLARATION = re.compile(r"simclr\.(parameter|state) @([\w.]+) : tensor<((?:\d+x)+)f32>")
HERE = os.path.dirname(os.path.abspath(__file__))


def load_reference(path, device):
    """Imports simclr_reference.py by path and makes it run in f32 on `device`."""
    spec = importlib.util.spec_from_file_location("simclr_reference", path)
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    ref.D = torch.float32
    # nt_xent makes its mask (torch.eye) and labels (torch.arange) on the CPU: hand the
    # module a `torch` whose eye and arange default to the device (no global default device,
    # whose per-call mode would slow eager PyTorch down).
    on_device = types.ModuleType("torch_on_device")
    on_device.__dict__.update({k: v for k, v in torch.__dict__.items() if not k.startswith("__")})
    on_device.eye = lambda n, dtype=None: torch.eye(n, device=device).to(  # (no CPU bf16 eye)
        torch.float32 if dtype is None else dtype)
    on_device.arange = lambda n: torch.arange(n, device=device)
    ref.torch = on_device
    # f32() rounds through torch.tensor(...).item(): remember each value, so that a compiled
    # step reads constants instead of breaking its graph on .item().
    rounded, exact = {}, ref.f32
    ref.f32 = lambda v: rounded[v] if v in rounded else rounded.setdefault(v, exact(v))
    return ref


def load_description(path):
    """The description: PyYAML's reading where it is installed (the GPU machine may lack it),
    else the subset the descriptions use: nested mappings, flow [..] and {..}, scalars, #."""
    text = open(path).read()
    try:
        import yaml
        return yaml.safe_load(text)
    except ImportError:
        pass

    def scalar(s):
        if s[:1] in ("[", "{"):  # flow style: quote the bare words, then read it as JSON
            return json.loads(re.sub(r"(?<![\w.+-])([A-Za-z_][\w.-]*)", lambda m: m[1] if m[1]
                                     in ("true", "false", "null") else f'"{m[1]}"', s))
        for cast in (int, float):
            try:
                return cast(s)
            except ValueError:
                pass
        return {"true": True, "false": False, "null": None}.get(s, s.strip("\"'"))

    root = {}
    open_maps = [(-1, root)]
    for line in text.splitlines():
        body = line.split("#")[0].rstrip()
        if body.strip():
            indent = len(body) - len(body.lstrip())
            key, _, value = body.strip().partition(":")
            while indent <= open_maps[-1][0]:
                open_maps.pop()
            parent = open_maps[-1][1]
            parent[key] = scalar(value.strip()) if value.strip() else {}
            if not value.strip():
                open_maps.append((indent, parent[key]))
    return root


def lars_nosync(w, g, v, lr, momentum, weight_decay, trust_coefficient, exclude):
    """simclr_reference.lars (non-Nesterov) with the trust ratio picked by torch.where, so
    that the step never waits on the GPU for `if norm > 0` and compiles into one graph."""
    if exclude:
        v = momentum * v + lr * g
        return w - v, v
    g = g + weight_decay * w
    wn, gn = w.norm(), g.norm()
    trust = torch.where((wn > 0) & (gn > 0), trust_coefficient * wn / gn, torch.ones_like(wn))
    v = momentum * v + lr * trust * g
    return w - v, v


def forward_macs_per_view(ref, desc, params, state, images):
    """Conv and linear multiply-adds of one forward pass, per view, from their shapes."""
    real, total = ref.F, [0]

    def conv2d(x, w, *a, **k):
        y = real.conv2d(x, w, *a, **k)
        total[0] += y.numel() * w[0].numel()  # each output: C_in/groups x kh x kw MACs
        return y

    def linear(x, w, *a, **k):
        y = real.linear(x, w, *a, **k)
        total[0] += y.numel() * w.shape[1]
        return y

    ref.F = types.ModuleType("counting_functional")
    ref.F.__dict__.update(real.__dict__, conv2d=conv2d, linear=linear)
    try:
        with torch.no_grad():
            ref.train_step(desc, params, dict(state), images[:2])
    finally:
        ref.F = real
    return total[0] / 2


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = ap.add_argument
    add("--description", required=True)
    add("--declarations", required=True, help="simclrc --emit=mlir output")
    add("--batch", type=int, help="images per step (default: the description's)")
    add("--precision", choices=["f32", "bf16"], default="f32")
    add("--mode", choices=["eager", "compile"], default="eager")
    add("--compile-mode", help="torch.compile's mode, e.g. max-autotune")
    add("--steps", type=int, default=10)
    add("--warmup", type=int, default=3)
    add("--device", choices=["cuda", "cpu"], default="cuda")
    add("--lars", choices=["nosync", "reference"], default="nosync",
        help="nosync: torch.where trust ratio; reference: simclr_reference.lars")
    add("--reference", help="simclr_reference.py (default: beside this script, then ../../test/lib)")
    add("--json")
    add("--check", action="store_true")
    args = ap.parse_args()
    if args.check:
        args.precision, args.mode, args.steps, args.warmup = "f32", "eager", 1, 0
    result = {"mode": args.mode, "precision": args.precision, "torch": torch.__version__,
              "steps": args.steps, "warmup": args.warmup, "lars": args.lars}
    try:
        code = run(args, result)
    except Exception as e:  # noqa: BLE001 - every failure must end in a clear message
        oom = isinstance(e, getattr(torch.cuda, "OutOfMemoryError", ())) or \
            "out of memory" in str(e).lower()
        result["error"] = ("out of memory: " if oom else "") + f"{type(e).__name__}: {e}"
        print(f"bench_pytorch: FAILED: {result['error']}", file=sys.stderr)
        code = 2 if oom else 1
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return code


def run(args, result):
    if args.device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda but torch.cuda.is_available() is False")
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    bf16 = args.precision == "bf16"
    paths = [args.reference] if args.reference else [
        os.path.join(d, "simclr_reference.py") for d in (HERE, f"{HERE}/../../test/lib")]
    path = next((p for p in paths if os.path.exists(p)), None)
    if path is None:
        raise FileNotFoundError("simclr_reference.py not found; pass --reference")
    ref, notes = load_reference(path, device), []
    if cuda:
        torch.backends.cudnn.benchmark = True  # let cuDNN pick its fastest algorithms
        if not bf16:  # the project's f32 path is true FP32
            torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
        notes.append("cudnn.benchmark on, " + ("TF32 settings left as PyTorch's" if bf16
                                               else "TF32 off (true FP32)"))
        result["device_name"] = torch.cuda.get_device_name(device)
    else:
        result["device_name"] = f"cpu, {torch.get_num_threads()} threads"

    desc = load_description(args.description)
    inp = desc["input"]
    batch = args.batch or inp["batch_size"]
    inp["batch_size"], views = batch, 2 * batch
    if desc.get("stage") != "pretrain":
        raise ValueError(f"{args.description} is a {desc.get('stage')} description, not pretrain")
    opt = desc.get("optimizer", {})
    lr = ref.peak_learning_rate(opt, batch) if "learning_rate" in opt else 0.1
    hyper = (opt.get("momentum", 0.9), opt.get("weight_decay", 1e-6),
             opt.get("trust_coefficient", 0.001))
    result.update(name=desc.get("name", ""), batch=batch, views=views, device=args.device)

    torch.manual_seed(0)
    layout = torch.channels_last if bf16 else torch.contiguous_format
    params, state = {}, {}
    declared = DECLARATION.findall(open(args.declarations).read())
    if not declared:
        raise ValueError(f"no simclr.parameter/state declarations in {args.declarations}")
    for kind, name, dims in declared:  # initialised as step_vs_pytorch.py does
        shape = [int(d) for d in dims.rstrip("x").split("x")]
        value = torch.randn(shape, device=device) * 0.1 + \
            (1.0 if name.endswith(".weight") and len(shape) == 1 else 0.0)
        value = value.contiguous(memory_format=layout) if value.dim() == 4 else value
        (params if kind == "parameter" else state)[name] = value.requires_grad_(kind == "parameter")
    velocity = {k: torch.zeros_like(w) for k, w in params.items()}
    images = torch.rand(views, inp["channels"], inp["height"], inp["width"], device=device)
    images = images.contiguous(memory_format=layout)
    macs = forward_macs_per_view(ref, desc, params, state, images)  # also fills f32()'s memo
    flops_per_step = 3 * 2 * macs * views
    result.update(parameters=len(params), forward_gmacs_per_view=macs / 1e9,
                  flops_per_step=flops_per_step)
    lars = lars_nosync if args.lars == "nosync" else ref.lars

    def forward():
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            loss, _, new_state = ref.train_step(desc, params, state, images)
        return loss, new_state

    def update():
        with torch.no_grad():
            for k, w in params.items():
                w2, velocity[k] = lars(w, w.grad, velocity[k], lr, *hyper, w.dim() == 1)
                w.copy_(w2)
                w.grad = None

    def step(fwd):
        loss, new_state = fwd()
        loss.backward()
        update()
        state.update(new_state)
        return loss.detach()

    if args.check:
        return check(ref, params, forward, update, state, lr, hyper)

    run_step, compiled = (lambda: step(forward)), "eager"
    if args.mode == "compile":
        if not hasattr(torch, "compile"):
            raise RuntimeError(f"torch {torch.__version__} has no torch.compile")
        if args.warmup < 1:
            raise ValueError("--mode compile needs --warmup >= 1 (it holds the compile time)")
        run_step = torch.compile(run_step, mode=args.compile_mode)
        compiled = "whole step (forward, loss, backward, LARS) in one torch.compile"
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    warm_times = []
    for i in range(args.warmup):
        t0 = time.perf_counter()
        try:
            loss = run_step()
        except Exception as e:  # noqa: BLE001
            if args.mode != "compile" or i > 0:
                raise
            notes.append(f"whole-step compile failed ({type(e).__name__}: {str(e)[:200]})")
            torch._dynamo.reset()
            for w in params.values():
                w.grad = None
            fwd = torch.compile(forward, mode=args.compile_mode)
            run_step, compiled = (lambda: step(fwd)), "forward+loss compiled, backward+LARS eager"
            loss = run_step()
        sync()
        warm_times.append(time.perf_counter() - t0)
    if args.mode == "compile":
        from torch._dynamo.utils import counters
        breaks = sum(counters["graph_break"].values())
        notes.append(f"{compiled}; {breaks} graph breaks (loss.backward() is one)")
        result.update(compiled=compiled, graph_breaks=breaks, compile_s=warm_times[0])
    if warm_times:
        notes.append(("compile + " if args.mode == "compile" else "") +
                     f"first warm-up step {warm_times[0]:.2f} s")

    sync()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        loss = run_step()
    sync()
    seconds = time.perf_counter() - t0
    loss = float(loss)
    if not math.isfinite(loss):
        raise FloatingPointError(f"the loss is {loss} after {args.steps} timed steps")

    result.update(seconds=seconds, views_per_s=views * args.steps / seconds,
                  ms_per_step=1e3 * seconds / args.steps,
                  tflops=flops_per_step * args.steps / seconds / 1e12, loss=loss, notes=notes)
    peak = ""
    if cuda:
        result["peak_gib"] = torch.cuda.max_memory_allocated(device) / 2 ** 30
        peak = f", peak {result['peak_gib']:.1f} GiB"
    print(f"pytorch {args.mode} {args.precision} {result['name']} batch {batch}: "
          f"{result['views_per_s']:.1f} views/s, {result['ms_per_step']:.1f} ms/step, "
          f"{result['tflops']:.2f} TFLOP/s{peak}")
    print(f"  {result['device_name']}, torch {torch.__version__}, {macs / 1e9:.4g} GMAC/view "
          f"forward, LARS {args.lars}" + "".join("; " + n for n in notes))
    return 0


def check(ref, params, forward, update, state, lr, hyper):
    """One eager f32 step: finite loss, every parameter moved, nosync LARS == reference."""
    before = {k: w.detach().clone() for k, w in params.items()}
    loss, new_state = forward()
    loss.backward()
    worst = 0.0
    with torch.no_grad():
        for w in params.values():
            a, b = (f(w, w.grad, torch.zeros_like(w), lr, *hyper, w.dim() == 1)
                    for f in (ref.lars, lars_nosync))
            worst = max([worst] + [(x - y).abs().max().item() for x, y in zip(a, b)])
    update()
    state.update(new_state)
    still = [k for k, w in params.items() if torch.equal(w.detach(), before[k])]
    ok = math.isfinite(loss.item()) and not still and worst <= 1e-6
    print(f"check {'passed' if ok else 'FAILED'}: loss {loss.item():.6f}, "
          f"{len(params) - len(still)}/{len(params)} parameters changed, "
          f"nosync vs reference LARS max difference {worst:.3g}"
          + (f"; unchanged: {', '.join(still[:5])}" if still else ""))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
