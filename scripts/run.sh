#!/usr/bin/env bash
# The main job. For now: compile every example description to the simclr dialect
# (runs/<name>.mlir) and print a table of their sizes and costs.
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
