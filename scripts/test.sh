#!/usr/bin/env bash
# The test command: installs, builds, and runs every test (lit + FileCheck, GoogleTest,
# generated-doc check, the fuzz targets' replay of their seeds and regression files)
# under ctest; then fuzzes every reader for SIMCLR_FUZZ_SECONDS each (default 20; 0
# skips it) with scripts/fuzz.sh, which builds its own clang + sanitizer tree.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SIMCLR_BUILD_DIR:-$root/build}"
fuzz_seconds="${SIMCLR_FUZZ_SECONDS:-20}"

bash "$root/scripts/build.sh"
(cd "$build" && ctest --output-on-failure -j"$(nproc)")
if [ "$fuzz_seconds" != 0 ]; then
  bash "$root/scripts/fuzz.sh" all "$fuzz_seconds"
fi
