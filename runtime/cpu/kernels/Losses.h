//===- Losses.h - NT-Xent, cross entropy, distillation -*- C++ -*-===//
//
// Part of the float32 building blocks of generated CPU kernels (one header per kernel
// family; runtime/cpu/KernelBuild.cpp lists them). Self-contained: standard library and
// OpenMP only. Semantics are those of the ops in dialects/simclr/IR/SimclrOps.td;
// test/unit/CpuKernelsTest.cpp compares every generated kernel with the reference.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CPU_KERNELS_LOSSES_H
#define SIMCLR_RUNTIME_CPU_KERNELS_LOSSES_H

#include "runtime/cpu/kernels/Common.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace simclr_kernels {

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

} // namespace simclr_kernels

#endif // SIMCLR_RUNTIME_CPU_KERNELS_LOSSES_H
