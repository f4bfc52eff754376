//===- LibraryCallsTest.cpp - oneDNN library calls vs the reference --------===//
//
// Each CPU library call (float32, oneDNN) against the float64 reference evaluator on the
// same random data: forward convolution, its input and filter gradients, and GEMMs.
//
//===----------------------------------------------------------------------===//

#include "frontend/LoadModule.h"
#include "runtime/cpu/LibraryCalls.h"
#include "runtime/cpu/kernels/Common.h"
#include "reference/Evaluator.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

using namespace mlir;
using namespace mlir::simclr;
using reference::Array;

namespace {

std::string tensorType(const std::vector<int64_t> &shape) {
  std::string t = "tensor<";
  for (int64_t d : shape)
    t += std::to_string(d) + "x";
  return t + "f32>";
}

/// Runs `op` (one line defining %r from %a0, %a1) with the reference evaluator.
Array reference(const std::string &op, const std::vector<Array> &args,
                const std::vector<int64_t> &result) {
  std::string params;
  for (size_t i = 0; i < args.size(); ++i)
    params += (i ? ", %a" : "%a") + std::to_string(i) + ": " + tensorType(args[i].shape);
  std::string text = "func.func @f(" + params + ") -> " + tensorType(result) + " {\n  " + op +
                     "\n  return %r : " + tensorType(result) + "\n}\n";
  MLIRContext context;
  frontend::loadModuleDialects(context);
  auto module = parseSourceString<ModuleOp>(text, &context);
  EXPECT_TRUE(module) << text;
  reference::Evaluator evaluator(*module);
  auto results = evaluator.run("f", args);
  EXPECT_TRUE(static_cast<bool>(results)) << llvm::toString(results.takeError());
  return results ? (*results)[0] : Array();
}

Array random(std::vector<int64_t> shape, std::mt19937 &rng) {
  Array a(std::move(shape));
  std::normal_distribution<double> dist;
  for (double &v : a.data)
    v = static_cast<float>(dist(rng)); // representable in float32 exactly
  return a;
}

std::vector<float> floats(const Array &a) { return std::vector<float>(a.data.begin(), a.data.end()); }

void expectClose(const std::vector<float> &got, const Array &want, const char *what) {
  ASSERT_EQ(got.size(), want.data.size()) << what;
  double scale = 1.0, error = 0.0;
  for (double v : want.data)
    scale = std::max(scale, std::fabs(v));
  for (size_t i = 0; i < got.size(); ++i)
    error = std::max(error, std::fabs(got[i] - want.data[i]));
  EXPECT_LT(error / scale, 1e-5) << what;
}

struct ConvCase {
  const char *name;
  cpu::Convolution conv;
};

std::string attributes(const cpu::Convolution &c) {
  return " stride [" + std::to_string(c.stride[0]) + ", " + std::to_string(c.stride[1]) +
         "] padding [" + std::to_string(c.padding[0]) + ", " + std::to_string(c.padding[1]) +
         ", " + std::to_string(c.padding[2]) + ", " + std::to_string(c.padding[3]) +
         "] {dilation = array<i64: " + std::to_string(c.dilation[0]) + ", " +
         std::to_string(c.dilation[1]) + ">, groups = " + std::to_string(c.groups) +
         (c.channelsLast ? ", channels_last" : "") + "} : ";
}

/// An NCHW (OIHW) shape as a channels-last convolution stores it: NHWC (OHWI).
std::vector<int64_t> stored(std::vector<int64_t> s, bool channelsLast) {
  return channelsLast ? std::vector<int64_t>{s[0], s[2], s[3], s[1]} : s;
}

// In both layouts: NCHW with OIHW filters, and channels last (oneDNN's nhwc and ohwi /
// gohwi memory) against the evaluator's channels_last ops.
TEST(LibraryCalls, ConvolutionsMatchTheReference) {
  const ConvCase cases[] = {
      {"stride 2, asymmetric padding", {2, 3, 9, 8, 4, 3, 3, 5, 4, {2, 2}, {1, 0, 2, 1}}},
      {"groups and dilation", {2, 4, 8, 8, 6, 3, 3, 8, 8, {1, 1}, {2, 2, 2, 2}, {2, 2}, 2}},
      {"7x7 stem", {1, 3, 16, 16, 8, 7, 7, 8, 8, {2, 2}, {3, 3, 3, 3}}},
      {"strided 1x1 shortcut", {2, 8, 6, 6, 4, 1, 1, 3, 3, {2, 2}, {0, 0, 0, 0}}},
  };
  cpu::LibraryCalls library;
  std::mt19937 rng(3);
  for (bool channelsLast : {false, true})
  for (const ConvCase &c : cases) {
    SCOPED_TRACE(std::string(c.name) + (channelsLast ? ", channels last" : ""));
    cpu::Convolution k = c.conv;
    k.channelsLast = channelsLast;
    std::vector<int64_t> xs = stored({k.batch, k.inChannels, k.inHeight, k.inWidth}, channelsLast);
    std::vector<int64_t> ws = stored(
        {k.outChannels, k.inChannels / k.groups, k.kernelHeight, k.kernelWidth}, channelsLast);
    std::vector<int64_t> ys =
        stored({k.batch, k.outChannels, k.outHeight, k.outWidth}, channelsLast);
    Array x = random(xs, rng), w = random(ws, rng), dy = random(ys, rng);

    std::vector<float> y(dy.data.size());
    library.convolution(k, floats(x).data(), floats(w).data(), y.data());
    expectClose(y,
                reference("%r = simclr.conv2d %a0, %a1" + attributes(k) + tensorType(xs) + ", " +
                              tensorType(ws) + " -> " + tensorType(ys),
                          {x, w}, ys),
                "forward");
    std::vector<float> dx(x.data.size());
    library.convolutionBackwardInput(k, floats(dy).data(), floats(w).data(), dx.data());
    expectClose(dx,
                reference("%r = simclr.conv2d_backward_input %a0, %a1" + attributes(k) +
                              tensorType(ys) + ", " + tensorType(ws) + " -> " + tensorType(xs),
                          {dy, w}, xs),
                "input gradient");
    std::vector<float> dw(w.data.size());
    library.convolutionBackwardFilter(k, floats(x).data(), floats(dy).data(), dw.data());
    expectClose(dw,
                reference("%r = simclr.conv2d_backward_filter %a0, %a1" + attributes(k) +
                              tensorType(xs) + ", " + tensorType(ys) + " -> " + tensorType(ws),
                          {x, dy}, ws),
                "filter gradient");
  }
}

TEST(LibraryCalls, MatmulsMatchTheReference) {
  cpu::LibraryCalls library;
  std::mt19937 rng(5);
  const int64_t m = 5, n = 7, k = 6;
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      SCOPED_TRACE(std::string("transpose_a=") + (ta ? "1" : "0") + " transpose_b=" +
                   (tb ? "1" : "0"));
      std::vector<int64_t> as = ta ? std::vector<int64_t>{k, m} : std::vector<int64_t>{m, k};
      std::vector<int64_t> bs = tb ? std::vector<int64_t>{n, k} : std::vector<int64_t>{k, n};
      Array a = random(as, rng), b = random(bs, rng);
      std::vector<float> c(m * n);
      library.matmul({m, n, k, ta, tb}, floats(a).data(), floats(b).data(), nullptr, c.data());
      std::string flags = ta && tb ? " {transpose_a, transpose_b}"
                          : ta     ? " {transpose_a}"
                          : tb     ? " {transpose_b}"
                                   : "";
      expectClose(c,
                  reference("%r = simclr.matmul %a0, %a1" + flags + " : " + tensorType(as) +
                                ", " + tensorType(bs) + " -> " + tensorType({m, n}),
                            {a, b}, {m, n}),
                  "matmul");
    }
  // simclr.dense: x w^T + bias.
  Array x = random({m, k}, rng), w = random({n, k}, rng), bias = random({n}, rng);
  std::vector<float> y(m * n);
  library.matmul({m, n, k, false, true}, floats(x).data(), floats(w).data(), floats(bias).data(),
                 y.data());
  expectClose(y,
              reference("%r = simclr.dense %a0, %a1, %a2 : " + tensorType({m, k}) + ", " +
                            tensorType({n, k}) + ", " + tensorType({n}) + " -> " +
                            tensorType({m, n}),
                        {x, w, bias}, {m, n}),
              "dense");
}

} // namespace

namespace {

/// `a` rounded to bfloat16, as the buffers of a bf16 step hold it, and the same values as
/// the reference's doubles.
std::vector<simclr_kernels::bf16> bf16s(const Array &a) {
  return std::vector<simclr_kernels::bf16>(a.data.begin(), a.data.end());
}
Array rounded(const Array &a) {
  Array r = a;
  for (double &v : r.data)
    v = float(simclr_kernels::bf16(float(v)));
  return r;
}
std::vector<float> widened(const std::vector<simclr_kernels::bf16> &v) {
  return std::vector<float>(v.begin(), v.end());
}

/// bf16 results against float64 sums of the same bf16 operands: the library sums in
/// float32, so what is left is the result's own rounding (2^-9 relative, at most).
void expectCloseBf16(const std::vector<float> &got, const Array &want, const char *what) {
  ASSERT_EQ(got.size(), want.data.size()) << what;
  size_t off = 0;
  double worst = 0.0;
  for (size_t i = 0; i < got.size(); ++i) {
    float exact = float(simclr_kernels::bf16(float(want.data[i])));
    if (got[i] != exact)
      off += 1;
    worst = std::max(worst, std::fabs(got[i] - want.data[i]) / std::max(1.0, std::fabs(want.data[i])));
  }
  // Rounded to the nearest bf16 of the exact sum (float32 sums can straddle a boundary in
  // a few places; a library that truncated would be off in about half).
  EXPECT_LE(off, got.size() / 100) << what;
  EXPECT_LT(worst, 1.0 / 256) << what;
}

// The bf16 library calls of a bf16 step (oneDNN, bf16 operands and results, f32 sums).
TEST(LibraryCalls, Bf16ConvolutionsAndProductsMatchTheReference) {
  cpu::LibraryCalls library;
  std::mt19937 rng(7);
  cpu::Convolution k{2, 8, 9, 8, 16, 3, 3, 5, 4, {2, 2}, {1, 0, 2, 1}};
  k.bf16 = true;
  std::vector<int64_t> xs = {k.batch, k.inChannels, k.inHeight, k.inWidth};
  std::vector<int64_t> ws = {k.outChannels, k.inChannels, k.kernelHeight, k.kernelWidth};
  std::vector<int64_t> ys = {k.batch, k.outChannels, k.outHeight, k.outWidth};
  Array x = rounded(random(xs, rng)), w = rounded(random(ws, rng)), dy = rounded(random(ys, rng));
  auto xb = bf16s(x), wb = bf16s(w), dyb = bf16s(dy);

  std::vector<simclr_kernels::bf16> y(dy.data.size()), dx(x.data.size()), dw(w.data.size());
  library.convolution(k, xb.data(), wb.data(), y.data());
  expectCloseBf16(widened(y),
                  reference("%r = simclr.conv2d %a0, %a1" + attributes(k) + tensorType(xs) +
                                ", " + tensorType(ws) + " -> " + tensorType(ys),
                            {x, w}, ys),
                  "forward");
  library.convolutionBackwardInput(k, dyb.data(), wb.data(), dx.data());
  expectCloseBf16(widened(dx),
                  reference("%r = simclr.conv2d_backward_input %a0, %a1" + attributes(k) +
                                tensorType(ys) + ", " + tensorType(ws) + " -> " + tensorType(xs),
                            {dy, w}, xs),
                  "input gradient");
  library.convolutionBackwardFilter(k, xb.data(), dyb.data(), dw.data());
  expectCloseBf16(widened(dw),
                  reference("%r = simclr.conv2d_backward_filter %a0, %a1" + attributes(k) +
                                tensorType(xs) + ", " + tensorType(ys) + " -> " + tensorType(ws),
                            {x, dy}, ws),
                  "filter gradient");

  const int64_t m = 24, n = 40, kk = 72;
  Array a = rounded(random({kk, m}, rng)), b = rounded(random({kk, n}, rng));
  auto ab = bf16s(a), bb = bf16s(b);
  std::vector<simclr_kernels::bf16> c(m * n);
  runtime::MatrixProduct product{m, n, kk, true, false};
  product.bf16 = true;
  library.matmul(product, ab.data(), bb.data(), nullptr, c.data());
  expectCloseBf16(widened(c),
                  reference("%r = simclr.matmul %a0, %a1 {transpose_a} : " + tensorType({kk, m}) +
                                ", " + tensorType({kk, n}) + " -> " + tensorType({m, n}),
                            {a, b}, {m, n}),
                  "matmul");
  Array xd = rounded(random({m, kk}, rng)), wd = rounded(random({n, kk}, rng)),
        bias = rounded(random({n}, rng));
  auto xdb = bf16s(xd), wdb = bf16s(wd), biasb = bf16s(bias);
  runtime::MatrixProduct dense{m, n, kk, false, true};
  dense.bf16 = true;
  library.matmul(dense, xdb.data(), wdb.data(), biasb.data(), c.data());
  expectCloseBf16(widened(c),
                  reference("%r = simclr.dense %a0, %a1, %a2 : " + tensorType({m, kk}) + ", " +
                                tensorType({n, kk}) + ", " + tensorType({n}) + " -> " +
                                tensorType({m, n}),
                            {xd, wd, bias}, {m, n}),
                  "dense");
}

} // namespace

namespace {

float bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// The kernels' bf16 (runtime/cpu/kernels/Common.h): nearest, ties to even, NaN kept, too
// large for bf16 rounds to infinity; reading back is exact.
TEST(Bf16, RoundsToTheNearestTiesToEven) {
  using simclr_kernels::bf16;
  EXPECT_EQ(float(bf16(1.0f)), 1.0f);
  EXPECT_EQ(float(bf16(1.0f + 0x1p-8f)), 1.0f);                   // tie: to even (1.0)
  EXPECT_EQ(float(bf16(1.0f + 3 * 0x1p-8f)), 1.0f + 0x1p-6f);     // tie: to even (up)
  EXPECT_EQ(float(bf16(1.0f + 0x1p-8f + 0x1p-20f)), 1.0f + 0x1p-7f); // above the tie: up
  EXPECT_EQ(float(bf16(-1.0f - 0x1p-8f - 0x1p-20f)), -1.0f - 0x1p-7f);
  EXPECT_EQ(float(bf16(bits(0x7f7fffffu))), INFINITY);            // the largest float
  EXPECT_EQ(float(bf16(INFINITY)), INFINITY);
  EXPECT_TRUE(std::isnan(float(bf16(NAN))));
  EXPECT_TRUE(std::isnan(float(bf16(bits(0x7f800001u))))); // a NaN whose payload is low bits
  EXPECT_EQ(float(bf16(bits(0x00000001u))), 0.0f);           // the smallest subnormal
  EXPECT_EQ(bf16(3.140625f).bits, 0x4049u);                  // exact in bf16
}

} // namespace
