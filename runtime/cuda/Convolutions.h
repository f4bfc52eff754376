//===- Convolutions.h - convolutions on the GPU through cuDNN ---*- C++ -*-===//
//
// The only file that knows cuDNN: a convolution and its two gradients through cuDNN 9's
// convolution API (deprecated in 9 but shipped; the graph API can replace this file), in
// float32 with FMA math and no TF32. Each shape's descriptors and algorithm are chosen
// once, when an executor is made: deterministic, FMA, no FFT or Winograd (so results stay
// within float32 rounding of a direct sum), the fastest whose workspace is at most 1 GiB
// or else the one that needs least; the workspace is the device's.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CUDA_CONVOLUTIONS_H
#define SIMCLR_RUNTIME_CUDA_CONVOLUTIONS_H

#include "runtime/exec/Device.h"

#include <cuda_runtime.h>

#include <memory>

namespace mlir::simclr::cuda {

class Convolutions {
public:
  /// Which of the three a call computes.
  enum class Direction { Forward, BackwardInput, BackwardFilter };

  static runtime::Expected<std::unique_ptr<Convolutions>> create(cudaStream_t stream);
  ~Convolutions();

  /// Chooses the algorithm of `conv` in `direction` and returns the workspace it needs.
  /// An error for a convolution cuDNN cannot run (padding that differs on two sides).
  runtime::Expected<size_t> prepare(const runtime::Convolution &conv, Direction direction);

  /// y = conv(x, w); dx from dy and w; dw from x and dy. The shape must be prepared.
  /// Errors are cuDNN's (they come back at once; the work runs on the stream).
  runtime::Error forward(const runtime::Convolution &conv, const void *x, const void *w,
                         void *y, void *workspace, size_t bytes);
  runtime::Error backwardInput(const runtime::Convolution &conv, const void *dy,
                               const void *w, void *dx, void *workspace, size_t bytes);
  runtime::Error backwardFilter(const runtime::Convolution &conv, const void *x,
                                const void *dy, void *dw, void *workspace, size_t bytes);

private:
  Convolutions() = default;
  struct State;
  std::unique_ptr<State> state;
};

} // namespace mlir::simclr::cuda

#endif // SIMCLR_RUNTIME_CUDA_CONVOLUTIONS_H
