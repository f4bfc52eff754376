//===- Normalization.h - softmax and L2 normalisation along an axis -*- C++ -*-===//
//
// Part of the float32 building blocks of generated CPU kernels (one header per kernel
// family; runtime/cpu/KernelBuild.cpp lists them). Self-contained: standard library and
// OpenMP only. Semantics are those of the ops in dialects/simclr/IR/SimclrOps.td;
// test/unit/CpuKernelsTest.cpp compares every generated kernel with the reference.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CPU_KERNELS_NORMALIZATION_H
#define SIMCLR_RUNTIME_CPU_KERNELS_NORMALIZATION_H

#include "runtime/cpu/kernels/Common.h"

#include <algorithm>
#include <cmath>

namespace simclr_kernels {

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

} // namespace simclr_kernels

#endif // SIMCLR_RUNTIME_CPU_KERNELS_NORMALIZATION_H
