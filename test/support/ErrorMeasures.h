//===- ErrorMeasures.h - how the checks measure a result's error -*- C++ -*-===//
//
// Header-only, so that the GPU tests (which link no compiler) measure as the unit tests do.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_TEST_SUPPORT_ERRORMEASURES_H
#define SIMCLR_TEST_SUPPORT_ERRORMEASURES_H

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace mlir::simclr::test {

/// The largest error of `got` (float32 results) against `want`, relative to the largest
/// magnitude of `want` (at least 1): how every kernel check measures. Infinite for a NaN
/// or a size mismatch.
inline double relativeError(const std::vector<float> &got, const std::vector<double> &want) {
  if (got.size() != want.size())
    return std::numeric_limits<double>::infinity();
  double scale = 1.0, err = 0.0;
  for (double v : want)
    scale = std::max(scale, std::fabs(v));
  for (size_t e = 0; e < got.size(); ++e) {
    double d = std::fabs(double(got[e]) - want[e]);
    if (std::isnan(d)) // NaN never passes
      return std::numeric_limits<double>::infinity();
    err = std::max(err, d);
  }
  return err / scale;
}

/// ||got - want|| / ||want|| in Euclidean norms: how library calls and whole steps are
/// measured. 0 when both are 0; infinite for a NaN, a size mismatch, or any difference
/// from an all-zero `want`.
inline double normError(const std::vector<float> &got, const std::vector<double> &want) {
  if (got.size() != want.size())
    return std::numeric_limits<double>::infinity();
  double diff = 0, ref = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    double d = double(got[i]) - want[i];
    diff += d * d;
    ref += want[i] * want[i];
  }
  if (std::isnan(diff))
    return std::numeric_limits<double>::infinity();
  if (ref == 0)
    return diff > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  return std::sqrt(diff / ref);
}

} // namespace mlir::simclr::test

#endif // SIMCLR_TEST_SUPPORT_ERRORMEASURES_H
