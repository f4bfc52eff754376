//===- LibraryCalls.h - convolutions and GEMMs through oneDNN ---*- C++ -*-===//
//
// The CPU target's library calls: the ops the fusion pass leaves outside kernels
// (conv2d, its input and filter gradients, dense, matmul), in float32 through oneDNN.
// The step's buffers are plain (NCHW activations, OIHW filters, row-major matrices);
// convolutions let oneDNN choose its layouts (blocked, for its fast kernels) and reorder
// their operands in and out through staging buffers shared by every call. Primitives and
// reorders are created once per shape and reused.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CPU_LIBRARYCALLS_H
#define SIMCLR_RUNTIME_CPU_LIBRARYCALLS_H

#include "runtime/exec/Device.h"

#include <cstdint>
#include <memory>

namespace mlir::simclr::cpu {

using runtime::Convolution;

class LibraryCalls {
public:
  LibraryCalls();
  ~LibraryCalls();

  /// y = conv(x, w).
  void convolution(const Convolution &conv, const float *x, const float *w, float *y);
  /// dx = gradient of conv with respect to its input, from dy.
  void convolutionBackwardInput(const Convolution &conv, const float *dy, const float *w,
                                float *dx);
  /// dw = gradient of conv with respect to its filter, from x and dy.
  void convolutionBackwardFilter(const Convolution &conv, const float *x, const float *dy,
                                 float *dw);
  /// c[m, n] = op(a) op(b) (+ bias[n]), op transposing when asked; a is m x k after op,
  /// b is k x n after op. simclr.dense is matmul(x, w, transposeB) + bias.
  void matmul(int64_t m, int64_t n, int64_t k, bool transposeA, bool transposeB,
              const float *a, const float *b, const float *bias, float *c);

private:
  struct State;
  std::unique_ptr<State> state;
};

} // namespace mlir::simclr::cpu

#endif // SIMCLR_RUNTIME_CPU_LIBRARYCALLS_H
