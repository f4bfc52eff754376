#!/usr/bin/env bash
# Fuzzes the readers (docs/RELIABILITY.md): builds the fuzz targets of test/fuzz with
# Debian's clang-22, libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer into
# build-fuzz/ (or $SIMCLR_FUZZ_BUILD_DIR), then runs each for SECONDS.
#
# Usage: scripts/fuzz.sh [TARGET|all] [SECONDS] [-- LIBFUZZER_FLAGS...]
#   TARGET: description mlir module safetensors idx cifar jpeg imagefolder labels (all)
#   SECONDS: per target (default 60)
#
# Each target starts from its seed corpus and regression files and keeps what it finds
# in build-fuzz/corpus/TARGET, so later runs go on from there. A crash, a sanitizer
# report, a timeout (10 s for one input) or an allocation over 2 GiB is a finding: its
# input is saved in build-fuzz/findings/, the command to replay it is printed, and the
# script exits 1 once every target has run. A finding, once fixed, belongs in
# test/fuzz/regressions/TARGET/, which ctest replays. libFuzzer's timeout is wall time: a
# niced run beside a busy machine can be starved past 10 s on an input that takes
# milliseconds, so such runs pass a longer one after `--` (`-timeout=120`; later flags win).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SIMCLR_FUZZ_BUILD_DIR:-$root/build-fuzz}"
all=(description mlir module safetensors idx cifar jpeg imagefolder labels)
which="${1:-all}"
seconds="${2:-60}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: SECONDS must be a whole number above 0, not '$seconds'" >&2
  exit 2
fi
shift $(( $# > 2 ? 2 : $# ))
[ "${1:-}" = "--" ] && shift
extra=("$@")
if [ "$which" = all ]; then
  targets=("${all[@]}")
elif [[ " ${all[*]} " == *" $which "* ]]; then
  targets=("$which")
else
  echo "fuzz.sh: unknown target '$which' (one of: ${all[*]}, all)" >&2
  exit 2
fi

bash "$root/scripts/deps.sh" --fuzz
if [ ! -f "$build/build.ninja" ]; then
  CC=clang-22 CXX=clang++-22 cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIMCLR_FUZZ=ON >/dev/null
fi
# Only the targets asked for: the mlir, description and safetensors ones need MLIR.
cmake --build "$build" --target "${targets[@]/#/simclr-fuzz-}" -- -j"$(nproc)"

# The targets write their inputs to files (the readers take paths): in memory when it can.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
  export TMPDIR=/dev/shm
fi
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
mkdir -p "$build/findings" "$build/logs"
failed=()
printf '%-12s %12s %9s %7s %7s %8s  %s\n' target executions exec/s cov ft corpus result
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  mkdir -p "$corpus"
  inputs=("$root/test/fuzz/corpus/$t")
  [ -d "$root/test/fuzz/regressions/$t" ] && inputs+=("$root/test/fuzz/regressions/$t")
  dict=()
  [ -f "$root/test/fuzz/dict/$t.dict" ] && dict=("-dict=$root/test/fuzz/dict/$t.dict")
  log="$build/logs/$t.log"
  rm -f "$build"/findings/"$t"-*
  result=ok
  # -close_fd_mask=1: the readers' progress lines on stdout are not wanted here.
  if ! "$build/bin/simclr-fuzz-$t" "$corpus" "${inputs[@]}" "${dict[@]}" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
      -close_fd_mask=1 -print_final_stats=1 -artifact_prefix="$build/findings/$t-" \
      "${extra[@]}" > "$log" 2>&1; then
    result="FINDING (log: $log)"
    failed+=("$t")
  fi
  libfuzzer_stat() { grep -o "^stat::$1: *[0-9]*" "$log" | grep -o '[0-9]*$' | tail -1; }
  last="$(grep -E '^#[0-9]+' "$log" | tail -1)"
  cov="$(echo "$last" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*' || true)"
  ft="$(echo "$last" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*' || true)"
  printf '%-12s %12s %9s %7s %7s %8s  %s\n' "$t" "$(libfuzzer_stat number_of_executed_units)" \
    "$(libfuzzer_stat average_exec_per_sec)" "${cov:--}" "${ft:--}" "$(ls "$corpus" | wc -l)" "$result"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo
  for t in "${failed[@]}"; do
    echo "== $t"
    # The report: from its first line, as much as says what and where.
    awk '/ERROR|runtime error:|deadly signal|==[0-9]+==/ && !seen { seen = 1 } seen' \
      "$build/logs/$t.log" | head -40
    for f in "$build"/findings/"$t"-*; do
      [ -e "$f" ] || continue
      echo "replay: $build/bin/simclr-fuzz-$t $f"
      # CI keeps only the log: the input itself goes there too, to rebuild it with
      # `base64 -d > FILE`.
      if [ "$(stat -c %s "$f")" -le 16384 ]; then
        echo "input ($(stat -c %s "$f") bytes, base64):"
        base64 -w 76 "$f"
      fi
    done
  done
  exit 1
fi
