//===- Elementwise.cuh - element-wise functions, broadcasting ---*- CUDA -*-===//
//
// The CUDA target's element-wise building blocks: the scalar functions the generated
// grid-stride loops apply, and the broadcasting add, multiply and broadcast. Semantics as
// runtime/cpu/kernels/Elementwise.h.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CUDA_KERNELS_ELEMENTWISE_CUH
#define SIMCLR_RUNTIME_CUDA_KERNELS_ELEMENTWISE_CUH

#include "runtime/cuda/kernels/Common.cuh"

namespace simclr_kernels {

__device__ inline float reluOf(float x) { return x < 0.f ? 0.f : x; } // NaN stays NaN
__device__ inline float reluGradient(float dy, float y) { return y > 0.f ? dy : 0.f; }

/// y = a (op) b with NumPy broadcasting over equal ranks; op 0 = add, 1 = mul.
__device__ inline void binary(const Phase &, int op, const float *a, const i64 *as,
                              const float *b, const i64 *bs, float *y, const i64 *ys,
                              int rank) {
  i64 n = count(ys, rank);
  i64 ast[8], bst[8], yst[8];
  i64 sa = 1, sb = 1, sy = 1;
  for (int d = rank - 1; d >= 0; --d) {
    ast[d] = as[d] == 1 ? 0 : sa;
    bst[d] = bs[d] == 1 ? 0 : sb;
    yst[d] = sy;
    sa *= as[d];
    sb *= bs[d];
    sy *= ys[d];
  }
  for (i64 e = globalThread(); e < n; e += gridThreads()) {
    i64 ai = 0, bi = 0, rest = e;
    for (int d = 0; d < rank; ++d) {
      i64 i = rest / yst[d];
      rest %= yst[d];
      ai += i * ast[d];
      bi += i * bst[d];
    }
    y[e] = op == 0 ? a[ai] + b[bi] : a[ai] * b[bi];
  }
}

/// Repeats x (extent-1 dimensions) to the shape ys.
__device__ inline void broadcastTo(const Phase &, const float *x, const i64 *xs, float *y,
                                   const i64 *ys, int rank) {
  i64 n = count(ys, rank);
  i64 xst[8], yst[8], sx = 1, sy = 1;
  for (int d = rank - 1; d >= 0; --d) {
    xst[d] = xs[d] == 1 ? 0 : sx;
    yst[d] = sy;
    sx *= xs[d];
    sy *= ys[d];
  }
  for (i64 e = globalThread(); e < n; e += gridThreads()) {
    i64 xi = 0, rest = e;
    for (int d = 0; d < rank; ++d) {
      xi += (rest / yst[d]) * xst[d];
      rest %= yst[d];
    }
    y[e] = x[xi];
  }
}

} // namespace simclr_kernels

#endif // SIMCLR_RUNTIME_CUDA_KERNELS_ELEMENTWISE_CUH
