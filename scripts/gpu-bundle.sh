#!/usr/bin/env bash
# Builds the GPU bundle: one folder (gpu-bundle/, or $1) with everything a GPU run needs on
# a machine that has an NVIDIA GPU, its driver and the CUDA libraries but no MLIR, LLVM or
# oneDNN (docs/GPU.md): the runtime and the CUDA device, the GPU tests, the kernel cases,
# library cases and whole steps simclr-gpu-cases writes (with the CPU's results), the
# CUDA executables of the Fashion-MNIST stages, a Fashion-MNIST subset, the benchmark's
# modules (simclr-step-bench against bench_pytorch.py) and the scripts.
# Then: gpu-bundle/run.sh DIR on the GPU machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SIMCLR_BUILD_DIR:-$root/build}"
bundle="${1:-$root/gpu-bundle}"
limit_mib=60

if [ "${SIMCLR_BUNDLE_NO_BUILD:-}" != 1 ]; then
  bash "$root/scripts/build.sh"
fi
for need in "$build/lib/libsimclr_cuda.so" "$build/bin/simclr-gpu-tests" "$build/bin/simclr-gpu-cases" \
            "$build/bin/simclr-step-bench"; do
  if [ ! -e "$need" ]; then
    echo "gpu-bundle: error: $need was not built (the CUDA toolkit or cuDNN is missing)" >&2
    exit 1
  fi
done

partial="$bundle.partial"
rm -rf "$partial"
mkdir -p "$partial/lib" "$partial/bin" "$partial/scripts" "$partial/data"

# The runtime, the CUDA device, and the libraries of this machine they need that a GPU
# machine may lack (Debian's libjpeg).
cp "$build/lib/libsimclr_runtime.so" "$build/lib/libsimclr_cuda.so" "$partial/lib/"
jpeg="$(ldd "$build/lib/libsimclr_runtime.so" | awk '/libjpeg/ { print $3 }')"
cp -L "$jpeg" "$partial/lib/"
cp "$build/bin/simclr-gpu-tests" "$partial/bin/"

# Cases, whole steps with the CPU's results, and the stages' CUDA executables
# ($SIMCLR_BUNDLE_STEPS, NAME:DESCRIPTION,...: other steps, as the lit test's tiny ones).
examples="$root/examples/fashion_mnist"
steps="${SIMCLR_BUNDLE_STEPS:-pretrain:$examples/pretrain.yaml,finetune:$examples/finetune.yaml,distill:$examples/distill.yaml,linear_eval:$examples/linear_eval.yaml}"
"$build/bin/simclr-gpu-cases" --out="$partial" --steps="$steps"

# The float64 reference evaluator's step on the same arguments and initial variables: where
# the GPU and the CPU differ by more than the tolerance, it says which one is off (the
# Fashion-MNIST pretraining step: about 4 minutes; the steps run side by side).
pids=()
IFS=',' read -ra specs <<< "$steps"
for spec in "${specs[@]}"; do
  name="${spec%%:*}" description="${spec#*:}"
  (
    "$build/bin/simclrc" "$description" | "$build/bin/simclr-opt" --simclr-training-step \
      > "$partial/steps/$name.f64-step.mlir" &&
    "$build/bin/simclr-run" "$partial/steps/$name.f64-step.mlir" --function=train_step \
      --init-seed=1 --inputs="$partial/steps/$name.inputs.safetensors" \
      --outputs="$partial/steps/$name.f64-results.safetensors" \
      --variables-out="$partial/steps/$name.f64-variables.safetensors" &&
    rm "$partial/steps/$name.f64-step.mlir" &&
    /usr/bin/python3 -c "import sys; sys.path.insert(0, sys.argv[1]); import safetensors_io as s; \
[s.write(p, {k: v.float() if v.is_floating_point() else v for k, v in s.read(p).items()}) \
 for p in sys.argv[2:]]" "$root/test/lib" "$partial/steps/$name.f64-results.safetensors" \
      "$partial/steps/$name.f64-variables.safetensors" &&
    echo "steps/$name: the float64 reference's step (stored in float32: it arbitrates at 1e-4)"
  ) &
  pids+=($!)
done
for pid in "${pids[@]}"; do
  wait "$pid" || { echo "gpu-bundle: error: a float64 reference step failed" >&2; exit 1; }
done

/usr/bin/python3 "$root/scripts/gpu/fmnist_subset.py" /usr/share/datasets/fashion-mnist \
  "$partial/data/fashion-mnist" 12000 2000
cp "$root/scripts/gpu/run.sh" "$partial/run.sh"
cp "$root/scripts/gpu/check_steps.py" "$partial/scripts/"

# The benchmark (docs/GPU.md): ResNet-50 1x at 256 images and the Fashion-MNIST step, in
# f32 and bf16 (and bf16 in NCHW), as CUDA modules for simclr-step-bench, and what PyTorch's side needs (the
# description, its declarations, the reference network).
mkdir -p "$partial/bench"
cp "$build/bin/simclr-step-bench" "$partial/bin/"
cp "$root/scripts/gpu/bench_pytorch.py" "$root/scripts/gpu/bench_table.py" \
  "$root/test/lib/simclr_reference.py" "$partial/scripts/"
for spec in "r50:$root/examples/imagenet/r50_1x_sk0.yaml:256" \
            "fmnist:$root/examples/fashion_mnist/pretrain.yaml:256"; do
  IFS=: read -r name description batch <<< "$spec"
  cp "$description" "$partial/bench/$name.yaml"
  "$build/bin/simclrc" "$description" --batch-size="$batch" --emit=mlir \
    > "$partial/bench/$name.mlir"
  echo "$batch" > "$partial/bench/$name.batch"
  for precision in f32 bf16; do
    "$build/bin/simclrc" "$description" --batch-size="$batch" --precision="$precision" \
      --target=cuda --emit=module -o "$partial/bench/$name.$precision.sclm"
  done
  # bf16 is compiled channels last (the compiler's choice for CUDA); the same step in NCHW
  # measures what that choice buys.
  "$build/bin/simclrc" "$description" --batch-size="$batch" --precision=bf16 --layout=nchw \
    --target=cuda --emit=module -o "$partial/bench/$name.bf16-nchw.sclm"
  echo "bench/$name: f32, bf16 (NHWC) and bf16 NCHW modules at $batch images"
done

# Nothing in it may need LLVM, MLIR, oneDNN or MPI; everything it needs is in it or
# NVIDIA's.
status=0
while IFS= read -r file; do
  if readelf -d "$file" 2>/dev/null | grep -E "NEEDED.*lib(LLVM|MLIR|dnnl|mpi)" ; then
    echo "gpu-bundle: error: $file needs LLVM, MLIR, oneDNN or MPI" >&2
    status=1
  fi
done < <(find "$partial/bin" "$partial/lib" -type f)
[ $status -eq 0 ] || exit 1

mib=$(( $(du -sb "$partial" | cut -f1) / 1048576 ))
if [ "$mib" -ge "$limit_mib" ]; then
  echo "gpu-bundle: error: $mib MiB, over the $limit_mib MiB limit" >&2
  exit 1
fi
{
  echo "commit $(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "built $(date -u '+%Y-%m-%d %H:%M UTC') on $(uname -n)"
  echo "nvcc $(/usr/local/cuda/bin/nvcc --version 2>/dev/null | grep -o 'release [0-9.]*' || echo unknown)"
  echo "size $mib MiB"
} > "$partial/MANIFEST.txt"
rm -rf "$bundle"
mv "$partial" "$bundle"
echo "gpu-bundle: $bundle ($mib MiB); run it with: $bundle/run.sh DIR"
