//===- CudaBuild.h - a module's CUDA kernels into one fatbin ----*- C++ -*-===//
//
// Compile time, not run time: `simclrc --target=cuda` builds every kernel of a module in
// one nvcc call into a fatbin (machine code for each architecture asked for, and PTX for
// later ones), which the module carries. Built fatbins are cached by a hash of the code,
// the kernel headers, nvcc's version and the flags (runtime/support/KernelCache.h).
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_TARGETS_CUDA_CUDABUILD_H
#define SIMCLR_TARGETS_CUDA_CUDABUILD_H

#include "runtime/support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::simclr {

/// The GPU architectures to build for, as `sm_NN` names separated by commas ("sm_90").
inline constexpr const char *kDefaultCudaArchitectures = "sm_90";

/// nvcc's `-gencode` flags for `architectures` ("sm_90" ->
/// `-gencode arch=compute_90,code=[sm_90,compute_90]`); an error for a malformed list.
runtime::Expected<std::vector<std::string>> cudaArchitectureFlags(const std::string &architectures);

/// nvcc: $SIMCLR_NVCC, else the toolkit's the project was built with, else `nvcc`.
std::string nvccPath();

/// Builds `source` (CUDA C++ over the installed runtime/cuda/kernels headers) into a
/// fatbin for `architectures`; errors carry nvcc's messages.
runtime::Expected<std::vector<uint8_t>> buildCudaFatbin(const std::string &source,
                                                       const std::string &architectures);

} // namespace mlir::simclr

#endif // SIMCLR_TARGETS_CUDA_CUDABUILD_H
