//===- Reductions.h - sums, means and maxima over axes -*- C++ -*-===//
//
// Part of the float32 building blocks of generated CPU kernels (one header per kernel
// family; runtime/cpu/KernelBuild.cpp lists them). Self-contained: standard library and
// OpenMP only. Semantics are those of the ops in dialects/simclr/IR/SimclrOps.td;
// test/unit/CpuKernelsTest.cpp compares every generated kernel with the reference.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CPU_KERNELS_REDUCTIONS_H
#define SIMCLR_RUNTIME_CPU_KERNELS_REDUCTIONS_H

#include "runtime/cpu/kernels/Common.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace simclr_kernels {

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
  // Reduced outer axes, a kept block, reduced inner axes (per-channel sums of NCHW
  // activations: axes [0, 2, 3]): y[j] = reduce over x[(g * outputs + j) * inner + i], in
  // parallel over j.
  int keptBegin = 0, keptEnd = rank;
  while (keptBegin < rank && reduced[keptBegin])
    ++keptBegin;
  while (keptEnd > keptBegin && reduced[keptEnd - 1])
    --keptEnd;
  bool middle = keptBegin < keptEnd;
  for (int d = keptBegin; d < keptEnd; ++d)
    middle = middle && !reduced[d];
  if (middle) {
    i64 outer = 1, inner = 1;
    for (int d = 0; d < keptBegin; ++d)
      outer *= xs[d];
    for (int d = keptEnd; d < rank; ++d)
      inner *= xs[d];
#pragma omp parallel for
    for (i64 j = 0; j < outputs; ++j) {
      double acc = kind == 2 ? -INFINITY : 0.0;
      for (i64 g = 0; g < outer; ++g) {
        const float *row = x + (g * outputs + j) * inner;
        if (kind == 2) {
          for (i64 i = 0; i < inner; ++i)
            acc = std::max(acc, double(row[i]));
        } else {
          double partial = 0.0;
          for (i64 i = 0; i < inner; ++i)
            partial += row[i];
          acc += partial;
        }
      }
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

} // namespace simclr_kernels

#endif // SIMCLR_RUNTIME_CPU_KERNELS_REDUCTIONS_H
