//===- BatchNorm.h - batch normalisation and its gradients -*- C++ -*-===//
//
// Part of the float32 building blocks of generated CPU kernels (one header per kernel
// family; runtime/cpu/KernelBuild.cpp lists them). Self-contained: standard library and
// OpenMP only. Semantics are those of the ops in dialects/simclr/IR/SimclrOps.td;
// test/unit/CpuKernelsTest.cpp compares every generated kernel with the reference.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CPU_KERNELS_BATCHNORM_H
#define SIMCLR_RUNTIME_CPU_KERNELS_BATCHNORM_H

#include "runtime/cpu/kernels/Common.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace simclr_kernels {

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

/// The sums run over rows in float, vectorised, shifted by the channel's mean (rounded to
/// float) so that they do not cancel, and accumulate in double; dx is then one affine map of
/// dy and x per channel, with its coefficients formed in double.
inline void batchNormTrainBackward(const float *dy, const float *x, i64 N, i64 C, i64 S,
                                   const float *gamma, double epsilon, float *dx,
                                   float *dgamma, float *dbeta) {
  std::vector<double> mean, var;
  batchNormStatistics(x, N, C, S, mean, var);
  double m = double(N * S);
#pragma omp parallel for
  for (i64 c = 0; c < C; ++c) {
    const float shift = static_cast<float>(mean[c]);
    double sumDy = 0, sumDyShifted = 0;
    for (i64 n = 0; n < N; ++n) {
      const float *dyRow = dy + (n * C + c) * S, *xRow = x + (n * C + c) * S;
      float rowDy = 0.f, rowDyShifted = 0.f;
#pragma omp simd reduction(+ : rowDy, rowDyShifted)
      for (i64 s = 0; s < S; ++s) {
        rowDy += dyRow[s];
        rowDyShifted += dyRow[s] * (xRow[s] - shift);
      }
      sumDy += rowDy;
      sumDyShifted += rowDyShifted;
    }
    // sum(dy * xhat), with x - mean = (x - shift) - (mean - shift).
    double inv = 1.0 / std::sqrt(var[c] + epsilon);
    double sumDyXhat = (sumDyShifted - (mean[c] - shift) * sumDy) * inv;
    // dx = gamma * inv * (dy - sumDy / m - xhat * sumDyXhat / m)
    //    = a * dy + b * (x - shift) + d.
    double a = gamma[c] * inv, b = -a * inv * sumDyXhat / m;
    double d = -a * sumDy / m + b * (double(shift) - mean[c]);
    const float af = static_cast<float>(a), bf = static_cast<float>(b),
                df = static_cast<float>(d);
    for (i64 n = 0; n < N; ++n) {
      const float *dyRow = dy + (n * C + c) * S, *xRow = x + (n * C + c) * S;
      float *dxRow = dx + (n * C + c) * S;
#pragma omp simd
      for (i64 s = 0; s < S; ++s)
        dxRow[s] = af * dyRow[s] + bf * (xRow[s] - shift) + df;
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

} // namespace simclr_kernels

#endif // SIMCLR_RUNTIME_CPU_KERNELS_BATCHNORM_H
