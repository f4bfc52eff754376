#!/usr/bin/env bash
# Runs the whole ctest suite under AddressSanitizer and UndefinedBehaviorSanitizer
# (docs/RELIABILITY.md): builds everything with -DSIMCLR_SANITIZE=ON into build-asan/ (or
# $SIMCLR_ASAN_BUILD_DIR), then runs ctest there; extra arguments go to ctest (-R lit).
# Any sanitizer report ends the process that made it, so it fails its test.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SIMCLR_ASAN_BUILD_DIR:-$root/build-asan}"

bash "$root/scripts/deps.sh"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSIMCLR_SANITIZE=ON >/dev/null
fi
cmake --build "$build" -- -j"$(nproc)"
# Leaks are not checked: MPI and the MLIR registries keep what they allocate until exit.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
cd "$build"
ctest --output-on-failure -j"$(nproc)" "$@"
