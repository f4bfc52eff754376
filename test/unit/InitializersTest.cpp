//===- InitializersTest.cpp - initial values: statistics and determinism --===//

#include "runtime/Initializers.h"

#include "llvm/ADT/Hashing.h"
#include "llvm/ADT/StringRef.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>

using namespace mlir::simclr::runtime;

namespace {

std::vector<double> values(const std::string &name, const std::string &init,
                           std::vector<int64_t> shape, double std = 0.0, uint64_t seed = 1) {
  auto v = initialValues(name, init, shape, std, seed);
  EXPECT_TRUE(static_cast<bool>(v)) << v.errorMessage();
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
  EXPECT_EQ(v.errorMessage(), "variable 'w' has unknown initializer 'xavier'");
}

// The runtime draws each variable's values from a seed that LLVM's hash_combine(seed,
// name) gave when the runtime linked LLVM; its own hash must give the same number, so that
// a seed keeps drawing the same weights. Names of every length the hash treats apart
// (0-3, 4-8, 9-16, 17-32, 33-64 bytes, longer than one and several 64-byte blocks).
TEST(Initializers, VariableSeedsAreLlvmsHashCombine) {
  std::mt19937_64 random(5);
  int checked = 0;
  for (size_t length = 0; length <= 200; ++length)
    for (int trial = 0; trial < 5; ++trial) {
      std::string name(length, ' ');
      for (char &c : name)
        c = char(32 + random() % 95);
      uint64_t seed = trial == 0 ? 1 : random();
      EXPECT_EQ(variableSeed(seed, name),
                uint64_t(size_t(llvm::hash_combine(seed, llvm::StringRef(name)))))
          << "name of " << length << " bytes, seed " << seed;
      ++checked;
    }
  EXPECT_EQ(checked, 1005);
  EXPECT_EQ(variableSeed(1, "conv1.weight"),
            uint64_t(size_t(llvm::hash_combine(uint64_t(1), llvm::StringRef("conv1.weight")))));
}

} // namespace
