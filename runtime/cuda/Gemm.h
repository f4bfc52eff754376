//===- Gemm.h - matrix products on the GPU through cuBLASLt -----*- C++ -*-===//
//
// The schedule's row-major products c[m, n] = op(a) op(b) (+ bias[n]) as cuBLASLt's
// column-major product c^T = op(b)^T op(a)^T, the bias as its bias epilogue (one value per
// row of c^T), float32 with CUBLAS_COMPUTE_32F (no TF32). Each shape's descriptors and
// algorithm (cuBLASLt's heuristic) are made once; the workspace is the device's.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CUDA_GEMM_H
#define SIMCLR_RUNTIME_CUDA_GEMM_H

#include "runtime/exec/Device.h"
#include "runtime/exec/DeviceBytes.h"

#include <cuda_runtime.h>

#include <memory>

namespace mlir::simclr::cuda {

class Gemm {
public:
  /// Hopper wants 32 MiB of workspace for its fastest algorithms.
  static constexpr size_t kWorkspaceBytes = runtime::kCublasLtWorkspaceBytes;

  static runtime::Expected<std::unique_ptr<Gemm>> create(cudaStream_t stream, void *workspace);
  ~Gemm();

  /// Chooses the algorithm of a product (with or without a bias) once.
  runtime::Error prepare(const runtime::MatrixProduct &product, bool bias);
  /// c = op(a) op(b) (+ bias); the product must be prepared. Errors are cuBLASLt's.
  runtime::Error multiply(const runtime::MatrixProduct &product, const void *a, const void *b,
                          const void *bias, void *c);

private:
  Gemm() = default;
  struct State;
  std::unique_ptr<State> state;
};

} // namespace mlir::simclr::cuda

#endif // SIMCLR_RUNTIME_CUDA_GEMM_H
