//===- InitializersTest.cpp - initial values: statistics and determinism --===//

#include "runtime/Initializers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

using namespace mlir::simclr::runtime;

namespace {

std::vector<double> values(llvm::StringRef name, llvm::StringRef init,
                           std::vector<int64_t> shape, double std = 0.0, uint64_t seed = 1) {
  auto v = initialValues(name, init, shape, std, seed);
  EXPECT_TRUE(static_cast<bool>(v)) << llvm::toString(v.takeError());
  return v ? *v : std::vector<double>();
}

void meanAndStd(const std::vector<double> &v, double &mean, double &std) {
  mean = std::accumulate(v.begin(), v.end(), 0.0) / v.size();
  double var = 0;
  for (double x : v)
    var += (x - mean) * (x - mean);
  std = std::sqrt(var / v.size());
}

TEST(Initializers, ConstantsAndFanIn) {
  for (double v : values("b", "zeros", {7}))
    EXPECT_EQ(v, 0.0);
  for (double v : values("g", "ones", {7}))
    EXPECT_EQ(v, 1.0);
  EXPECT_EQ(fanIn({128, 64}), 64);         // dense [out, in]
  EXPECT_EQ(fanIn({64, 32, 3, 3}), 288);   // conv OIHW
}

TEST(Initializers, NormalHasTheRequestedSpread) {
  std::vector<double> v = values("head.0.fc.weight", "normal", {100, 200}, 0.01);
  double mean, std;
  meanAndStd(v, mean, std);
  EXPECT_LT(std::fabs(mean), 4 * 0.01 / std::sqrt(v.size()));
  EXPECT_NEAR(std, 0.01, 0.01 * 0.03);
}

TEST(Initializers, VarianceScalingIsATruncatedNormalWithFanInVariance) {
  std::vector<double> v = values("layer1.0.conv2.weight", "variance_scaling", {64, 32, 3, 3});
  double target = std::sqrt(1.0 / 288.0); // TensorFlow: scale 1 / fan_in, after truncation
  double mean, std;
  meanAndStd(v, mean, std);
  EXPECT_NEAR(std, target, target * 0.03);
  EXPECT_LT(std::fabs(mean), 4 * target / std::sqrt(v.size()));
  double bound = 2 * target / 0.87962566103423978; // two stddevs of the untruncated normal
  for (double x : v)
    EXPECT_LE(std::fabs(x), bound);
}

TEST(Initializers, DeterministicPerSeedAndName) {
  auto a = values("conv1.weight", "variance_scaling", {8, 3, 3, 3}, 0.0, 7);
  EXPECT_EQ(a, values("conv1.weight", "variance_scaling", {8, 3, 3, 3}, 0.0, 7));
  EXPECT_NE(a, values("conv2.weight", "variance_scaling", {8, 3, 3, 3}, 0.0, 7));
  EXPECT_NE(a, values("conv1.weight", "variance_scaling", {8, 3, 3, 3}, 0.0, 8));
}

TEST(Initializers, UnknownInitializerIsAnError) {
  auto v = initialValues("w", "xavier", {2, 2}, 0.0, 1);
  ASSERT_FALSE(static_cast<bool>(v));
  EXPECT_EQ(llvm::toString(v.takeError()), "variable 'w' has unknown initializer 'xavier'");
}

} // namespace
