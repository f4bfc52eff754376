#!/usr/bin/env bash
# The main job. Compile every example description to the simclr dialect
# (runs/<name>.mlir) and print a table of their sizes and costs; then, on Debian's
# Fashion-MNIST, with the three stages built as training executables:
#   supervised baseline: fine-tuning from random weights on the labelled subset;
#   pretrain (all images, no labels) -> fine-tune (--init, the same labels, steps and
#   augmentations as the baseline) -> distill (--teacher, all images);
# each evaluated on the test set, then a results table and runs/summary.json.
# Budget (steps) from SIMCLR_PRETRAIN_STEPS, SIMCLR_FINETUNE_STEPS, SIMCLR_DISTILL_STEPS;
# labels from SIMCLR_LABEL_FRACTION (default 0.1).
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

pretrain_steps="${SIMCLR_PRETRAIN_STEPS:-100}"
finetune_steps="${SIMCLR_FINETUNE_STEPS:-150}"
distill_steps="${SIMCLR_DISTILL_STEPS:-100}"
fraction="${SIMCLR_LABEL_FRACTION:-0.1}"
echo
echo "Fashion-MNIST: ${fraction} of the labels; pretrain ${pretrain_steps}, fine-tune ${finetune_steps}, distill ${distill_steps} steps"
for stage in pretrain finetune distill; do
  "$build/bin/simclrc" "$root/examples/fashion_mnist/$stage.yaml" --emit=executable -o "$out/fmnist_$stage"
done
declare -A seconds
run_stage() { # name executable steps flags...
  local name="$1" exe="$2" steps="$3"; shift 3
  local begin end
  begin=$(date +%s.%N)
  "$out/fmnist_$exe" --steps="$steps" --log="$out/$name.jsonl" "$@" > "$out/$name.log"
  end=$(date +%s.%N)
  seconds[$name]=$(awk -v a="$begin" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  echo "  $name: ${seconds[$name]} s; $(grep -E '^(mean loss|test top-1)' "$out/$name.log" | tr '\n' ';')"
}
run_stage baseline finetune "$finetune_steps" --label-fraction="$fraction" --eval \
  --save="$out/baseline.safetensors"
run_stage pretrain pretrain "$pretrain_steps" --checkpoint="$out/pretrain.safetensors"
run_stage finetune finetune "$finetune_steps" --label-fraction="$fraction" --eval \
  --init="$out/pretrain.safetensors" --save="$out/finetune.safetensors"
run_stage distill distill "$distill_steps" --eval --teacher="$out/finetune.safetensors" \
  --save="$out/distill.safetensors"

top1() { grep -o '"test_top1": [0-9.]*' "$out/$1.jsonl" | tail -n 1 | cut -d' ' -f2; }
images_per_second=$(grep -o '[0-9.]* images/s' "$out/pretrain.log" | tail -n 1 | cut -d' ' -f1)
cat > "$out/summary.json" <<JSON
{
  "dataset": "fashion-mnist",
  "label_fraction": $fraction,
  "supervised_baseline_top1": $(top1 baseline),
  "pretrain_finetune_top1": $(top1 finetune),
  "distilled_top1": $(top1 distill),
  "pretrain_images_per_second": $images_per_second,
  "steps": {"pretrain": $pretrain_steps, "finetune": $finetune_steps, "distill": $distill_steps},
  "wall_seconds": {"baseline": ${seconds[baseline]}, "pretrain": ${seconds[pretrain]}, "finetune": ${seconds[finetune]}, "distill": ${seconds[distill]}}
}
JSON
echo
printf '%-34s %10s\n' "Fashion-MNIST, test top-1" "accuracy"
printf '%-34s %10s\n' "supervised baseline ($fraction labels)" "$(top1 baseline)"
printf '%-34s %10s\n' "pretrain + fine-tune" "$(top1 finetune)"
printf '%-34s %10s\n' "distilled (half-width student)" "$(top1 distill)"
echo "pretraining: $images_per_second images/s; summary, logs (.jsonl), curves (.svg) and weights in $out/"
