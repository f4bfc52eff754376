//===- CudaExecutable.h - main() of a CUDA training executable --*- C++ -*-===//
//
// What the `main` simclrc generates for `--emit=executable --target=cuda` calls: the
// module file (with its kernels' fatbin) is linked into the executable, everything else
// is the runtime. Kept free of other headers, as runtime/cpu/CpuExecutable.h.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CUDA_CUDAEXECUTABLE_H
#define SIMCLR_RUNTIME_CUDA_CUDAEXECUTABLE_H

#include <cstddef>
#include <cstdint>

namespace mlir::simclr::cuda {

/// Verifies the embedded module (`size` bytes at `module`), parses the training flags and
/// trains on the GPU.
int executableMain(int argc, char **argv, const uint8_t *module, size_t size);

} // namespace mlir::simclr::cuda

#endif // SIMCLR_RUNTIME_CUDA_CUDAEXECUTABLE_H
