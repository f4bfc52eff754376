#!/usr/bin/env bash
# The data-parallel benchmark (docs/PERFORMANCE.md, "Data-parallel on 2 cores"): the
# Fashion-MNIST pretraining step on this machine's 2 cores as 1 process with 2 OpenMP
# threads and the whole batch, against 2 processes (mpirun) with 1 thread and half the
# batch each, in one run; then what the 2 processes communicate (bytes per gradient
# bucket) and how much of the gradient all-reduce the overlap hides, from the profiles
# with the overlap and with --blocking-collectives.
#
# Usage: test/bench/data_parallel.sh [BUILD_DIR] [STEPS] [GLOBAL_BATCH]
set -euo pipefail
build="${1:-build}"
steps="${2:-12}"
batch="${3:-256}"
description="$(dirname "$0")/../../examples/fashion_mnist/pretrain.yaml"
train="$build/bin/simclr-train"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi=(mpirun --oversubscribe --bind-to none -x OMP_NUM_THREADS=1 -np 2)
half=$((batch / 2))
data="${SIMCLR_DATA:-/usr/share/datasets/fashion-mnist}"

# ms per step (the profile's steps after the first) and the profile's rows for an op.
ms_per_step() { sed -n 's/^profile: \([0-9.]*\) ms per step.*/\1/p' "$1"; }
row_ms() { grep -F "  $2 (" "$1" | head -1 | awk '{print $1}'; }

run_one() { OMP_NUM_THREADS=2 "$train" "$description" --data="$data" --steps="$steps" \
  --batch-size="$batch" --profile "$@" > "$work/one.out"; }
run_two() { "${mpi[@]}" "$train" "$description" --data="$data" --steps="$steps" \
  --batch-size="$half" --profile "$@" > "$work/two.out"; }

printf '%-58s %10s %10s\n' "arm (global batch $batch, $steps steps)" "ms/step" "images/s"
for round in 1 2; do
  run_one
  run_two
  one=$(ms_per_step "$work/one.out")
  two=$(ms_per_step "$work/two.out")
  printf '%-58s %10.1f %10.1f\n' "round $round: 1 process x 2 threads, batch $batch" "$one" \
    "$(echo "$batch * 1000 / $one" | bc -l)"
  printf '%-58s %10.1f %10.1f\n' "round $round: 2 processes x 1 thread, batch $half each" "$two" \
    "$(echo "$batch * 1000 / $two" | bc -l)"
  printf '%-58s %10.3f\n' "round $round: speed of 2 processes / 1 process" "$(echo "$one / $two" | bc -l)"
done

echo
echo "Gradient buckets (simclr.all_reduce mean of the step for 2 replicas):"
for bytes in 26214400 262144; do
  "$build/bin/simclrc" "$description" --replicas=2 --batch-size="$half" --bucket-bytes="$bytes" \
      --emit=step > "$work/step.mlir"
  # Each bucket's element count: the product of its result's dimensions.
  sizes=$(grep 'simclr.all_reduce .*kind = "mean"' "$work/step.mlir" |
          sed 's/.*-> tensor<\([0-9x]*\)xf32>.*/\1/' |
          awk -F x '{ n = 1; for (i = 1; i <= NF; ++i) n *= $i; print n }')
  total=0; list=""
  for s in $sizes; do total=$((total + 4 * s)); list="$list $((4 * s))"; done
  echo "  --bucket-bytes=$bytes: $(echo "$sizes" | wc -w) buckets, $total bytes per step:$list"
done

echo
printf '%-58s %12s %12s %10s\n' "gradient all-reduce, 2 processes" "exposed ms" "blocking ms" "hidden"
for bytes in 26214400 262144; do
  run_two --bucket-bytes="$bytes"
  exposed=$(row_ms "$work/two.out" "simclr.all_reduce[mean]")
  run_two --bucket-bytes="$bytes" --blocking-collectives
  blocking=$(row_ms "$work/two.out" "simclr.all_reduce[mean]")
  printf '%-58s %12.2f %12.2f %9.0f%%\n' "--bucket-bytes=$bytes" "$exposed" "$blocking" \
    "$(echo "100 * (1 - $exposed / $blocking)" | bc -l)"
done
stats=$(row_ms "$work/two.out" "simclr.all_reduce[sum]")
echo "batch-norm statistics (all-reduced sums, on the critical path): $stats ms per step"
