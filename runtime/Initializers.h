//===- Initializers.h - initial values of parameters and state --*- C++ -*-===//
//
// The initializers a simclr.parameter / simclr.state names, as the reference code has them:
// zeros, ones, normal(std) and TensorFlow's default VarianceScaling (scale 1, fan-in,
// truncated normal). Values depend only on the seed, the variable's name and its shape:
// not on declaration order, and not on the C++ library (the normal draws are an explicit
// Box-Muller over a 64-bit Mersenne Twister).
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_INITIALIZERS_H
#define SIMCLR_RUNTIME_INITIALIZERS_H

#include "runtime/support/Error.h"

#include <cstdint>
#include <string_view>
#include <vector>

namespace mlir::simclr::runtime {

/// Fan-in of a weight: in_features for [out, in], in_channels * kh * kw for OIHW.
int64_t fanIn(const std::vector<int64_t> &shape);

/// The seed of the draws of the variable `name` in a run seeded with `seed`. It is the
/// number LLVM's `hash_combine(seed, name)` gives (the runtime used that function when it
/// linked LLVM), so that a seed draws the same weights as it always has.
uint64_t variableSeed(uint64_t seed, std::string_view name);

/// Initial values of the variable `name` of `shape` for `init` (zeros, ones, normal with
/// `std`, variance_scaling).
Expected<std::vector<double>> initialValues(std::string_view name, std::string_view init,
                                            const std::vector<int64_t> &shape, double std,
                                            uint64_t seed);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_INITIALIZERS_H
