//===- NaiveLibraryTest.cpp - the GPU checks' float64 loops vs the CPU runtime ===//
//
// The GPU tests judge cuDNN and cuBLASLt by test/gpu/NaiveLibrary.h's loops on
// test/gpu/LibraryShapes.h; here those loops are checked against the CPU runtime's oneDNN
// calls (themselves checked against the reference evaluator, LibraryCallsTest.cpp), so that
// a wrong loop cannot fail or pass a GPU.
//
//===----------------------------------------------------------------------===//

#include "ErrorMeasures.h"
#include "LibraryShapes.h"
#include "NaiveLibrary.h"
#include "runtime/cpu/LibraryCalls.h"

#include <gtest/gtest.h>

using namespace mlir::simclr;

namespace {

TEST(NaiveLibrary, ConvolutionsAgreeWithTheCpuRuntime) {
  cpu::LibraryCalls calls;
  std::mt19937 rng(9);
  for (const runtime::Convolution &c : test::convolutionShapes()) {
    SCOPED_TRACE(std::to_string(c.inChannels) + " -> " + std::to_string(c.outChannels) +
                 " groups " + std::to_string(c.groups) + " dilation " +
                 std::to_string(c.dilation[0]));
    auto x = test::randomValues(test::inputElements(c), rng);
    auto w = test::randomValues(test::filterElements(c), rng);
    auto dy = test::randomValues(test::outputElements(c), rng);
    std::vector<float> y(dy.size()), dx(x.size()), dw(w.size());
    calls.convolution(c, x.data(), w.data(), y.data());
    calls.convolutionBackwardInput(c, dy.data(), w.data(), dx.data());
    calls.convolutionBackwardFilter(c, x.data(), dy.data(), dw.data());
    EXPECT_LT(test::normError(y, test::naiveConvolution(c, x, w)), 1e-6);
    EXPECT_LT(test::normError(dx, test::naiveConvolutionBackwardInput(c, dy, w)), 1e-6);
    EXPECT_LT(test::normError(dw, test::naiveConvolutionBackwardFilter(c, x, dy)), 1e-6);
  }
}

TEST(NaiveLibrary, ProductsAgreeWithTheCpuRuntime) {
  cpu::LibraryCalls calls;
  std::mt19937 rng(10);
  for (const test::ProductShape &s : test::productShapes()) {
    const runtime::MatrixProduct &p = s.product;
    auto a = test::randomValues(p.m * p.k, rng);
    auto b = test::randomValues(p.k * p.n, rng);
    auto bias = test::randomValues(p.n, rng);
    std::vector<float> c(size_t(p.m * p.n));
    const float *biasOrNull = s.bias ? bias.data() : nullptr;
    calls.matmul(p, a.data(), b.data(), biasOrNull, c.data());
    EXPECT_LT(test::normError(c, test::naiveProduct(p, a, b, biasOrNull)), 1e-6)
        << p.m << "x" << p.n << "x" << p.k;
  }
}

// The measure itself: a NaN, a wrong size, or any change of an all-zero reference fails.
TEST(NaiveLibrary, ErrorMeasuresRejectWhatTheyShould) {
  EXPECT_EQ(test::normError({1.f, 2.f}, {1.0, 2.0}), 0.0);
  EXPECT_NEAR(test::normError({1.f, 0.f}, {1.0, 1.0}), std::sqrt(0.5), 1e-12);
  EXPECT_TRUE(std::isinf(test::normError({NAN}, {1.0})));
  EXPECT_TRUE(std::isinf(test::normError({1.f}, {1.0, 2.0})));
  EXPECT_TRUE(std::isinf(test::normError({1e-30f}, {0.0})));
  EXPECT_TRUE(std::isinf(test::relativeError({NAN, 1.f}, {1.0, 1.0})));
  EXPECT_NEAR(test::relativeError({0.5f}, {0.0}), 0.5, 1e-12); // at least 1 as the scale
}

} // namespace
