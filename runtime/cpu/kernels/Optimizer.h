//===- Optimizer.h - learning-rate schedule, LARS and momentum updates -*- C++ -*-===//
//
// Part of the float32 building blocks of generated CPU kernels (one header per kernel
// family; runtime/cpu/KernelBuild.cpp lists them). Self-contained: standard library and
// OpenMP only. Semantics are those of the ops in dialects/simclr/IR/SimclrOps.td;
// test/unit/CpuKernelsTest.cpp compares every generated kernel with the reference.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CPU_KERNELS_OPTIMIZER_H
#define SIMCLR_RUNTIME_CPU_KERNELS_OPTIMIZER_H

#include "runtime/cpu/kernels/Common.h"

#include <algorithm>
#include <cmath>

namespace simclr_kernels {

inline float learningRate(double peak, double step, double warmup, double total) {
  if (step < warmup)
    return static_cast<float>(peak * step / warmup);
  double decay = total - warmup;
  if (decay <= 0)
    return 0.f;
  double progress = std::min(step - warmup, decay) / decay;
  return static_cast<float>(peak * 0.5 * (1.0 + std::cos(M_PI * progress)));
}

/// LARS (lars = true) or momentum SGD for one parameter of n elements. weightDecay is 0 for a
/// parameter excluded from decay; adapt says whether LARS scales the step by its trust ratio.
inline void update(bool lars, const float *w, const float *g, const float *v, i64 n, double lr,
                   double momentum, double weightDecay, double trustCoefficient, bool adapt,
                   bool nesterov, float *newW, float *newV) {
  double wn = 0, gn = 0;
  for (i64 i = 0; i < n; ++i) {
    double gi = g[i] + weightDecay * w[i];
    wn += double(w[i]) * w[i];
    gn += gi * gi;
  }
  double trust = 1.0;
  if (lars && adapt && wn > 0 && gn > 0)
    trust = trustCoefficient * std::sqrt(wn) / std::sqrt(gn);
#pragma omp parallel for
  for (i64 i = 0; i < n; ++i) {
    double gi = g[i] + weightDecay * w[i];
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

#endif // SIMCLR_RUNTIME_CPU_KERNELS_OPTIMIZER_H
