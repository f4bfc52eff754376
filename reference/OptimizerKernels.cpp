//===- OptimizerKernels.cpp - reference kernels of the optimizer ops -------===//
//
// The learning-rate schedule and the LARS and momentum updates, as SimclrOptimizerOps.td
// defines them (after the SimCLR reference code), in double precision.
//
//===----------------------------------------------------------------------===//

#include "reference/KernelHelpers.h"
#include "reference/Kernels.h"

#include <cmath>

namespace mlir::simclr::reference {

double learningRate(double peak, double step, double warmupSteps, double totalSteps) {
  if (step < warmupSteps)
    return peak * step / warmupSteps;
  double decay = totalSteps - warmupSteps;
  if (decay <= 0)
    return 0.0;
  double progress = std::min(step - warmupSteps, decay) / decay;
  return peak * 0.5 * (1.0 + std::cos(M_PI * progress));
}

namespace {
double norm(const std::vector<double> &values) {
  double sum = 0;
  for (double v : values)
    sum += v * v;
  return std::sqrt(sum);
}

/// g + weight_decay * w, unless excluded.
std::vector<double> decayed(const Array &w, const Array &g, double weightDecay, bool exclude) {
  std::vector<double> out = g.data;
  if (!exclude)
    for (size_t i = 0; i < out.size(); ++i)
      out[i] += weightDecay * w.data[i];
  return out;
}
} // namespace

Arrays larsUpdate(const Array &w, const Array &g, const Array &v, double lr, double momentum,
                  double weightDecay, double trustCoefficient, bool exclude, bool noAdaptation,
                  bool nesterov) {
  std::vector<double> grad = decayed(w, g, weightDecay, exclude);
  double trust = 1.0;
  if (!exclude && !noAdaptation) {
    double wNorm = norm(w.data), gNorm = norm(grad);
    if (wNorm > 0 && gNorm > 0)
      trust = trustCoefficient * wNorm / gNorm;
  }
  double scaled = lr * trust;
  Array newW(w.shape), newV(v.shape);
  for (int64_t i = 0; i < w.size(); ++i) {
    newV.data[i] = momentum * v.data[i] + scaled * grad[i];
    double update = nesterov ? momentum * newV.data[i] + scaled * grad[i] : newV.data[i];
    newW.data[i] = w.data[i] - update;
  }
  return {newW, newV};
}

Arrays momentumUpdate(const Array &w, const Array &g, const Array &v, double lr,
                      double momentum, double weightDecay, bool exclude, bool nesterov) {
  std::vector<double> grad = decayed(w, g, weightDecay, exclude);
  Array newW(w.shape), newV(v.shape);
  for (int64_t i = 0; i < w.size(); ++i) {
    newV.data[i] = momentum * v.data[i] + grad[i];
    double direction = nesterov ? grad[i] + momentum * newV.data[i] : newV.data[i];
    newW.data[i] = w.data[i] - lr * direction;
  }
  return {newW, newV};
}

} // namespace mlir::simclr::reference
