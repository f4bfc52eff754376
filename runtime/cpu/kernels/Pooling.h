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

/// A pooling window over [planes, H, W] -> [planes, OH, OW] (padding top, left), planes
/// being N * C. `channels` is 0 for NCHW tensors, else C for NHWC ones.
struct Window {
  i64 planes, H, W, OH, OW, kh, kw, sh, sw, top, left, channels;
  /// The index of (plane p, row y, column x) in a tensor of h x w planes.
  i64 at(i64 p, i64 y, i64 x, i64 h, i64 w) const {
    if (channels == 0)
      return (p * h + y) * w + x;
    return (((p / channels) * h + y) * w + x) * channels + p % channels;
  }
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
            double v = x[w.at(p, iy, ix, w.H, w.W)];
            acc = isMax ? std::max(acc, v) : acc + v;
            ++n;
          }
        if (!isMax)
          acc /= countPad ? double(w.kh * w.kw) : double(n);
        y[w.at(p, oy, ox, w.OH, w.OW)] = static_cast<float>(acc);
      }
}

/// Gradient of `pool`: each window's gradient to its first maximum, or spread evenly.
inline void poolBackward(bool isMax, bool countPad, const float *dy, const float *x, float *dx,
                         const Window &w) {
#pragma omp parallel for
  for (i64 p = 0; p < w.planes; ++p) {
    // Plane p's element e = iy * W + ix.
    auto plane = [&](i64 e) -> float & { return dx[w.at(p, e / w.W, e % w.W, w.H, w.W)]; };
    for (i64 e = 0; e < w.H * w.W; ++e)
      plane(e) = 0.f;
    for (i64 oy = 0; oy < w.OH; ++oy)
      for (i64 ox = 0; ox < w.OW; ++ox) {
        double g = dy[w.at(p, oy, ox, w.OH, w.OW)];
        i64 best = -1, n = 0;
        for (i64 ky = 0; ky < w.kh; ++ky)
          for (i64 kx = 0; kx < w.kw; ++kx) {
            i64 iy = oy * w.sh + ky - w.top, ix = ox * w.sw + kx - w.left;
            if (iy < 0 || iy >= w.H || ix < 0 || ix >= w.W)
              continue;
            i64 e = iy * w.W + ix;
            if (isMax && (best < 0 || x[w.at(p, iy, ix, w.H, w.W)] >
                                          x[w.at(p, best / w.W, best % w.W, w.H, w.W)]))
              best = e;
            ++n;
          }
        if (isMax) {
          plane(best) += static_cast<float>(g);
          continue;
        }
        float share = static_cast<float>(g / (countPad ? double(w.kh * w.kw) : double(n)));
        for (i64 ky = 0; ky < w.kh; ++ky)
          for (i64 kx = 0; kx < w.kw; ++kx) {
            i64 iy = oy * w.sh + ky - w.top, ix = ox * w.sw + kx - w.left;
            if (iy >= 0 && iy < w.H && ix >= 0 && ix < w.W)
              plane(iy * w.W + ix) += share;
          }
      }
  }
}

} // namespace simclr_kernels

#endif // SIMCLR_RUNTIME_CPU_KERNELS_POOLING_H
