#!/usr/bin/env bash
# The test command: installs, builds, and runs every test (lit + FileCheck, GoogleTest,
# generated-doc check) under ctest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SIMCLR_BUILD_DIR:-$root/build}"

bash "$root/scripts/build.sh"
cd "$build"
ctest --output-on-failure -j"$(nproc)"
