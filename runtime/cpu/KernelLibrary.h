//===- KernelLibrary.h - float32 building blocks of generated CPU kernels -*- C++ -*-===//
//
// The generated C++ of a fused kernel (targets/cpu/EmitKernels.cpp) is a sequence of calls
// into these functions, one per op of the kernel, on float32 data in row-major layouts.
// Self-contained (standard library and OpenMP only): generated files include it and are
// compiled on their own. Semantics are those of the ops' definitions in SimclrOps.td;
// test/unit/CpuKernelsTest.cpp compares every generated kernel with the reference
// evaluator.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CPU_KERNELLIBRARY_H
#define SIMCLR_RUNTIME_CPU_KERNELLIBRARY_H

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace simclr_kernels {

using i64 = int64_t;

/// Splits a shape around `axis`: index = (outer * extent + a) * inner + i.
struct Axis {
  i64 outer = 1, extent = 1, inner = 1;
  Axis(const i64 *shape, int rank, int axis) {
    for (int d = 0; d < rank; ++d)
      (d < axis ? outer : d == axis ? extent : inner) *= shape[d];
  }
};

/// Memory for kernels' intermediates: one buffer per thread, grown as needed and shared by
/// every kernel (a thread runs one kernel at a time), so that a large intermediate costs
/// no allocation, page faults or zero-filling per call.
inline float *scratch(i64 n) {
  thread_local std::vector<float> buffer;
  if (static_cast<i64>(buffer.size()) < n + 16)
    buffer.resize(n + 16);
  auto address = reinterpret_cast<std::uintptr_t>(buffer.data());
  return buffer.data() + ((64 - address % 64) % 64) / sizeof(float);
}

inline i64 count(const i64 *shape, int rank) {
  i64 n = 1;
  for (int d = 0; d < rank; ++d)
    n *= shape[d];
  return n;
}

// --- element-wise -------------------------------------------------------------------------

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

// --- reductions ---------------------------------------------------------------------------

/// kind 0 = sum, 1 = mean, 2 = max over the axes flagged in `reduced`.
inline void reduce(int kind, const float *x, const i64 *xs, int rank, const bool *reduced,
                   float *y) {
  i64 n = count(xs, rank), outputs = 1, groupSize = 1;
  i64 keptStride[8], xst[8], s = 1;
  for (int d = rank - 1; d >= 0; --d) {
    xst[d] = s;
    s *= xs[d];
  }
  i64 k = 1;
  for (int d = rank - 1; d >= 0; --d) {
    keptStride[d] = reduced[d] ? 0 : k;
    if (!reduced[d])
      k *= xs[d];
    else
      groupSize *= xs[d];
  }
  outputs = k;
  // The reduced axes a suffix (global pooling, row sums) or a prefix (column sums): plain
  // loops, in parallel over what is kept.
  int first = 0, last = rank;
  while (first < rank && !reduced[first])
    ++first;
  while (last > 0 && !reduced[last - 1])
    --last;
  bool contiguous = true;
  for (int d = first; d < last; ++d)
    contiguous = contiguous && reduced[d];
  if (contiguous && (last == rank || first == 0)) {
    i64 inner = 1;
    for (int d = last; d < rank; ++d)
      inner *= xs[d];
    if (last == rank) { // y[o] = reduce over x[o * groupSize .. +groupSize)
#pragma omp parallel for
      for (i64 o = 0; o < outputs; ++o) {
        const float *row = x + o * groupSize;
        double acc = kind == 2 ? -INFINITY : 0.0;
        if (kind == 2) {
          for (i64 i = 0; i < groupSize; ++i)
            acc = std::max(acc, double(row[i]));
        } else {
          for (i64 i = 0; i < groupSize; ++i)
            acc += row[i];
        }
        y[o] = static_cast<float>(kind == 1 ? acc / groupSize : acc);
      }
      return;
    }
    // first == 0: y[j] = reduce over x[g * inner + j], g < groupSize
#pragma omp parallel for
    for (i64 j = 0; j < inner; ++j) {
      double acc = kind == 2 ? -INFINITY : 0.0;
      for (i64 g = 0; g < groupSize; ++g)
        acc = kind == 2 ? std::max(acc, double(x[g * inner + j])) : acc + x[g * inner + j];
      y[j] = static_cast<float>(kind == 1 ? acc / groupSize : acc);
    }
    return;
  }
  std::vector<double> acc(outputs, kind == 2 ? -INFINITY : 0.0);
  for (i64 e = 0; e < n; ++e) {
    i64 target = 0, rest = e;
    for (int d = 0; d < rank; ++d) {
      target += (rest / xst[d]) * keptStride[d];
      rest %= xst[d];
    }
    acc[target] = kind == 2 ? std::max(acc[target], double(x[e])) : acc[target] + x[e];
  }
  for (i64 o = 0; o < outputs; ++o)
    y[o] = static_cast<float>(kind == 1 ? acc[o] / groupSize : acc[o]);
}

// --- batch norm ---------------------------------------------------------------------------

/// x is [N, C, S] (S = 1 for NC inputs). Batch statistics in double for accuracy.
inline void batchNormStatistics(const float *x, i64 N, i64 C, i64 S, std::vector<double> &mean,
                                std::vector<double> &var) {
  mean.assign(C, 0.0);
  var.assign(C, 0.0);
  double m = double(N * S);
#pragma omp parallel for
  for (i64 c = 0; c < C; ++c) {
    // Each row (S values) summed in float, vectorised, rows accumulated in double; the
    // values shifted by one of them so that a large mean does not cancel the variance.
    const float shift = x[c * S];
    double sum = 0, sq = 0;
    for (i64 n = 0; n < N; ++n) {
      const float *row = x + (n * C + c) * S;
      float rowSum = 0.f, rowSq = 0.f;
#pragma omp simd reduction(+ : rowSum, rowSq)
      for (i64 s = 0; s < S; ++s) {
        float v = row[s] - shift;
        rowSum += v;
        rowSq += v * v;
      }
      sum += rowSum;
      sq += rowSq;
    }
    double shifted = sum / m;
    mean[c] = shift + shifted;
    var[c] = std::max(sq / m - shifted * shifted, 0.0);
  }
}

inline void batchNormTrain(const float *x, i64 N, i64 C, i64 S, const float *gamma,
                           const float *beta, const float *runningMean,
                           const float *runningVar, double epsilon, double momentum, float *y,
                           float *newMean, float *newVar) {
  std::vector<double> mean, var;
  batchNormStatistics(x, N, C, S, mean, var);
  double m = double(N * S), unbias = m > 1 ? m / (m - 1) : 1.0;
#pragma omp parallel for
  for (i64 c = 0; c < C; ++c) {
    float a = static_cast<float>(gamma[c] / std::sqrt(var[c] + epsilon));
    float b = static_cast<float>((beta ? beta[c] : 0.0) - mean[c] * a);
    for (i64 n = 0; n < N; ++n)
      for (i64 s = 0; s < S; ++s)
        y[(n * C + c) * S + s] = x[(n * C + c) * S + s] * a + b;
    newMean[c] = static_cast<float>(momentum * runningMean[c] + (1 - momentum) * mean[c]);
    newVar[c] = static_cast<float>(momentum * runningVar[c] + (1 - momentum) * var[c] * unbias);
  }
}

inline void batchNormInfer(const float *x, i64 N, i64 C, i64 S, const float *gamma,
                           const float *beta, const float *mean, const float *var,
                           double epsilon, float *y) {
#pragma omp parallel for
  for (i64 c = 0; c < C; ++c) {
    float a = static_cast<float>(gamma[c] / std::sqrt(double(var[c]) + epsilon));
    float b = static_cast<float>((beta ? beta[c] : 0.0) - mean[c] * double(a));
    for (i64 n = 0; n < N; ++n)
      for (i64 s = 0; s < S; ++s)
        y[(n * C + c) * S + s] = x[(n * C + c) * S + s] * a + b;
  }
}

inline void batchNormTrainBackward(const float *dy, const float *x, i64 N, i64 C, i64 S,
                                   const float *gamma, double epsilon, float *dx,
                                   float *dgamma, float *dbeta) {
  std::vector<double> mean, var;
  batchNormStatistics(x, N, C, S, mean, var);
  double m = double(N * S);
#pragma omp parallel for
  for (i64 c = 0; c < C; ++c) {
    double inv = 1.0 / std::sqrt(var[c] + epsilon), sumDy = 0, sumDyXhat = 0;
    for (i64 n = 0; n < N; ++n)
      for (i64 s = 0; s < S; ++s) {
        i64 e = (n * C + c) * S + s;
        sumDy += dy[e];
        sumDyXhat += dy[e] * (x[e] - mean[c]) * inv;
      }
    for (i64 n = 0; n < N; ++n)
      for (i64 s = 0; s < S; ++s) {
        i64 e = (n * C + c) * S + s;
        double xhat = (x[e] - mean[c]) * inv;
        dx[e] = static_cast<float>(gamma[c] * inv * (dy[e] - sumDy / m - xhat * sumDyXhat / m));
      }
    dgamma[c] = static_cast<float>(sumDyXhat);
    dbeta[c] = static_cast<float>(sumDy);
  }
}

inline void batchNormInferBackward(const float *dy, const float *x, i64 N, i64 C, i64 S,
                                   const float *gamma, const float *mean, const float *var,
                                   double epsilon, float *dx, float *dgamma, float *dbeta) {
#pragma omp parallel for
  for (i64 c = 0; c < C; ++c) {
    double inv = 1.0 / std::sqrt(double(var[c]) + epsilon), sumDy = 0, sumDyXhat = 0;
    for (i64 n = 0; n < N; ++n)
      for (i64 s = 0; s < S; ++s) {
        i64 e = (n * C + c) * S + s;
        sumDy += dy[e];
        sumDyXhat += dy[e] * (x[e] - mean[c]) * inv;
        dx[e] = static_cast<float>(dy[e] * gamma[c] * inv);
      }
    dgamma[c] = static_cast<float>(sumDyXhat);
    dbeta[c] = static_cast<float>(sumDy);
  }
}

// --- pooling (NCHW; padding top, left, bottom, right) -------------------------------------

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

// --- slices and max reductions --------------------------------------------------------------

/// Copies between a tensor `big` and a strided box of it (shape `box`): to the box
/// (`toBox`) or back, adding into a zeroed big tensor.
inline void slice(const float *from, float *to, const i64 *big, const i64 *box, int rank,
                  const i64 *offsets, const i64 *strides, bool toBox) {
  i64 bst[8], xst[8], sb = 1, sx = 1;
  for (int d = rank - 1; d >= 0; --d) {
    bst[d] = sb;
    xst[d] = sx;
    sb *= big[d];
    sx *= box[d];
  }
  if (!toBox)
    std::fill(to, to + sb, 0.f);
  for (i64 e = 0; e < sx; ++e) {
    i64 source = 0, rest = e;
    for (int d = 0; d < rank; ++d) {
      i64 i = rest / xst[d];
      rest %= xst[d];
      source += (offsets[d] + i * strides[d]) * bst[d];
    }
    if (toBox)
      to[e] = from[source];
    else
      to[source] += from[e];
  }
}

/// Gradient of a max reduction: each group's gradient to its first maximum.
inline void reduceMaxBackward(const float *dy, const float *x, const i64 *xs, int rank,
                              const bool *reduced, float *dx) {
  i64 n = count(xs, rank), xst[8], keptStride[8], s = 1, k = 1;
  for (int d = rank - 1; d >= 0; --d) {
    xst[d] = s;
    s *= xs[d];
  }
  for (int d = rank - 1; d >= 0; --d) {
    keptStride[d] = reduced[d] ? 0 : k;
    if (!reduced[d])
      k *= xs[d];
  }
  std::vector<i64> best(k, -1);
  for (i64 e = 0; e < n; ++e) {
    i64 group = 0, rest = e;
    for (int d = 0; d < rank; ++d) {
      group += (rest / xst[d]) * keptStride[d];
      rest %= xst[d];
    }
    if (best[group] < 0 || x[e] > x[best[group]])
      best[group] = e;
  }
  std::fill(dx, dx + n, 0.f);
  for (i64 g = 0; g < k; ++g)
    dx[best[g]] += dy[g];
}

// --- normalisation along an axis ----------------------------------------------------------

inline void softmax(const float *x, float *y, const Axis &v) {
#pragma omp parallel for
  for (i64 o = 0; o < v.outer; ++o)
    for (i64 i = 0; i < v.inner; ++i) {
      double peak = -INFINITY, sum = 0;
      for (i64 a = 0; a < v.extent; ++a)
        peak = std::max(peak, double(x[(o * v.extent + a) * v.inner + i]));
      for (i64 a = 0; a < v.extent; ++a)
        sum += std::exp(x[(o * v.extent + a) * v.inner + i] - peak);
      for (i64 a = 0; a < v.extent; ++a) {
        i64 e = (o * v.extent + a) * v.inner + i;
        y[e] = static_cast<float>(std::exp(x[e] - peak) / sum);
      }
    }
}

inline void softmaxBackward(const float *dy, const float *y, float *dx, const Axis &v) {
#pragma omp parallel for
  for (i64 o = 0; o < v.outer; ++o)
    for (i64 i = 0; i < v.inner; ++i) {
      double dot = 0;
      for (i64 a = 0; a < v.extent; ++a) {
        i64 e = (o * v.extent + a) * v.inner + i;
        dot += double(dy[e]) * y[e];
      }
      for (i64 a = 0; a < v.extent; ++a) {
        i64 e = (o * v.extent + a) * v.inner + i;
        dx[e] = static_cast<float>(y[e] * (dy[e] - dot));
      }
    }
}

inline void l2Normalize(const float *x, float *y, const Axis &v, double epsilon) {
#pragma omp parallel for
  for (i64 o = 0; o < v.outer; ++o)
    for (i64 i = 0; i < v.inner; ++i) {
      double sum = 0;
      for (i64 a = 0; a < v.extent; ++a) {
        double t = x[(o * v.extent + a) * v.inner + i];
        sum += t * t;
      }
      double s = 1.0 / std::sqrt(std::max(sum, epsilon));
      for (i64 a = 0; a < v.extent; ++a) {
        i64 e = (o * v.extent + a) * v.inner + i;
        y[e] = static_cast<float>(x[e] * s);
      }
    }
}

inline void l2NormalizeBackward(const float *dy, const float *x, float *dx, const Axis &v,
                                double epsilon) {
#pragma omp parallel for
  for (i64 o = 0; o < v.outer; ++o)
    for (i64 i = 0; i < v.inner; ++i) {
      double sum = 0, dot = 0;
      for (i64 a = 0; a < v.extent; ++a) {
        double t = x[(o * v.extent + a) * v.inner + i];
        sum += t * t;
      }
      double norm = std::sqrt(std::max(sum, epsilon));
      for (i64 a = 0; a < v.extent; ++a) {
        i64 e = (o * v.extent + a) * v.inner + i;
        dot += double(dy[e]) * x[e] / norm;
      }
      for (i64 a = 0; a < v.extent; ++a) {
        i64 e = (o * v.extent + a) * v.inner + i;
        dx[e] = static_cast<float>(sum > epsilon ? (dy[e] - x[e] / norm * dot) / norm
                                                 : dy[e] / norm);
      }
    }
}

// --- plumbing -----------------------------------------------------------------------------

/// Copies the slab [offset, offset + extent) of `axis` between a tensor and a piece.
inline void copySlab(const float *from, float *to, const Axis &big, i64 offset, i64 extent,
                     bool toPiece) {
  for (i64 o = 0; o < big.outer; ++o)
    for (i64 a = 0; a < extent; ++a) {
      i64 bigIndex = (o * big.extent + offset + a) * big.inner;
      i64 pieceIndex = (o * extent + a) * big.inner;
      if (toPiece)
        std::memcpy(to + pieceIndex, from + bigIndex, big.inner * sizeof(float));
      else
        std::memcpy(to + bigIndex, from + pieceIndex, big.inner * sizeof(float));
    }
}

// --- losses -------------------------------------------------------------------------------

inline double logSumExp(const double *v, i64 n) {
  double peak = -INFINITY, sum = 0;
  for (i64 i = 0; i < n; ++i)
    peak = std::max(peak, v[i]);
  for (i64 i = 0; i < n; ++i)
    sum += std::exp(v[i] - peak);
  return peak + std::log(sum);
}

/// NT-Xent over z [2N, D] (SIMCLR.md). With dz non-null, writes the gradient for a loss
/// gradient `gradLoss` instead of the loss and accuracy.
inline void ntXent(const float *z, i64 rows, i64 D, double temperature, float *loss,
                   float *accuracy, const float *gradLoss, float *dz) {
  i64 N = rows / 2;
  // Similarities as float dot products (rows are unit vectors), in parallel.
  std::vector<float> sim(rows * rows);
  float inverseTemperature = static_cast<float>(1.0 / temperature);
#pragma omp parallel for
  for (i64 i = 0; i < rows; ++i)
    for (i64 j = 0; j < rows; ++j) {
      const float *a = z + i * D, *b = z + j * D;
      float s = 0.f;
#pragma omp simd reduction(+ : s)
      for (i64 k = 0; k < D; ++k)
        s += a[k] * b[k];
      sim[i * rows + j] = s * inverseTemperature;
    }
  // Each row of each side is one softmax over 2N logits (the other view's N, then its own
  // view's N with itself masked); rows are independent, so they run in parallel.
  std::vector<double> coef(dz ? rows * rows : 0, 0.0); // d loss / d sim
  double total = 0, correct = 0;
  for (i64 side = 0; side < 2; ++side) {
    i64 self = side * N, other = (1 - side) * N;
#pragma omp parallel for reduction(+ : total, correct)
    for (i64 i = 0; i < N; ++i) {
      std::vector<double> logits(2 * N);
      const float *row = sim.data() + (self + i) * rows;
      for (i64 j = 0; j < N; ++j) {
        logits[j] = row[other + j];
        logits[N + j] = row[self + j] - (i == j ? 1e9 : 0.0);
      }
      double lse = logSumExp(logits.data(), 2 * N);
      total += lse - logits[i];
      if (side == 0)
        correct += std::max_element(logits.begin(), logits.begin() + N) - logits.begin() == i;
      if (dz) {
        double *c = coef.data() + (self + i) * rows;
        for (i64 j = 0; j < N; ++j) {
          c[other + j] += std::exp(logits[j] - lse) - (i == j ? 1.0 : 0.0);
          c[self + j] += std::exp(logits[N + j] - lse);
        }
      }
    }
  }
  if (!dz) {
    *loss = static_cast<float>(total / N);
    *accuracy = static_cast<float>(correct / N);
    return;
  }
  // dz = g (C + C^T) z, row by row with the feature dimension innermost.
  double g = *gradLoss / (temperature * N);
#pragma omp parallel for
  for (i64 i = 0; i < rows; ++i) {
    std::vector<double> acc(D, 0.0);
    for (i64 j = 0; j < rows; ++j) {
      double c = coef[i * rows + j] + coef[j * rows + i];
      const float *zj = z + j * D;
      for (i64 k = 0; k < D; ++k)
        acc[k] += c * zj[k];
    }
    for (i64 k = 0; k < D; ++k)
      dz[i * D + k] = static_cast<float>(g * acc[k]);
  }
}

/// Cross entropy of logits [N, C] against class indices (labels, int32) or distributions
/// (targets, float). With dlogits non-null, writes the gradient instead.
inline void crossEntropy(const float *logits, i64 N, i64 C, const int32_t *labels,
                         const float *targets, float *loss, float *accuracy,
                         const float *gradLoss, float *dlogits) {
  double total = 0, correct = 0;
  std::vector<double> row(C);
  for (i64 n = 0; n < N; ++n) {
    for (i64 c = 0; c < C; ++c)
      row[c] = logits[n * C + c];
    double lse = logSumExp(row.data(), C), mass = 0;
    i64 target = 0;
    if (labels) {
      target = labels[n];
      total += lse - row[target];
      mass = 1;
    } else {
      for (i64 c = 0; c < C; ++c) {
        total -= targets[n * C + c] * (row[c] - lse);
        mass += targets[n * C + c];
        if (targets[n * C + c] > targets[n * C + target])
          target = c;
      }
    }
    correct += std::max_element(row.begin(), row.end()) - row.begin() == target;
    if (dlogits)
      for (i64 c = 0; c < C; ++c) {
        double t = labels ? (c == target ? 1.0 : 0.0) : targets[n * C + c];
        dlogits[n * C + c] = static_cast<float>((std::exp(row[c] - lse) * mass - t) * *gradLoss / N);
      }
  }
  if (!dlogits) {
    *loss = static_cast<float>(total / N);
    *accuracy = static_cast<float>(correct / N);
  }
}

inline void distillation(const float *student, const float *teacher, i64 N, i64 C,
                         double temperature, float *loss, float *agreement,
                         const float *gradLoss, float *dstudent) {
  double total = 0, agree = 0;
  std::vector<double> s(C), t(C);
  for (i64 n = 0; n < N; ++n) {
    for (i64 c = 0; c < C; ++c) {
      s[c] = student[n * C + c] / temperature;
      t[c] = teacher[n * C + c] / temperature;
    }
    double ls = logSumExp(s.data(), C), lt = logSumExp(t.data(), C);
    for (i64 c = 0; c < C; ++c) {
      total -= std::exp(t[c] - lt) * (s[c] - ls);
      if (dstudent)
        dstudent[n * C + c] = static_cast<float>((std::exp(s[c] - ls) - std::exp(t[c] - lt)) *
                                                 *gradLoss / (temperature * N));
    }
    agree += std::max_element(s.begin(), s.end()) - s.begin() ==
             std::max_element(t.begin(), t.end()) - t.begin();
  }
  if (!dstudent) {
    *loss = static_cast<float>(total / N);
    *agreement = static_cast<float>(agree / N);
  }
}

// --- optimizer ----------------------------------------------------------------------------

inline float learningRate(double peak, double step, double warmup, double total) {
  if (step < warmup)
    return static_cast<float>(peak * step / warmup);
  double decay = total - warmup;
  if (decay <= 0)
    return 0.f;
  double progress = std::min(step - warmup, decay) / decay;
  return static_cast<float>(peak * 0.5 * (1.0 + std::cos(M_PI * progress)));
}

/// LARS (lars = true) or momentum SGD for one parameter of n elements.
inline void update(bool lars, const float *w, const float *g, const float *v, i64 n, double lr,
                   double momentum, double weightDecay, double trustCoefficient, bool exclude,
                   bool nesterov, float *newW, float *newV) {
  double wn = 0, gn = 0;
  for (i64 i = 0; i < n; ++i) {
    double gi = g[i] + (exclude ? 0.0 : weightDecay * w[i]);
    wn += double(w[i]) * w[i];
    gn += gi * gi;
  }
  double trust = 1.0;
  if (lars && !exclude && wn > 0 && gn > 0)
    trust = trustCoefficient * std::sqrt(wn) / std::sqrt(gn);
#pragma omp parallel for
  for (i64 i = 0; i < n; ++i) {
    double gi = g[i] + (exclude ? 0.0 : weightDecay * w[i]);
    if (lars) {
      double vi = momentum * v[i] + lr * trust * gi;
      newV[i] = static_cast<float>(vi);
      newW[i] = static_cast<float>(w[i] - (nesterov ? momentum * vi + lr * trust * gi : vi));
    } else {
      double vi = momentum * v[i] + gi;
      newV[i] = static_cast<float>(vi);
      newW[i] = static_cast<float>(w[i] - lr * (nesterov ? gi + momentum * vi : vi));
    }
  }
}

} // namespace simclr_kernels

#endif // SIMCLR_RUNTIME_CPU_KERNELLIBRARY_H
