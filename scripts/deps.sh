#!/usr/bin/env bash
# Installs the Debian packages that the build and the tests need. Idempotent: when every
# package is already installed it prints nothing and touches nothing.
set -euo pipefail

packages=(
  cmake ninja-build g++ ccache python3
  llvm-22-dev llvm-22-tools mlir-22-tools libmlir-22-dev   # MLIR/LLVM 22, lit, FileCheck
  libgtest-dev libbenchmark-dev                              # GoogleTest, Google Benchmark
  flatbuffers-compiler libflatbuffers-dev                    # module format
  libdnnl-dev                                                # oneDNN: CPU convolutions, GEMMs
  libopenmpi-dev openmpi-bin                                 # MPI: data-parallel ranks
  zlib1g-dev dataset-fashion-mnist                           # IDX files, the default data
  libjpeg62-turbo-dev                                        # ImageFolder JPEGs (libjpeg-turbo)
  python3-torch python3-torchvision python3-pil              # references for tests
)

# --fuzz: what scripts/fuzz.sh adds (clang with libFuzzer and the sanitizers' runtimes).
if [ "${1:-}" = "--fuzz" ]; then
  packages+=(clang-22 libclang-rt-22-dev)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "Installing Debian packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null
