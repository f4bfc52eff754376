//===- Pooling.h - max and average pooling and their gradients -*- C++ -*-===//
//
// Part of the float32 building blocks of generated CPU kernels (one header per kernel
// family; runtime/cpu/KernelBuild.cpp lists them). Self-contained: standard library and
// OpenMP only. Semantics are those of the ops in dialects/simclr/IR/SimclrOps.td;
// test/unit/CpuKernelsTest.cpp compares every generated kernel with the reference.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CPU_KERNELS_POOLING_H
#define SIMCLR_RUNTIME_CPU_KERNELS_POOLING_H

#include "runtime/cpu/kernels/Common.h"

#include <algorithm>
#include <cmath>

namespace simclr_kernels {

struct Window {
  i64 planes, H, W, OH, OW, kh, kw, sh, sw, top, left;
};

/// Max or average pooling; padded positions never take part (the average divides by the
/// window size when `countPad`).
inline void pool(bool isMax, bool countPad, const float *x, float *y, const Window &w) {
#pragma omp parallel for
  for (i64 p = 0; p < w.planes; ++p)
    for (i64 oy = 0; oy < w.OH; ++oy)
      for (i64 ox = 0; ox < w.OW; ++ox) {
        double acc = isMax ? -INFINITY : 0.0;
        i64 n = 0;
        for (i64 ky = 0; ky < w.kh; ++ky)
          for (i64 kx = 0; kx < w.kw; ++kx) {
            i64 iy = oy * w.sh + ky - w.top, ix = ox * w.sw + kx - w.left;
            if (iy < 0 || iy >= w.H || ix < 0 || ix >= w.W)
              continue;
            double v = x[(p * w.H + iy) * w.W + ix];
            acc = isMax ? std::max(acc, v) : acc + v;
            ++n;
          }
        if (!isMax)
          acc /= countPad ? double(w.kh * w.kw) : double(n);
        y[(p * w.OH + oy) * w.OW + ox] = static_cast<float>(acc);
      }
}

/// Gradient of `pool`: each window's gradient to its first maximum, or spread evenly.
inline void poolBackward(bool isMax, bool countPad, const float *dy, const float *x, float *dx,
                         const Window &w) {
#pragma omp parallel for
  for (i64 p = 0; p < w.planes; ++p) {
    float *plane = dx + p * w.H * w.W;
    std::fill(plane, plane + w.H * w.W, 0.f);
    for (i64 oy = 0; oy < w.OH; ++oy)
      for (i64 ox = 0; ox < w.OW; ++ox) {
        double g = dy[(p * w.OH + oy) * w.OW + ox];
        i64 best = -1, n = 0;
        for (i64 ky = 0; ky < w.kh; ++ky)
          for (i64 kx = 0; kx < w.kw; ++kx) {
            i64 iy = oy * w.sh + ky - w.top, ix = ox * w.sw + kx - w.left;
            if (iy < 0 || iy >= w.H || ix < 0 || ix >= w.W)
              continue;
            i64 e = iy * w.W + ix;
            if (isMax && (best < 0 || x[p * w.H * w.W + e] > x[p * w.H * w.W + best]))
              best = e;
            ++n;
          }
        if (isMax) {
          plane[best] += static_cast<float>(g);
          continue;
        }
        float share = static_cast<float>(g / (countPad ? double(w.kh * w.kw) : double(n)));
        for (i64 ky = 0; ky < w.kh; ++ky)
          for (i64 kx = 0; kx < w.kw; ++kx) {
            i64 iy = oy * w.sh + ky - w.top, ix = ox * w.sw + kx - w.left;
            if (iy >= 0 && iy < w.H && ix >= 0 && ix < w.W)
              plane[iy * w.W + ix] += share;
          }
      }
  }
}

} // namespace simclr_kernels

#endif // SIMCLR_RUNTIME_CPU_KERNELS_POOLING_H
