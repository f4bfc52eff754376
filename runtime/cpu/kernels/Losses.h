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
/// gradient `gradLoss` instead of the loss and accuracy. With `replica` non-null, the N
/// images are `replicas` replicas' slices of B = N / replicas, and only the 2B rows of
/// replica *replica's slice are scored (against all 2N columns), their mean taken over B;
/// the gradient still reaches every row of z. With `negatives` non-null, K more columns:
/// the rows of a memory [K, D], an all-zero row an empty slot that is left out; the memory
/// gets no gradient. (The defaults: modules compiled before the memory existed.)
inline void ntXent(const float *z, i64 rows, i64 D, double temperature, float *loss,
                   float *accuracy, const float *gradLoss, float *dz, const int32_t *replica,
                   i64 replicas, const float *negatives = nullptr, i64 K = 0) {
  i64 N = rows / 2, B = N / replicas, first = replica ? *replica * B : 0;
  if (!negatives)
    K = 0;
  i64 cols = rows + K; // z's rows, then the memory's
  // The scored rows: q in [0, 2B) is row rowOf(q) of z; scoredIndex(a) is -1 for the rest.
  auto rowOf = [&](i64 q) { return (q / B) * N + first + q % B; };
  auto scoredIndex = [&](i64 a) {
    i64 i = a % N - first;
    return i >= 0 && i < B ? (a / N) * B + i : -1;
  };
  auto column = [&](i64 j) { return j < rows ? z + j * D : negatives + (j - rows) * D; };
  std::vector<char> filled(K);
  for (i64 k = 0; k < K; ++k)
    filled[k] = std::any_of(negatives + k * D, negatives + (k + 1) * D,
                            [](float v) { return v != 0.f; });
  // Similarities of the scored rows with every column, as float dot products (rows are
  // unit vectors), in parallel; an empty slot's is -inf, so its softmax weight is 0.
  std::vector<float> sim(2 * B * cols);
  float inverseTemperature = static_cast<float>(1.0 / temperature);
#pragma omp parallel for
  for (i64 q = 0; q < 2 * B; ++q)
    for (i64 j = 0; j < cols; ++j) {
      if (j >= rows && !filled[j - rows]) {
        sim[q * cols + j] = -INFINITY;
        continue;
      }
      const float *a = z + rowOf(q) * D, *b = column(j);
      float s = 0.f;
#pragma omp simd reduction(+ : s)
      for (i64 k = 0; k < D; ++k)
        s += a[k] * b[k];
      sim[q * cols + j] = s * inverseTemperature;
    }
  // Each scored row is one softmax over 2N + K logits (the other view's N, then its own
  // view's N with itself masked, then the memory's K); rows are independent, so they run
  // in parallel.
  std::vector<double> coef(dz ? 2 * B * cols : 0, 0.0); // d loss / d sim
  double total = 0, correct = 0;
  for (i64 side = 0; side < 2; ++side) {
    i64 self = side * N, other = (1 - side) * N;
#pragma omp parallel for reduction(+ : total, correct)
    for (i64 b = 0; b < B; ++b) {
      i64 q = side * B + b, i = first + b; // scored row q is image i
      std::vector<double> logits(2 * N + K);
      const float *row = sim.data() + q * cols;
      for (i64 j = 0; j < N; ++j) {
        logits[j] = row[other + j];
        logits[N + j] = row[self + j] - (i == j ? 1e9 : 0.0);
      }
      for (i64 k = 0; k < K; ++k)
        logits[2 * N + k] = row[rows + k];
      double lse = logSumExp(logits.data(), 2 * N + K);
      total += lse - logits[i];
      if (side == 0)
        correct += std::max_element(logits.begin(), logits.begin() + N) - logits.begin() == i;
      if (dz) {
        double *c = coef.data() + q * cols;
        for (i64 j = 0; j < N; ++j) {
          c[other + j] += std::exp(logits[j] - lse) - (i == j ? 1.0 : 0.0);
          c[self + j] += std::exp(logits[N + j] - lse);
        }
        for (i64 k = 0; k < K; ++k)
          c[rows + k] = std::exp(logits[2 * N + k] - lse);
      }
    }
  }
  if (!dz) {
    *loss = static_cast<float>(total / B);
    *accuracy = static_cast<float>(correct / B);
    return;
  }
  // dz = g (C + C^T) z over the scored rows' coefficients, row by row with the feature
  // dimension innermost; a pair of unscored rows has none. A scored row also gets its
  // memory columns' coefficients times the memory's rows.
  double g = *gradLoss / (temperature * B);
#pragma omp parallel for
  for (i64 a = 0; a < rows; ++a) {
    std::vector<double> acc(D, 0.0);
    i64 qa = scoredIndex(a);
    for (i64 j = 0; j < rows; ++j) {
      i64 qj = scoredIndex(j);
      if (qa < 0 && qj < 0)
        continue;
      double c = (qa >= 0 ? coef[qa * cols + j] : 0.0) + (qj >= 0 ? coef[qj * cols + a] : 0.0);
      const float *zj = z + j * D;
      for (i64 k = 0; k < D; ++k)
        acc[k] += c * zj[k];
    }
    for (i64 j = rows; qa >= 0 && j < cols; ++j) {
      double c = coef[qa * cols + j];
      if (c == 0.0)
        continue;
      const float *m = column(j);
      for (i64 k = 0; k < D; ++k)
        acc[k] += c * m[k];
    }
    for (i64 k = 0; k < D; ++k)
      dz[a * D + k] = static_cast<float>(g * acc[k]);
  }
}

/// Cross entropy of logits [N, C] against class indices (labels, int32) or distributions
/// (targets, float). With dlogits non-null, writes the gradient instead. A negative index
/// marks an unlabelled row: the means are over the labelled rows (0 when there are none).
inline void crossEntropy(const float *logits, i64 N, i64 C, const int32_t *labels,
                         const float *targets, float *loss, float *accuracy,
                         const float *gradLoss, float *dlogits) {
  double total = 0, correct = 0, rows = double(N);
  if (labels)
    rows = double(std::count_if(labels, labels + N, [](int32_t label) { return label >= 0; }));
  std::vector<double> row(C);
  for (i64 n = 0; n < N; ++n) {
    if (labels && labels[n] < 0) {
      if (dlogits)
        std::fill(dlogits + n * C, dlogits + (n + 1) * C, 0.0f);
      continue;
    }
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
        dlogits[n * C + c] = static_cast<float>((std::exp(row[c] - lse) * mass - t) * *gradLoss / rows);
      }
  }
  if (!dlogits) {
    *loss = static_cast<float>(rows > 0 ? total / rows : 0.0);
    *accuracy = static_cast<float>(rows > 0 ? correct / rows : 0.0);
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
