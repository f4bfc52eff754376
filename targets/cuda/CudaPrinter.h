//===- CudaPrinter.h - fused kernels as CUDA C++ ----------------*- C++ -*-===//
#ifndef SIMCLR_TARGETS_CUDA_CUDAPRINTER_H
#define SIMCLR_TARGETS_CUDA_CUDAPRINTER_H

#include "targets/common/KernelWalk.h"

#include <cstdint>
#include <map>
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

/// One `extern "C" __global__` function taking
/// `(const void *const *in, void *const *out, float *scratch, void *temp)`, with the
/// `__device__` tables it reads.
struct CudaFunction {
  std::string name;
  std::string tables; ///< definitions before the function
  std::string body;   ///< the function after its name: parameters and statements

  std::string code() const;
};

/// A fused kernel for the CUDA target: its functions, the launches that run it, in order,
/// and the device memory they need beside their operands.
struct CudaKernel {
  std::string name;
  std::vector<CudaFunction> functions;
  std::vector<CudaLaunch> launches;
  int64_t scratchFloats = 0; ///< the walk's intermediates
  int64_t tempBytes = 0;     ///< what multi-phase building blocks hand on

  /// The kernel's functions as source, under a comment naming the kernel.
  std::string code() const;
};

/// The CUDA source of a module's kernels: the one file of its one nvcc call. Each distinct
/// function is in it once: the kernels of a ResNet's identical blocks are identical up to
/// their names, and a kernel whose function has the code of an earlier one launches the
/// earlier one (R152 3x+SK: 3,322 functions printed, 349 compiled).
class CudaModuleSource {
public:
  CudaModuleSource();

  /// Adds `kernel`'s new functions and points its launches at the functions compiled for
  /// them; a comment after them gives its launches.
  void add(CudaKernel &kernel);

  const std::string &code() const { return source; }
  size_t functionCount() const { return functions.size(); }

private:
  std::string source;
  std::map<std::string, std::string> functions; ///< tables + body -> the name compiled
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
