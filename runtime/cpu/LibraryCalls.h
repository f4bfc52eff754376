//===- LibraryCalls.h - convolutions and GEMMs through oneDNN ---*- C++ -*-===//
//
// The CPU target's library calls: the ops the fusion pass leaves outside kernels
// (conv2d, its input and filter gradients, dense, matmul), in float32 or bfloat16 (a bf16
// step; oneDNN sums in float32) through oneDNN.
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
  void convolution(const Convolution &conv, const void *x, const void *w, void *y);
  /// dx = gradient of conv with respect to its input, from dy.
  void convolutionBackwardInput(const Convolution &conv, const void *dy, const void *w,
                                void *dx);
  /// dw = gradient of conv with respect to its filter, from x and dy.
  void convolutionBackwardFilter(const Convolution &conv, const void *x, const void *dy,
                                 void *dw);
  /// c = op(a) op(b) (+ bias), as runtime::MatrixProduct says. simclr.dense is
  /// matmul(x, w, transposeB) + bias.
  void matmul(const runtime::MatrixProduct &product, const void *a, const void *b,
              const void *bias, void *c);

private:
  struct State;
  std::unique_ptr<State> state;
};

} // namespace mlir::simclr::cpu

#endif // SIMCLR_RUNTIME_CPU_LIBRARYCALLS_H
