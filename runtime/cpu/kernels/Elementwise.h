//===- Elementwise.h - element-wise functions, broadcasting -*- C++ -*-===//
//
// Part of the float32 building blocks of generated CPU kernels (one header per kernel
// family; runtime/cpu/KernelBuild.cpp lists them). Self-contained: standard library and
// OpenMP only. Semantics are those of the ops in dialects/simclr/IR/SimclrOps.td;
// test/unit/CpuKernelsTest.cpp compares every generated kernel with the reference.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CPU_KERNELS_ELEMENTWISE_H
#define SIMCLR_RUNTIME_CPU_KERNELS_ELEMENTWISE_H

#include "runtime/cpu/kernels/Common.h"

#include <cstdint>

namespace simclr_kernels {

/// The element-wise functions the generated loops apply (chains of element-wise ops are
/// one loop; see targets/cpu/EmitKernels.cpp).
inline float reluOf(float x) { return x < 0.f ? 0.f : x; } // NaN stays NaN, as in PyTorch
inline float reluGradient(float dy, float y) { return y > 0.f ? dy : 0.f; }

/// y = a (op) b with NumPy broadcasting over equal ranks; op 0 = add, 1 = mul. (Operands of
/// the result's shape are element-wise loops of the emitted code instead.)
inline void binary(int op, const float *a, const i64 *as, const float *b, const i64 *bs,
                   float *y, const i64 *ys, int rank) {
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
#pragma omp parallel for
  for (i64 e = 0; e < n; ++e) {
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
inline void broadcastTo(const float *x, const i64 *xs, float *y, const i64 *ys, int rank) {
  i64 n = count(ys, rank);
  i64 xst[8], yst[8], sx = 1, sy = 1;
  for (int d = rank - 1; d >= 0; --d) {
    xst[d] = xs[d] == 1 ? 0 : sx;
    yst[d] = sy;
    sx *= xs[d];
    sy *= ys[d];
  }
#pragma omp parallel for
  for (i64 e = 0; e < n; ++e) {
    i64 xi = 0, rest = e;
    for (int d = 0; d < rank; ++d) {
      xi += (rest / yst[d]) * xst[d];
      rest %= yst[d];
    }
    y[e] = x[xi];
  }
}

} // namespace simclr_kernels

#endif // SIMCLR_RUNTIME_CPU_KERNELS_ELEMENTWISE_H
