//===- CudaCheck.h - CUDA, cuDNN and cuBLAS failures in words ---*- C++ -*-===//
#ifndef SIMCLR_RUNTIME_CUDA_CUDACHECK_H
#define SIMCLR_RUNTIME_CUDA_CUDACHECK_H

#include "runtime/support/Error.h"

#include <cuda_runtime.h>

#include <string>

namespace mlir::simclr::cuda {

/// "<what>: <CUDA's name for the error> (<its text>)".
inline std::string cudaFailure(cudaError_t status, const std::string &what) {
  return what + ": " + cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")";
}

/// An error for a failed CUDA call, success otherwise.
inline runtime::Error check(cudaError_t status, const std::string &what) {
  if (status == cudaSuccess)
    return runtime::Error::success();
  return runtime::makeError("error: " + cudaFailure(status, what));
}

} // namespace mlir::simclr::cuda

#endif // SIMCLR_RUNTIME_CUDA_CUDACHECK_H
