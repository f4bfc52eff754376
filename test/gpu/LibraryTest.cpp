//===- LibraryTest.cpp - cuDNN convolutions and cuBLASLt products ----------===//
//
// runtime/cuda/Convolutions.h and Gemm.h on LibraryShapes.h against float64 loops
// (NaiveLibrary.h) and against the CPU runtime's results (simclr-gpu-cases), measured as
// ||gpu - reference|| / ||reference||. Float32 with FMA and no TF32 stays near 1e-7; TF32
// would show near 3e-4.
//
//===----------------------------------------------------------------------===//

#include "ErrorMeasures.h"
#include "GpuTest.h"
#include "LibraryShapes.h"
#include "NaiveLibrary.h"
#include "runtime/Safetensors.h"
#include "runtime/cuda/Convolutions.h"
#include "runtime/cuda/Gemm.h"
#include "runtime/support/Files.h"

using namespace mlir::simclr;
using cuda::Convolutions;
using Direction = cuda::Convolutions::Direction;

namespace {

constexpr double kTolerance = 1e-5;

/// The three results of a convolution on the GPU.
struct ConvolutionResults {
  std::vector<float> y, dx, dw;
};

ConvolutionResults onGpu(Convolutions &convs, const runtime::Convolution &c,
                         const std::vector<float> &x, const std::vector<float> &w,
                         const std::vector<float> &dy) {
  size_t bytes = 0;
  for (Direction d : {Direction::Forward, Direction::BackwardInput, Direction::BackwardFilter}) {
    auto needed = convs.prepare(c, d);
    EXPECT_TRUE(static_cast<bool>(needed)) << needed.errorMessage();
    bytes = std::max(bytes, needed ? *needed : 0);
  }
  test::DeviceBuffer dx_(x), dw_(w), ddy(dy), workspace(bytes);
  test::DeviceBuffer y(dy.size() * sizeof(float)), dx(x.size() * sizeof(float)),
      dw(w.size() * sizeof(float));
  EXPECT_FALSE(static_cast<bool>(convs.forward(c, dx_.data(), dw_.data(), y.data(),
                                               workspace.data(), bytes)));
  EXPECT_FALSE(static_cast<bool>(convs.backwardInput(c, ddy.data(), dw_.data(), dx.data(),
                                                     workspace.data(), bytes)));
  EXPECT_FALSE(static_cast<bool>(convs.backwardFilter(c, dx_.data(), ddy.data(), dw.data(),
                                                      workspace.data(), bytes)));
  return {y.download(dy.size()), dx.download(x.size()), dw.download(w.size())};
}

std::vector<float> onGpu(cuda::Gemm &gemm, const test::ProductShape &shape,
                         const std::vector<float> &a, const std::vector<float> &b,
                         const std::vector<float> &bias) {
  const runtime::MatrixProduct &p = shape.product;
  EXPECT_FALSE(static_cast<bool>(gemm.prepare(p, shape.bias)));
  test::DeviceBuffer da(a), db(b), dbias(bias), c(size_t(p.m * p.n) * sizeof(float));
  EXPECT_FALSE(static_cast<bool>(
      gemm.multiply(p, da.data(), db.data(), shape.bias ? dbias.data() : nullptr, c.data())));
  return c.download(size_t(p.m * p.n));
}

std::string describe(const runtime::Convolution &c) {
  return std::to_string(c.batch) + "x" + std::to_string(c.inChannels) + "x" +
         std::to_string(c.inHeight) + "x" + std::to_string(c.inWidth) + " -> " +
         std::to_string(c.outChannels) + " " + std::to_string(c.kernelHeight) + "x" +
         std::to_string(c.kernelWidth) + " stride " + std::to_string(c.stride[0]) +
         " padding " + std::to_string(c.padding[0]) + " dilation " +
         std::to_string(c.dilation[0]) + " groups " + std::to_string(c.groups);
}

class GpuLibrary : public ::testing::Test {
protected:
  void SetUp() override {
    SIMCLR_REQUIRE_GPU();
    ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
    auto c = Convolutions::create(stream);
    ASSERT_TRUE(static_cast<bool>(c)) << c.errorMessage();
    convs = std::move(*c);
    ASSERT_EQ(cudaMalloc(&gemmWorkspace, cuda::Gemm::kWorkspaceBytes), cudaSuccess);
    auto g = cuda::Gemm::create(stream, gemmWorkspace);
    ASSERT_TRUE(static_cast<bool>(g)) << g.errorMessage();
    gemm = std::move(*g);
  }
  void TearDown() override {
    convs.reset();
    gemm.reset();
    if (gemmWorkspace)
      cudaFree(gemmWorkspace);
    if (stream)
      cudaStreamDestroy(stream);
  }

  cudaStream_t stream = nullptr;
  void *gemmWorkspace = nullptr;
  std::unique_ptr<Convolutions> convs;
  std::unique_ptr<cuda::Gemm> gemm;
};

TEST_F(GpuLibrary, ConvolutionsMatchFloat64Loops) {
  std::mt19937 rng(3);
  for (const runtime::Convolution &c : test::convolutionShapes()) {
    SCOPED_TRACE(describe(c));
    auto x = test::randomValues(test::inputElements(c), rng);
    auto w = test::randomValues(test::filterElements(c), rng);
    auto dy = test::randomValues(test::outputElements(c), rng);
    ConvolutionResults r = onGpu(*convs, c, x, w, dy);
    EXPECT_LT(test::normError(r.y, test::naiveConvolution(c, x, w)), kTolerance) << "y";
    EXPECT_LT(test::normError(r.dx, test::naiveConvolutionBackwardInput(c, dy, w)), kTolerance)
        << "dx";
    EXPECT_LT(test::normError(r.dw, test::naiveConvolutionBackwardFilter(c, x, dy)),
              kTolerance)
        << "dw";
  }
}

// cuDNN on NHWC tensors and OHWI filters (a channels-last module, CUDNN_TENSOR_NHWC): the
// same sums as the NCHW loops, once the results are read back in NCHW order.
TEST_F(GpuLibrary, ChannelsLastConvolutionsMatchFloat64Loops) {
  std::mt19937 rng(6);
  for (runtime::Convolution c : test::convolutionShapes()) {
    SCOPED_TRACE(describe(c) + ", channels last");
    auto x = test::randomValues(test::inputElements(c), rng);
    auto w = test::randomValues(test::filterElements(c), rng);
    auto dy = test::randomValues(test::outputElements(c), rng);
    const int64_t n = c.batch, ci = c.inChannels, co = c.outChannels, cg = ci / c.groups;
    runtime::Convolution last = c;
    last.channelsLast = true;
    ConvolutionResults r =
        onGpu(*convs, last, test::channelsLast(x, n, ci, c.inHeight, c.inWidth),
              test::channelsLast(w, co, cg, c.kernelHeight, c.kernelWidth),
              test::channelsLast(dy, n, co, c.outHeight, c.outWidth));
    auto y = test::channelsLast(r.y, n, co, c.outHeight, c.outWidth, /*back=*/true);
    auto dx = test::channelsLast(r.dx, n, ci, c.inHeight, c.inWidth, true);
    auto dw = test::channelsLast(r.dw, co, cg, c.kernelHeight, c.kernelWidth, true);
    EXPECT_LT(test::normError(y, test::naiveConvolution(c, x, w)), kTolerance) << "y";
    EXPECT_LT(test::normError(dx, test::naiveConvolutionBackwardInput(c, dy, w)), kTolerance)
        << "dx";
    EXPECT_LT(test::normError(dw, test::naiveConvolutionBackwardFilter(c, x, dy)), kTolerance)
        << "dw";
  }
}

TEST_F(GpuLibrary, ProductsMatchFloat64Loops) {
  std::mt19937 rng(4);
  for (const test::ProductShape &s : test::productShapes()) {
    const runtime::MatrixProduct &p = s.product;
    SCOPED_TRACE(std::to_string(p.m) + "x" + std::to_string(p.n) + "x" + std::to_string(p.k) +
                 (p.transposeA ? " A^T" : "") + (p.transposeB ? " B^T" : "") +
                 (s.bias ? " + bias" : ""));
    auto a = test::randomValues(p.m * p.k, rng);
    auto b = test::randomValues(p.k * p.n, rng);
    auto bias = test::randomValues(p.n, rng);
    std::vector<float> c = onGpu(*gemm, s, a, b, bias);
    EXPECT_LT(test::normError(c, test::naiveProduct(p, a, b, s.bias ? bias.data() : nullptr)),
              kTolerance);
  }
}

// The same calls as the CPU runtime (oneDNN) on the inputs simclr-gpu-cases drew.
TEST_F(GpuLibrary, ConvolutionsAndProductsMatchTheCpuRuntime) {
  SIMCLR_REQUIRE_CASES();
  auto file = runtime::readSafetensors(
      runtime::joinPath(test::casesDirectory(), "library.safetensors"));
  ASSERT_TRUE(static_cast<bool>(file)) << file.errorMessage();
  auto get = [&](const std::string &name) {
    auto it = file->find(name);
    EXPECT_NE(it, file->end()) << name;
    return it == file->end() ? std::vector<float>() : test::floatsOf(it->second);
  };
  auto asDoubles = [](const std::vector<float> &v) {
    return std::vector<double>(v.begin(), v.end());
  };
  const auto &convShapes = test::convolutionShapes();
  for (size_t i = 0; i < convShapes.size(); ++i) {
    const runtime::Convolution &c = convShapes[i];
    SCOPED_TRACE(describe(c));
    std::string p = "conv" + std::to_string(i) + ".";
    ConvolutionResults r = onGpu(*convs, c, get(p + "x"), get(p + "w"), get(p + "dy"));
    EXPECT_LT(test::normError(r.y, asDoubles(get(p + "y"))), kTolerance) << "y";
    EXPECT_LT(test::normError(r.dx, asDoubles(get(p + "dx"))), kTolerance) << "dx";
    EXPECT_LT(test::normError(r.dw, asDoubles(get(p + "dw"))), kTolerance) << "dw";
  }
  const auto &products = test::productShapes();
  for (size_t i = 0; i < products.size(); ++i) {
    std::string p = "product" + std::to_string(i) + ".";
    SCOPED_TRACE(p);
    std::vector<float> c = onGpu(*gemm, products[i], get(p + "a"), get(p + "b"), get(p + "bias"));
    EXPECT_LT(test::normError(c, asDoubles(get(p + "c"))), kTolerance);
  }
}

// cuDNN pads both sides alike: other padding is refused in words when the shape is prepared.
TEST_F(GpuLibrary, AsymmetricPaddingIsRefused) {
  runtime::Convolution c = test::convolution(1, 2, 6, 6, 2, 2, 2, 0);
  c.padding = {0, 0, 1, 1};
  c.outHeight = c.outWidth = 4;
  auto needed = convs->prepare(c, Direction::Forward);
  ASSERT_FALSE(static_cast<bool>(needed));
  EXPECT_NE(needed.errorMessage().find("padding"), std::string::npos) << needed.errorMessage();
}

} // namespace
