#!/usr/bin/env bash
# The main job. Compile every example description to the simclr dialect
# (runs/<name>.mlir) and print a table of their sizes and costs; then, on Debian's
# Fashion-MNIST, with the three stages built as training executables:
#   supervised baseline: fine-tuning from random weights on the labelled subset;
#   pretrain (all images, no labels; kNN monitor of its features) -> fine-tune (--init,
#   the same labels, steps and augmentations as the baseline) -> distill (--teacher, all
#   images); and linear evaluation of the pretrained backbone (all labels);
# each evaluated on the test set, then a results table and runs/summary.json. No stage
# trains on the validation split (SIMCLR_VALIDATION labelled training images, default
# 1,000: --validation), and every labelled stage reports its top-1 there, the figure on
# which the fine-tuning rate and steps are chosen (docs/RESULTS.md): each labelled stage
# measures it every SIMCLR_SELECT_EVERY steps (default 50) and ends with its best step's
# weights (--select-every; SIMCLR_SELECT_PATIENCE=P stops a stage after P evaluations
# without a better one), the same rule for the baseline and the pipeline.
# Budget (steps) from SIMCLR_PRETRAIN_STEPS, SIMCLR_FINETUNE_STEPS, SIMCLR_DISTILL_STEPS;
# labels from SIMCLR_LABEL_FRACTION (default 0.01, as the paper's 1% setting); the seed
# from SIMCLR_SEED (default 1). SIMCLR_SEEDS="1 2 3" runs the whole job once per seed (each
# in OUT/seed-S/, with its own pretraining, labelled subset and table), then writes
# OUT/summary.json and the figure from their means (scripts/seeds_summary.py) and prints
# every seed's figures, the means, the gains and the verdict on the mean.
# SIMCLR_DISTILL_LABELS=1 distils with the labels too
# (examples/fashion_mnist/distill_labels.yaml: the student's cross entropy on the
# fine-tuning's labelled images added to the distillation loss, as the paper does with 10%
# of the labels). The figure runs/label_efficiency.svg (scripts/label_figure.py) puts test
# top-1 against the number of labelled images: the baseline, fine-tuning and distillation
# are run again at each of SIMCLR_FIGURE_FRACTIONS (default 0.1; empty: none) from the
# same pretraining, with the same budgets and rule. SIMCLR_REPLICAS=N trains every stage
# data-parallel on N processes (mpirun, one OpenMP thread each), each with 1/N of the
# descriptions' batch: the same global batch (docs/DISTRIBUTED.md). SIMCLR_SKIP_BUILD=1
# uses the build as it is.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SIMCLR_BUILD_DIR:-$root/build}"
out="${SIMCLR_RUN_DIR:-$root/runs}"
seeds="${SIMCLR_SEEDS:-${SIMCLR_SEED:-1}}"
read -ra seed_list <<<"$seeds"
for s in "${seed_list[@]}"; do
  if ! [[ "$s" =~ ^[0-9]+$ ]]; then
    echo "error: SIMCLR_SEEDS: '$s' is not a seed (a non-negative integer)" >&2
    exit 1
  fi
done
if [ "${#seed_list[@]}" -eq 0 ]; then
  echo "error: SIMCLR_SEEDS is empty" >&2
  exit 1
fi
if [ "$(printf '%s\n' "${seed_list[@]}" | sort -u | wc -l)" -ne "${#seed_list[@]}" ]; then
  echo "error: SIMCLR_SEEDS names a seed twice: $seeds" >&2
  exit 1
fi

[ "${SIMCLR_SKIP_BUILD:-0}" = 1 ] || bash "$root/scripts/build.sh"
mkdir -p "$out"

stat() { grep "^$2: " <<<"$1" | cut -d' ' -f2; }
printf '%-18s %-12s %15s %18s %12s %10s\n' model stage parameters forward_MACs/image step_rows "act. GiB"
for description in "$root"/examples/imagenet/*.yaml "$root"/examples/fashion_mnist/*.yaml; do
  name="$(basename "$description" .yaml)"
  [ "$(basename "$(dirname "$description")")" = fashion_mnist ] && name="fmnist_$name"
  "$build/bin/simclrc" --emit=mlir "$description" -o "$out/$name.mlir"
  stats="$("$build/bin/simclrc" --stats "$description")"
  printf '%-18s %-12s %15s %18s %12s %10.1f\n' "$name" "$(stat "$stats" stage)" \
    "$(stat "$stats" parameters)" "$(stat "$stats" forward_macs_per_image)" \
    "$(stat "$stats" step_batch_rows)" \
    "$(awk -v b="$(stat "$stats" activation_bytes)" 'BEGIN { print b / 2^30 }')"
done
echo "simclr dialect for each example written to $out/"

pretrain_steps="${SIMCLR_PRETRAIN_STEPS:-400}"
finetune_steps="${SIMCLR_FINETUNE_STEPS:-300}"
distill_steps="${SIMCLR_DISTILL_STEPS:-200}"
linear_steps="${SIMCLR_LINEAR_EVAL_STEPS:-300}"
fraction="${SIMCLR_LABEL_FRACTION:-0.01}"
replicas="${SIMCLR_REPLICAS:-1}"
validation="${SIMCLR_VALIDATION:-1000}"
distill_labels="${SIMCLR_DISTILL_LABELS:-0}"
select_every="${SIMCLR_SELECT_EVERY:-50}"
select_patience="${SIMCLR_SELECT_PATIENCE:-0}"
select=(--select-every="$select_every" --select-patience="$select_patience")
figure_fractions="${SIMCLR_FIGURE_FRACTIONS-0.1}"
distill_description=distill
[ "$distill_labels" = 1 ] && distill_description=distill_labels
echo
echo "Fashion-MNIST: ${fraction} of the labels; pretrain ${pretrain_steps}, fine-tune ${finetune_steps}, distill ${distill_steps}$([ "$distill_labels" = 1 ] && echo " (with the labels)"), linear evaluation ${linear_steps} steps at most, each labelled stage's step chosen on the validation split (every ${select_every}$([ "$select_patience" -gt 0 ] && echo ", patience ${select_patience}")); seed$([ "${#seed_list[@]}" -gt 1 ] && echo s) ${seed_list[*]}; ${replicas} replica(s); ${validation} training images held out for validation"
launch=()
if [ "$replicas" -gt 1 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  launch=(mpirun -np "$replicas" --oversubscribe --bind-to none -x OMP_NUM_THREADS=1)
fi
for stage in pretrain finetune "$distill_description" linear_eval; do
  description="$root/examples/fashion_mnist/$stage.yaml"
  batch=$(sed -n 's/^ *batch_size: *\([0-9]*\).*/\1/p' "$description" | head -n 1)
  if [ $((batch % replicas)) -ne 0 ]; then
    echo "error: SIMCLR_REPLICAS=$replicas does not divide $stage's batch of $batch" >&2
    exit 1
  fi
  "$build/bin/simclrc" "$description" --replicas="$replicas" --batch-size=$((batch / replicas)) \
    --emit=executable -o "$out/fmnist_$stage"
done
# One seed's job writes into $dir (the seed's directory; $out itself for one seed) and
# times its stages in `seconds`; the executables are shared, in $out.
run_stage() { # name executable steps flags...
  local name="$1" exe="$2" steps="$3"; shift 3
  local begin end
  begin=$(date +%s.%N)
  "${launch[@]}" "$out/fmnist_$exe" --steps="$steps" --seed="$seed" --log="$dir/$name.jsonl" \
    --validation="$validation" "$@" > "$dir/$name.log"
  end=$(date +%s.%N)
  seconds[$name]=$(awk -v a="$begin" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  echo "  $name: ${seconds[$name]} s; $(grep -E '^(mean loss|test top-1|kNN)' "$dir/$name.log" | tr '\n' ';')"
}
# The three arms at one label fraction (the main one without a suffix, each of the figure's
# others with "_FRACTION"): the supervised baseline, fine-tuning the pretrained weights on
# the same labels, and distilling that into the student; the same budgets and rule for each.
arms() { # suffix fraction
  local suffix="$1" f="$2" labels=()
  [ "$distill_labels" = 1 ] && labels=(--label-fraction="$f")
  run_stage "baseline$suffix" finetune "$finetune_steps" --label-fraction="$f" --eval \
    --save="$dir/baseline$suffix.safetensors" "${select[@]}"
  run_stage "finetune$suffix" finetune "$finetune_steps" --label-fraction="$f" --eval \
    --init="$dir/pretrain.safetensors" --save="$dir/finetune$suffix.safetensors" "${select[@]}"
  run_stage "distill$suffix" "$distill_description" "$distill_steps" --eval \
    --teacher="$dir/finetune$suffix.safetensors" --save="$dir/distill$suffix.safetensors" \
    "${labels[@]}" "${select[@]}"
}
one_seed() { # seed directory: the whole job for one seed
  local seed="$1" dir="$2"
  local -A seconds
  mkdir -p "$dir"
  [ "${#seed_list[@]}" -gt 1 ] && echo && echo "seed $seed (in $dir/):"
  run_stage pretrain pretrain "$pretrain_steps" --checkpoint="$dir/pretrain.safetensors" \
    --checkpoint-every=100 --knn --knn-every=$(( (pretrain_steps + 1) / 2 ))
  arms "" "$fraction"
  run_stage linear_eval linear_eval "$linear_steps" --eval --init="$dir/pretrain.safetensors" \
    --save="$dir/linear_eval.safetensors" "${select[@]}"
  extra_fractions=()
  for f in $figure_fractions; do
    [ "$f" = "$fraction" ] && continue
    extra_fractions+=("$f")
    arms "_$f" "$f"
  done

  top1() { grep -o '"test_top1": [0-9.]*' "$dir/$1.jsonl" | tail -n 1 | cut -d' ' -f2; }
  top5() { grep -o '"test_top5": [0-9.]*' "$dir/$1.jsonl" | tail -n 1 | cut -d' ' -f2; }
  val1() { grep -o '"validation_top1": [0-9.]*' "$dir/$1.jsonl" | tail -n 1 | cut -d' ' -f2; }
  chosen() { grep -o '"selected_step": [0-9]*' "$dir/$1.jsonl" | tail -n 1 | cut -d' ' -f2; }
  labelled() { grep -o 'training on [0-9]* labelled images' "$dir/$1.log" | head -n 1 | cut -d' ' -f3; }
  point() { # fraction baseline finetune distill
    printf '{"label_fraction": %s, "labelled_images": %s, "baseline_top1": %s, "pretrain_finetune_top1": %s, "distilled_top1": %s, "baseline_step": %s, "pretrain_finetune_step": %s}' \
      "$1" "$(labelled "$2")" "$(top1 "$2")" "$(top1 "$3")" "$(top1 "$4")" "$(chosen "$2")" "$(chosen "$3")"
  }
  points="$(point "$fraction" baseline finetune distill)"
  for f in "${extra_fractions[@]}"; do
    points+=", $(point "$f" "baseline_$f" "finetune_$f" "distill_$f")"
  done
  knn=$(grep -v '"step"' "$dir/pretrain.jsonl" | grep -o '"knn_top1": [0-9.]*' | tail -n 1 | cut -d' ' -f2)
  knn_validation=$(grep -v '"step"' "$dir/pretrain.jsonl" | grep -o '"knn_validation_top1": [0-9.]*' | tail -n 1 | cut -d' ' -f2)
  images_per_second=$(grep -o '[0-9.]* images/s' "$dir/pretrain.log" | tail -n 1 | cut -d' ' -f1)
  cat > "$dir/summary.json" <<JSON
{
  "dataset": "fashion-mnist",
  "label_fraction": $fraction,
  "seed": $seed,
  "seeds": [$seed],
  "replicas": $replicas,
  "validation_images": $validation,
  "distill_with_labels": $([ "$distill_labels" = 1 ] && echo true || echo false),
  "supervised_baseline_top1": $(top1 baseline),
  "pretrain_finetune_top1": $(top1 finetune),
  "distilled_top1": $(top1 distill),
  "linear_eval_top1": $(top1 linear_eval),
  "pretrain_knn_top1": $knn,
  "pretrain_knn_validation_top1": ${knn_validation:-null},
  "supervised_baseline_steps": $(chosen baseline),
  "selected_steps": {"baseline": $(chosen baseline), "finetune": $(chosen finetune), "distill": $(chosen distill), "linear_eval": $(chosen linear_eval)},
  "select_every": $select_every,
  "validation_top1": {"baseline": $(val1 baseline), "finetune": $(val1 finetune), "distill": $(val1 distill), "linear_eval": $(val1 linear_eval)},
  "label_efficiency": [$points],
  "pretrain_images_per_second": $images_per_second,
  "steps": {"pretrain": $pretrain_steps, "finetune": $finetune_steps, "distill": $distill_steps, "linear_eval": $linear_steps},
  "wall_seconds": {$(for k in "${!seconds[@]}"; do printf '"%s": %s, ' "$k" "${seconds[$k]}"; done | sed 's/, $//')}
}
JSON
  /usr/bin/python3 "$root/scripts/label_figure.py" "$dir/summary.json" "$dir/label_efficiency.svg"
  echo
  printf '%-44s %8s %8s %11s %6s %9s\n' "Fashion-MNIST, test set" top-1 top-5 "val. top-1" step "wall s"
  row() { printf '%-44s %8.4f %8.4f %11.4f %6s %9s\n' "$1" "$(top1 "$2")" "$(top5 "$2")" "$(val1 "$2")" "$(chosen "$2")" "${seconds[$2]}"; }
  row "supervised baseline ($fraction of the labels)" baseline
  printf '%-44s %8.4f %8s %11s %6s %9s\n' "pretrain $pretrain_steps steps (kNN top-1)" "$knn" - \
    "$([ -n "$knn_validation" ] && printf '%.4f' "$knn_validation" || echo -)" "$pretrain_steps" \
    "${seconds[pretrain]}"
  row "pretrain + fine-tune (the same labels)" finetune
  row "distilled (half-width student$([ "$distill_labels" = 1 ] && echo ", + labels"))" distill
  row "linear evaluation (all labels but validation)" linear_eval
  for f in "${extra_fractions[@]}"; do
    row "supervised baseline ($f of the labels)" "baseline_$f"
    row "pretrain + fine-tune ($f)" "finetune_$f"
    row "distilled ($f)" "distill_$f"
  done
  awk -v a="$(top1 finetune)" -v b="$(top1 baseline)" -v s="$finetune_steps" \
      -v sa="$(chosen finetune)" -v sb="$(chosen baseline)" 'BEGIN {
    how = sprintf("the same rate and labels; each at its best step on the validation split, of %d: %d and %d", s, sa, sb)
    if (a > b) printf "pretrain + fine-tune beats the supervised baseline by %.2f points of top-1 (%s)\n", 100 * (a - b), how
    else printf "pretrain + fine-tune does NOT beat the supervised baseline (%+.2f points of top-1; %s)\n", 100 * (a - b), how
    if (sb == s) print "(the baseline was still improving at its last step: not converged; raise SIMCLR_FINETUNE_STEPS)" }'
  echo "pretraining: $images_per_second images/s; summary, logs (.jsonl), curves (.svg) and weights in $dir/"
}

seed_summaries=()
rm -f "$out/summary.json" "$out/label_efficiency.svg" # never a stale result beside a new run
for seed in "${seed_list[@]}"; do
  if [ "${#seed_list[@]}" -eq 1 ]; then
    one_seed "$seed" "$out"
  else
    one_seed "$seed" "$out/seed-$seed"
    seed_summaries+=("$out/seed-$seed/summary.json")
  fi
done
if [ "${#seed_list[@]}" -gt 1 ]; then
  echo
  echo "over the seeds ${seed_list[*]} (summary: $out/summary.json):"
  /usr/bin/python3 "$root/scripts/seeds_summary.py" "$out" "${seed_summaries[@]}"
  /usr/bin/python3 "$root/scripts/label_figure.py" "$out/summary.json" "$out/label_efficiency.svg"
fi
