//===- Initializers.cpp - initial values of parameters and state -----------===//

#include "runtime/Initializers.h"

#include "llvm/ADT/Hashing.h"

#include <cmath>
#include <random>

using namespace mlir::simclr::runtime;

namespace {

/// Standard normal draws: Box-Muller on 53-bit uniforms from a 64-bit Mersenne Twister.
class Normal {
public:
  explicit Normal(uint64_t seed) : engine(seed) {}
  double operator()() {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    double u1 = uniform(), u2 = uniform();
    double radius = std::sqrt(-2.0 * std::log(u1)), angle = 2.0 * M_PI * u2;
    spare = radius * std::sin(angle);
    hasSpare = true;
    return radius * std::cos(angle);
  }

private:
  double uniform() { // in (0, 1]
    return (static_cast<double>(engine() >> 11) + 1.0) * (1.0 / 9007199254740992.0);
  }
  std::mt19937_64 engine;
  double spare = 0;
  bool hasSpare = false;
};

/// TensorFlow's truncated normal rescales its stddev by this factor, the stddev of a unit
/// normal truncated to [-2, 2].
constexpr double kTruncatedNormalStd = 0.87962566103423978;

} // namespace

int64_t mlir::simclr::runtime::fanIn(llvm::ArrayRef<int64_t> shape) {
  int64_t fan = 1;
  for (size_t d = 1; d < shape.size(); ++d)
    fan *= shape[d];
  return shape.size() >= 2 ? fan : std::max<int64_t>(shape.empty() ? 1 : shape[0], 1);
}

llvm::Expected<std::vector<double>>
mlir::simclr::runtime::initialValues(llvm::StringRef name, llvm::StringRef init,
                                     llvm::ArrayRef<int64_t> shape, double std, uint64_t seed) {
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  std::vector<double> values(count, 0.0);
  if (init == "zeros")
    return values;
  if (init == "ones") {
    values.assign(count, 1.0);
    return values;
  }
  Normal normal(llvm::hash_combine(seed, name));
  if (init == "normal") {
    for (double &v : values)
      v = std * normal();
    return values;
  }
  if (init == "variance_scaling") {
    double sigma = std::sqrt(1.0 / static_cast<double>(fanIn(shape))) / kTruncatedNormalStd;
    for (double &v : values) {
      double z;
      do
        z = normal();
      while (std::fabs(z) > 2.0);
      v = sigma * z;
    }
    return values;
  }
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "variable '" + name + "' has unknown initializer '" + init +
                                     "'");
}
