//===- LibraryShapes.h - the convolutions and products the GPU checks ------*- C++ -*-===//
//
// The shapes the GPU checks run cuDNN and cuBLASLt on: those of the example networks
// (3x3 and 1x1, stride 1 and 2, the ImageNet stem's 7x7) and the awkward ones (odd sizes,
// groups, dilation; products of every transposition, with and without a bias, of sizes
// no tile divides). simclr-gpu-cases writes the CPU runtime's results on them; the GPU
// tests compare against those and against NaiveLibrary.h's float64 loops.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_TEST_GPU_LIBRARYSHAPES_H
#define SIMCLR_TEST_GPU_LIBRARYSHAPES_H

#include "runtime/exec/Device.h"

#include <cstdint>
#include <random>
#include <vector>

namespace mlir::simclr::test {

/// A convolution with symmetric padding `pad`, its output size derived.
inline runtime::Convolution convolution(int64_t n, int64_t c, int64_t h, int64_t w, int64_t o,
                                        int64_t k, int64_t stride, int64_t pad,
                                        int64_t dilation = 1, int64_t groups = 1) {
  runtime::Convolution conv{};
  conv.batch = n;
  conv.inChannels = c;
  conv.inHeight = h;
  conv.inWidth = w;
  conv.outChannels = o;
  conv.kernelHeight = conv.kernelWidth = k;
  conv.outHeight = (h + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
  conv.outWidth = (w + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
  conv.stride = {stride, stride};
  conv.padding = {pad, pad, pad, pad};
  conv.dilation = {dilation, dilation};
  conv.groups = groups;
  return conv;
}

inline const std::vector<runtime::Convolution> &convolutionShapes() {
  static const std::vector<runtime::Convolution> shapes = {
      convolution(4, 1, 28, 28, 32, 3, 1, 1),     // the Fashion-MNIST stem
      convolution(4, 16, 15, 15, 24, 3, 2, 1),    // strided, odd size
      convolution(4, 32, 8, 8, 64, 1, 1, 0),      // a bottleneck's 1x1
      convolution(2, 16, 9, 9, 32, 1, 2, 0),      // a projection shortcut
      convolution(2, 3, 32, 32, 8, 7, 2, 3),      // the ImageNet stem
      convolution(2, 16, 8, 8, 16, 3, 1, 1, 1, 4), // grouped
      convolution(2, 8, 10, 10, 8, 3, 1, 2, 2),   // dilated (selective kernels)
  };
  return shapes;
}

struct ProductShape {
  runtime::MatrixProduct product;
  bool bias;
};

inline const std::vector<ProductShape> &productShapes() {
  static const std::vector<ProductShape> shapes = {
      {{8, 10, 64, false, true}, true},     // a classifier (dense)
      {{512, 64, 128, false, false}, false}, // a projection head's layer
      {{33, 17, 65, true, false}, false},
      {{64, 128, 7, true, true}, false},
      {{1, 1, 1, false, false}, true},
      {{100, 3, 257, false, true}, true},
  };
  return shapes;
}

inline int64_t inputElements(const runtime::Convolution &c) {
  return c.batch * c.inChannels * c.inHeight * c.inWidth;
}
inline int64_t filterElements(const runtime::Convolution &c) {
  return c.outChannels * (c.inChannels / c.groups) * c.kernelHeight * c.kernelWidth;
}
inline int64_t outputElements(const runtime::Convolution &c) {
  return c.batch * c.outChannels * c.outHeight * c.outWidth;
}

/// `count` values from N(0, 1), float32-exact, from `rng`.
inline std::vector<float> randomValues(int64_t count, std::mt19937 &rng) {
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<float> values(static_cast<size_t>(count));
  for (float &v : values)
    v = normal(rng);
  return values;
}

/// The values of an [a, b, h, w] tensor in [a, h, w, b] order (NCHW -> NHWC, OIHW -> OHWI),
/// or (`back`) the other way.
inline std::vector<float> channelsLast(const std::vector<float> &v, int64_t a, int64_t b,
                                       int64_t h, int64_t w, bool back = false) {
  std::vector<float> out(v.size());
  for (int64_t i = 0; i < a; ++i)
    for (int64_t j = 0; j < b; ++j)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
          size_t first = size_t(((i * b + j) * h + y) * w + x);
          size_t last = size_t(((i * h + y) * w + x) * b + j);
          (back ? out[first] : out[last]) = back ? v[last] : v[first];
        }
  return out;
}

} // namespace mlir::simclr::test

#endif // SIMCLR_TEST_GPU_LIBRARYSHAPES_H
