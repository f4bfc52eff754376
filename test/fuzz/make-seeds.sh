#!/usr/bin/env bash
# Writes the seed corpora of the fuzz targets (test/fuzz/corpus/<target>/) from the
# project's own examples and tools: run once after a build, the result is committed.
# Usage: test/fuzz/make-seeds.sh [BUILD_DIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="$(cd "${1:-$root/build}" && pwd)/bin"
py=/usr/bin/python3
corpus="$here/corpus"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rm -rf "$corpus"
mkdir -p "$corpus"/{description,mlir,module,safetensors,idx,cifar,jpeg,imagefolder,labels}

# Pieces of one input are joined by a line "--" (FuzzSupport.h).
join() { # OUT FILE...
  local out="$1"; shift
  "$py" - "$out" "$@" <<'PY'
import sys
out, files = sys.argv[1], sys.argv[2:]
parts = []
for f in files:
    parts.append(f[1:].encode() if f.startswith("=") else open(f, "rb").read())
open(out, "wb").write(b"\n--\n".join(parts))
PY
}

# Descriptions: the examples and the tests' tiny networks.
for f in "$root"/examples/fashion_mnist/*.yaml "$root"/examples/imagenet/r50_1x_sk1.yaml \
         "$root"/test/Runtime/Inputs/tiny-*.yaml; do
  cp "$f" "$corpus/description/$(basename "$(dirname "$f")")-$(basename "$f")"
done

# The network of the safetensors target (SafetensorsTarget.cpp), as a distillation, a
# fine-tuning (its teacher) and a pretraining.
net="{blocks: [1], block: basic, base_width: 2, head: {layers: 1, output_dim: 4}}"
input="input: {channels: 1, height: 8, width: 8, batch_size: 2}"
printf 'name: fuzz\nstage: distill\n%s\nnetwork: %s\nteacher: %s\nclassifier: {num_classes: 8}\n' \
  "$input" "$net" "$net" > "$work/distill.yaml"
printf 'name: fuzz\nstage: finetune\n%s\nnetwork: %s\nclassifier: {num_classes: 8}\n' \
  "$input" "$net" > "$work/finetune.yaml"
printf 'name: fuzz\nstage: pretrain\n%s\nnetwork: %s\n' "$input" "$net" > "$work/pretrain.yaml"
cp "$work/distill.yaml" "$corpus/description/fuzz-distill.yaml"

# .mlir: hand-written steps, and the tiny networks as the frontend builds them.
cp "$root"/test/Runtime/Inputs/*.mlir "$corpus/mlir/"
for stage in pretrain finetune distill; do
  "$bin/simclrc" "$work/$stage.yaml" --emit=mlir -o "$corpus/mlir/fuzz-$stage.mlir"
done

# Modules.
for stage in pretrain distill; do
  "$bin/simclrc" "$work/$stage.yaml" --emit=module -o "$corpus/module/fuzz-$stage.sclm"
done

# Checkpoints: a run's (--resume, with its position), its weights (--save), a teacher's.
"$py" "$root/test/Runtime/make_idx.py" "$work/idx" 8 16 > /dev/null
(cd "$work" &&
 "$bin/simclr-train" finetune.yaml --data=idx --steps=2 --label-fraction=0.5 \
   --save=teacher.safetensors > /dev/null &&
 "$bin/simclr-train" distill.yaml --data=idx --steps=2 --teacher=teacher.safetensors \
   --save=weights.safetensors > /dev/null &&
 { SIMCLR_TERM_AFTER_STEP=1 "$bin/simclr-train" distill.yaml --data=idx --steps=3 \
     --teacher=teacher.safetensors --checkpoint=run.safetensors > /dev/null || [ $? -eq 143 ]; })
cp "$work"/{run,weights,teacher}.safetensors "$corpus/safetensors/"

# IDX: images and labels of both splits, gzip and plain, a few images of 4 x 4.
"$py" - "$work/idx" "$work/small" <<'PY'
import gzip, os, struct, sys
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
for split, n in (("train", 3), ("t10k", 2)):
    for kind, dims in (("images", (n, 4, 4)), ("labels", (n,))):
        data = bytes((7 * i + 3) % 256 for i in range(eval("*".join(map(str, dims)))))
        if kind == "labels":
            data = bytes(i % 8 for i in range(n))
        header = struct.pack(">4B%dI" % len(dims), 0, 0, 8, len(dims), *dims)
        open(os.path.join(out, f"{split}-{kind}"), "wb").write(header + data)
        open(os.path.join(out, f"{split}-{kind}.gz"), "wb").write(gzip.compress(header + data, mtime=0))
PY
s="$work/small"
join "$corpus/idx/plain" "$s/train-images" "$s/train-labels" "$s/t10k-images" "$s/t10k-labels"
join "$corpus/idx/gzip" "$s/train-images.gz" "$s/train-labels.gz" "$s/t10k-images.gz" "$s/t10k-labels.gz"
join "$corpus/idx/images-only" "$s/train-images"

# CIFAR-10: one record per batch, and the meta file; flat and nested.
"$py" - "$work/cifar" <<'PY'
import os, sys
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for b in range(6):
    open(os.path.join(out, f"b{b}"), "wb").write(bytes([b % 10]) + bytes((b + i) % 256 for i in range(3072)))
open(os.path.join(out, "meta"), "w").write("airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n")
PY
c="$work/cifar"
join "$corpus/cifar/flat" "$c/b0" "$c/b1" "$c/b2" "$c/b3" "$c/b4" "$c/b5" "$c/meta"
join "$corpus/cifar/nested" "=nested" "$c/b0" "$c/b1" "$c/b2" "$c/b3" "$c/b4" "$c/b5"

# JPEGs: gray and colour, baseline and progressive, subsampled and not.
"$py" - "$corpus/jpeg" <<'PY'
import io, os, sys
from PIL import Image
out = sys.argv[1]
def img(mode, w, h):
    im = Image.new(mode, (w, h))
    im.putdata([((x * 37 + y * 11) % 256 if mode == "L" else ((x * 37) % 256, (y * 53) % 256, (x * y * 7) % 256)) for y in range(h) for x in range(w)])
    return im
img("L", 8, 8).save(os.path.join(out, "gray.jpg"), quality=75)
img("RGB", 12, 9).save(os.path.join(out, "rgb.jpg"), quality=90, subsampling=0)
img("RGB", 16, 16).save(os.path.join(out, "rgb-420.jpg"), quality=50, subsampling=2)
img("RGB", 10, 6).save(os.path.join(out, "progressive.jpg"), progressive=True)
img("CMYK", 6, 6).save(os.path.join(out, "cmyk.jpg"))
PY

# ImageFolder trees: path and contents, two pieces at a time (ImageFolderTarget.cpp).
j="$corpus/jpeg"
join "$corpus/imagefolder/two-classes" =train/cat/a.jpg "$j/gray.jpg" =train/dog/b.jpg "$j/rgb.jpg" \
  =val/cat/c.jpg "$j/rgb-420.jpg" =train/dog/notes.txt "=not an image"
join "$corpus/imagefolder/nested-test" =train/a/x/1.jpg "$j/progressive.jpg" =train/b/2.JPEG \
  "$j/gray.jpg" =test/b/3.jpg "$j/cmyk.jpg" =train/.hidden/4.jpg "$j/gray.jpg"
join "$corpus/imagefolder/links" =train/a/1.jpg "$j/gray.jpg" =train/a/again "=<link>." \
  =train/b/sub "=<dir>" =train/b/sub/up "=<link>../../a" =val "=<link>train"

# Label files: numbers, names, comments; the set's names; its size.
printf '0\n# the first images\n1\n  5  \n\n' > "$work/l1"
join "$corpus/labels/numbers" "$work/l1" "=" "=10"
printf 'cat/a.jpg\nb.jpg\n' > "$work/l2"
printf 'cat/a.jpg\ndog/b.jpg\ndog/c.jpg' > "$work/n2"
join "$corpus/labels/names" "$work/l2" "$work/n2"
echo "seeds written to $corpus"
