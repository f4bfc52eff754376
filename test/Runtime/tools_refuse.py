#!/usr/bin/python3
"""The real tools on malformed files: every regression file of the fuzz targets, and every
seed cut in half and with a byte changed, each given to the tools that read its kind
(simclrc, simclr-opt, simclr-module-info, simclr-train, a compiled training executable).
Each run must end by itself within 60 s, under an 8 GiB address-space limit (an 8 GiB
allocation limit in a sanitized build), with an exit
status below 128 (0 where the damaged file happens to be valid); a failure must say
"error" and leave no output file behind. Prints one line per failure and exits 1 if any.

Usage: tools_refuse.py FUZZ_DIR WORK_DIR   (the tools on PATH)
"""
import os
import resource
import shutil
import subprocess
import sys

fuzz, work = sys.argv[1], sys.argv[2]
SEPARATOR = b"\n--\n"
os.makedirs(work, exist_ok=True)
failures = []
runs = 0
refused = 0


# ASan reserves terabytes of address space for its shadow memory, so a sanitized build
# (lit sets SIMCLR_SANITIZED) bounds each allocation through ASan instead.
SANITIZED = os.environ.get("SIMCLR_SANITIZED") == "1"
if SANITIZED:
    os.environ["ASAN_OPTIONS"] = ":".join(
        filter(None, [os.environ.get("ASAN_OPTIONS", ""),
                      "max_allocation_size_mb=8192", "allocator_may_return_null=1"]))


def limit():
    if not SANITIZED:
        resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))


def run(args, what, output=None, cwd=None):
    """Runs a tool; records a failure unless it ended well."""
    global runs, refused
    runs += 1
    if output and os.path.exists(output):
        os.remove(output)
    try:
        p = subprocess.run(args, capture_output=True, timeout=60, preexec_fn=limit, cwd=cwd)
    except subprocess.TimeoutExpired:
        failures.append(f"{what}: {' '.join(args)}: no exit within 60 s")
        return
    err = p.stderr.decode(errors="replace")
    refused += p.returncode != 0
    if p.returncode < 0 or p.returncode >= 128:
        failures.append(f"{what}: {' '.join(args)}: exit {p.returncode}\n{err[-2000:]}")
    elif p.returncode != 0 and "error" not in err:
        failures.append(f"{what}: {' '.join(args)}: exit {p.returncode} without an error message")
    elif p.returncode != 0 and output and os.path.exists(output):
        failures.append(f"{what}: {' '.join(args)}: failed, but left {output}")


def pieces(data):
    return data.split(SEPARATOR)


def inputs(kind):
    """(name, bytes): regression files, then each seed halved and with a byte changed."""
    out = []
    reg = os.path.join(fuzz, "regressions", kind)
    if os.path.isdir(reg):
        for name in sorted(os.listdir(reg)):
            out.append((f"{kind}/regressions/{name}", open(os.path.join(reg, name), "rb").read()))
    seeds = os.path.join(fuzz, "corpus", kind)
    for name in sorted(os.listdir(seeds)):
        data = open(os.path.join(seeds, name), "rb").read()
        out.append((f"{kind}/{name} (first half)", data[: len(data) // 2]))
        changed = bytearray(data)
        if changed:
            changed[len(changed) // 3] ^= 0x5A
        out.append((f"{kind}/{name} (a byte changed)", bytes(changed)))
    return out


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def fresh(name):
    path = os.path.join(work, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


# What the data and checkpoint runs need: the fuzz network (8x8 gray) compiled once as
# modules and as an executable, an IDX data set, a JPEG tree's valid images.
seed_yaml = open(os.path.join(fuzz, "corpus", "description", "fuzz-distill.yaml")).read()
finetune_yaml = seed_yaml.replace("stage: distill", "stage: finetune").split("teacher:")[0]
finetune_yaml += "classifier: {num_classes: 8}\n"
rgb_yaml = finetune_yaml.replace("channels: 1", "channels: 3")
for name, text in (("distill", seed_yaml), ("finetune", finetune_yaml), ("rgb", rgb_yaml)):
    write(os.path.join(work, f"{name}.yaml"), text.encode())
    subprocess.run(["simclrc", os.path.join(work, f"{name}.yaml"), "--emit=module",
                    "-o", os.path.join(work, f"{name}.sclm")], check=True)
executable = os.path.join(work, "finetune-exe")
subprocess.run(["simclrc", os.path.join(work, "finetune.yaml"), "--emit=executable",
                "-o", executable], check=True)
idx = os.path.join(work, "idx")
subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "make_idx.py"), idx,
                "8", "16"], check=True, capture_output=True)
train = ["--steps=1", "--loader-threads=0"]

for name, data in inputs("description"):
    path = os.path.join(fresh("description"), "in.yaml")
    write(path, data)
    out = os.path.join(work, "description", "out.mlir")
    run(["simclrc", path, "--emit=mlir", "-o", out], name, out)

for name, data in inputs("mlir"):
    path = os.path.join(fresh("mlir"), "in.mlir")
    write(path, data)
    run(["simclr-opt", path, "-o", os.path.join(work, "mlir", "opt.mlir")], name)
    out = os.path.join(work, "mlir", "out.sclm")
    run(["simclrc", path, "--emit=module", "-o", out], name, out)

for name, data in inputs("module"):
    path = os.path.join(fresh("module"), "in.sclm")
    write(path, data)
    run(["simclr-module-info", path], name)
    run(["simclr-train", path, f"--data={idx}"] + train, name)

for name, data in inputs("safetensors"):
    path = os.path.join(fresh("safetensors"), "in.safetensors")
    write(path, data)
    module = os.path.join(work, "distill.sclm")
    for flag in ("--resume", "--init", "--teacher"):
        run(["simclr-train", module, f"--data={idx}", "--steps=3", "--seed=1",
             f"{flag}={path}", "--loader-threads=0"], f"{name} as {flag}")

names = {"idx": ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"],
         "cifar": ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                   "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin",
                   "batches.meta.txt"]}
for kind in ("idx", "cifar"):
    for name, data in inputs(kind):
        d = fresh(kind)
        parts = pieces(data)
        where = d
        if kind == "cifar" and parts and parts[0] == b"nested":
            where, parts = os.path.join(d, "cifar-10-batches-bin"), parts[1:]
        for file, part in zip(names[kind], parts):
            gz = kind == "idx" and part[:2] == b"\x1f\x8b"
            write(os.path.join(where, file + (".gz" if gz else "")), part)
        if kind == "idx":
            run([executable, f"--data={d}", "--eval"] + train, name)
        else:
            run(["simclr-train", os.path.join(work, "rgb.sclm"), f"--data={d}", "--eval"] + train, name)

good = open(os.path.join(fuzz, "corpus", "jpeg", "rgb.jpg"), "rb").read()
for name, data in inputs("jpeg"):
    d = fresh("jpeg")
    write(os.path.join(d, "train", "a", "in.jpg"), data)
    write(os.path.join(d, "train", "b", "good.jpg"), good)
    write(os.path.join(d, "val", "a", "in.jpg"), data)
    run(["simclr-train", os.path.join(work, "rgb.sclm"), f"--data={d}", "--eval"] + train, name)


def inside(parts):
    return [p.replace(b"\0", b"_")[:64] for p in parts.split(b"/") if p not in (b"", b".", b"..")][:6]


for name, data in inputs("imagefolder"):
    d = fresh("imagefolder")
    items = pieces(data)
    for path, what in zip(items[0::2], items[1::2]):
        parts = inside(path)
        if not parts:
            continue
        target = os.path.join(d.encode(), *parts)
        try:
            if what == b"<dir>":
                os.makedirs(target, exist_ok=True)
            elif what.startswith(b"<link>"):
                link = what[6:]
                depth = len(parts) - 1
                for p in link.split(b"/"):
                    depth += -1 if p == b".." else (0 if p in (b"", b".") else 1)
                    if depth < 0:
                        break
                if depth >= 0 and link and not link.startswith(b"/") and b"\0" not in link:
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    os.symlink(link, target)
            elif not os.path.isdir(target):
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as f:
                    f.write(what)
        except OSError:
            pass  # a file where a folder would be, and the like: the tree as far as it goes
    run(["simclr-train", os.path.join(work, "rgb.sclm"), f"--data={d}", "--eval"] + train, name)

for name, data in inputs("labels"):
    path = os.path.join(fresh("labels"), "labels.txt")
    write(path, pieces(data)[0])
    run(["simclr-train", os.path.join(work, "finetune.sclm"), f"--data={idx}",
         f"--labels={path}"] + train, name)

for f in failures:
    print("FAIL", f)
print(f"{runs} tool runs on malformed files ({refused} refused, the rest valid after all), "
      f"{len(failures)} failures")
sys.exit(1 if failures else 0)
