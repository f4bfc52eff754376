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

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace mlir::simclr::runtime {

/// Fan-in of a weight: in_features for [out, in], in_channels * kh * kw for OIHW.
int64_t fanIn(llvm::ArrayRef<int64_t> shape);

/// Initial values of the variable `name` of `shape` for `init` (zeros, ones, normal with
/// `std`, variance_scaling).
llvm::Expected<std::vector<double>> initialValues(llvm::StringRef name, llvm::StringRef init,
                                                  llvm::ArrayRef<int64_t> shape, double std,
                                                  uint64_t seed);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_INITIALIZERS_H
