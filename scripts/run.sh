#!/usr/bin/env bash
# The main job. Compile every example description to the simclr dialect
# (runs/<name>.mlir) and print a table of their sizes and costs; then build the three
# Fashion-MNIST stages as training executables and run them in a chain on Debian's
# Fashion-MNIST (pretrain -> fine-tune --init -> distill --teacher), SIMCLR_STEPS steps
# each (default 20). Label subsets, evaluation and the results table are the stages
# issue's.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SIMCLR_BUILD_DIR:-$root/build}"
out="${SIMCLR_RUN_DIR:-$root/runs}"

bash "$root/scripts/build.sh"
mkdir -p "$out"

stat() { grep "^$2: " <<<"$1" | cut -d' ' -f2; }
printf '%-16s %-12s %15s %18s %12s %10s\n' model stage parameters forward_MACs/image step_rows "act. GiB"
for description in "$root"/examples/imagenet/*.yaml "$root"/examples/fashion_mnist/*.yaml; do
  name="$(basename "$description" .yaml)"
  [ "$(basename "$(dirname "$description")")" = fashion_mnist ] && name="fmnist_$name"
  "$build/bin/simclrc" --emit=mlir "$description" -o "$out/$name.mlir"
  stats="$("$build/bin/simclrc" --stats "$description")"
  printf '%-16s %-12s %15s %18s %12s %10.1f\n' "$name" "$(stat "$stats" stage)" \
    "$(stat "$stats" parameters)" "$(stat "$stats" forward_macs_per_image)" \
    "$(stat "$stats" step_batch_rows)" \
    "$(awk -v b="$(stat "$stats" activation_bytes)" 'BEGIN { print b / 2^30 }')"
done
echo "simclr dialect for each example written to $out/"

steps="${SIMCLR_STEPS:-20}"
echo
echo "Fashion-MNIST, three stages, $steps steps each (training executables in $out/):"
for stage in pretrain finetune distill; do
  "$build/bin/simclrc" "$root/examples/fashion_mnist/$stage.yaml" --emit=executable -o "$out/fmnist_$stage"
done
run_stage() {
  local stage="$1"; shift
  "$out/fmnist_$stage" --steps="$steps" --log="$out/fmnist_$stage.jsonl" \
    --save="$out/fmnist_$stage.safetensors" "$@" > "$out/fmnist_$stage.log"
  tail -n 3 "$out/fmnist_$stage.log" | sed "s/^/  $stage: /"
}
run_stage pretrain
run_stage finetune --init="$out/fmnist_pretrain.safetensors"
run_stage distill --teacher="$out/fmnist_finetune.safetensors"
echo "logs, step-by-step metrics (.jsonl) and weights (.safetensors) in $out/"
