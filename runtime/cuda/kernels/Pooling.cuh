//===- Pooling.cuh - max and average pooling and their gradients -*- CUDA -*-===//
//
// One thread per output (pooling) or per input element (gradients: each input gathers
// from the windows that hold it, so that overlapping windows never race and the sums
// come in the CPU's order). Padded positions never take part. Semantics as
// runtime/cpu/kernels/Pooling.h.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CUDA_KERNELS_POOLING_CUH
#define SIMCLR_RUNTIME_CUDA_KERNELS_POOLING_CUH

#include "runtime/cuda/kernels/Common.cuh"

namespace simclr_kernels {

/// Max or average pooling (the average divides by the window size when `countPad`).
__device__ inline void pool(const Phase &, bool isMax, bool countPad, const float *x, float *y,
                            const Window &w) {
  for (i64 o = globalThread(); o < w.planes * w.OH * w.OW; o += gridThreads()) {
    i64 p, oy, ox;
    w.position(o, w.OH, w.OW, p, oy, ox);
    double acc = isMax ? -INFINITY : 0.0;
    i64 n = 0;
    for (i64 ky = 0; ky < w.kh; ++ky)
      for (i64 kx = 0; kx < w.kw; ++kx) {
        i64 iy = oy * w.sh + ky - w.top, ix = ox * w.sw + kx - w.left;
        if (iy < 0 || iy >= w.H || ix < 0 || ix >= w.W)
          continue;
        double v = x[w.at(p, iy, ix, w.H, w.W)];
        acc = isMax ? maxOf(acc, v) : acc + v;
        ++n;
      }
    if (!isMax)
      acc /= countPad ? double(w.kh * w.kw) : double(n);
    y[o] = static_cast<float>(acc);
  }
}

/// The position in plane p of window (oy, ox)'s first maximum (-1 if it has none).
__device__ inline i64 firstMaximum(const float *x, i64 p, i64 oy, i64 ox, const Window &w) {
  i64 best = -1;
  for (i64 ky = 0; ky < w.kh; ++ky)
    for (i64 kx = 0; kx < w.kw; ++kx) {
      i64 iy = oy * w.sh + ky - w.top, ix = ox * w.sw + kx - w.left;
      if (iy < 0 || iy >= w.H || ix < 0 || ix >= w.W)
        continue;
      i64 e = iy * w.W + ix;
      if (best < 0 || x[w.at(p, iy, ix, w.H, w.W)] > x[w.at(p, best / w.W, best % w.W, w.H, w.W)])
        best = e;
    }
  return best;
}

/// Gradient of `pool`: each window's gradient to its first maximum, or spread evenly.
__device__ inline void poolBackward(const Phase &, bool isMax, bool countPad, const float *dy,
                                    const float *x, float *dx, const Window &w) {
  for (i64 i = globalThread(); i < w.planes * w.H * w.W; i += gridThreads()) {
    i64 p, iy, ix;
    w.position(i, w.H, w.W, p, iy, ix);
    // The windows that hold (iy, ix): oy * sh - top <= iy < oy * sh - top + kh.
    i64 oyFirst = iy + w.top - w.kh + 1, oxFirst = ix + w.left - w.kw + 1;
    oyFirst = oyFirst <= 0 ? 0 : (oyFirst + w.sh - 1) / w.sh;
    oxFirst = oxFirst <= 0 ? 0 : (oxFirst + w.sw - 1) / w.sw;
    i64 oyLast = minOf((iy + w.top) / w.sh, w.OH - 1);
    i64 oxLast = minOf((ix + w.left) / w.sw, w.OW - 1);
    float acc = 0.f;
    for (i64 oy = oyFirst; oy <= oyLast; ++oy)
      for (i64 ox = oxFirst; ox <= oxLast; ++ox) {
        double g = dy[w.at(p, oy, ox, w.OH, w.OW)];
        if (isMax) {
          if (firstMaximum(x, p, oy, ox, w) == iy * w.W + ix)
            acc += static_cast<float>(g);
          continue;
        }
        i64 n = 0;
        if (!countPad)
          for (i64 ky = 0; ky < w.kh; ++ky)
            for (i64 kx = 0; kx < w.kw; ++kx) {
              i64 y = oy * w.sh + ky - w.top, x2 = ox * w.sw + kx - w.left;
              n += y >= 0 && y < w.H && x2 >= 0 && x2 < w.W;
            }
        acc += static_cast<float>(g / (countPad ? double(w.kh * w.kw) : double(n)));
      }
    dx[i] = acc;
  }
}

} // namespace simclr_kernels

#endif // SIMCLR_RUNTIME_CUDA_KERNELS_POOLING_CUH
