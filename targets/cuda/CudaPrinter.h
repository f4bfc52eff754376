//===- CudaPrinter.h - fused kernels as CUDA C++ ----------------*- C++ -*-===//
#ifndef SIMCLR_TARGETS_CUDA_CUDAPRINTER_H
#define SIMCLR_TARGETS_CUDA_CUDAPRINTER_H

#include "targets/common/KernelWalk.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::simclr {

/// One launch of a fused kernel's CUDA code: a `__global__` function of the module's
/// fatbin, with its grid and block.
struct CudaLaunch {
  std::string function;
  int64_t grid = 1;
  int block = 256;
};

/// A fused kernel for the CUDA target: its source (`extern "C" __global__` functions taking
/// `(const void *const *in, void *const *out, float *scratch, void *temp)`), the launches
/// that run it, in order, and the device memory they need beside their operands.
struct CudaKernel {
  std::string code;
  std::vector<CudaLaunch> launches;
  int64_t scratchFloats = 0; ///< the walk's intermediates
  int64_t tempBytes = 0;     ///< what multi-phase building blocks hand on
};

/// The kernel families' headers, under runtime/cuda/kernels/.
const std::vector<std::string> &cudaKernelHeaders();

/// The lines every file of CUDA kernels starts with (the kernel families' headers).
std::string cudaKernelPrelude();

/// `program` as CUDA C++ over runtime/cuda/kernels/*.cuh: element-wise loops and copies
/// as grid-stride loops, every other statement a launch per phase of its building block,
/// consecutive optimizer updates one multi-tensor launch.
CudaKernel printCudaKernel(const KernelProgram &program);

/// walkKernel, then printCudaKernel.
FailureOr<CudaKernel> emitCudaKernel(KernelOp kernel, llvm::StringRef name);

} // namespace mlir::simclr

#endif // SIMCLR_TARGETS_CUDA_CUDAPRINTER_H
