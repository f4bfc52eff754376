//===- NaiveLibrary.h - convolutions and products as float64 loops ---------*- C++ -*-===//
//
// The independent reference for the library calls: direct loops in float64 over the
// definitions in runtime/exec/Device.h (NCHW, OIHW, row-major). Slow, for small shapes.
// test/unit checks them against the CPU runtime; the GPU tests check cuDNN and cuBLASLt
// against them.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_TEST_GPU_NAIVELIBRARY_H
#define SIMCLR_TEST_GPU_NAIVELIBRARY_H

#include "runtime/exec/Device.h"

#include <vector>

namespace mlir::simclr::test {

namespace detail {
/// Calls f(n, o, oy, ox, ci, ky, kx, input index, filter index, output index) for every
/// term of the convolution's sum that reads inside the (unpadded) input.
template <typename F> void forEachTerm(const runtime::Convolution &c, F f) {
  int64_t inPerGroup = c.inChannels / c.groups, outPerGroup = c.outChannels / c.groups;
  for (int64_t n = 0; n < c.batch; ++n)
    for (int64_t o = 0; o < c.outChannels; ++o)
      for (int64_t oy = 0; oy < c.outHeight; ++oy)
        for (int64_t ox = 0; ox < c.outWidth; ++ox)
          for (int64_t i = 0; i < inPerGroup; ++i)
            for (int64_t ky = 0; ky < c.kernelHeight; ++ky)
              for (int64_t kx = 0; kx < c.kernelWidth; ++kx) {
                int64_t y = oy * c.stride[0] - c.padding[0] + ky * c.dilation[0];
                int64_t x = ox * c.stride[1] - c.padding[1] + kx * c.dilation[1];
                if (y < 0 || y >= c.inHeight || x < 0 || x >= c.inWidth)
                  continue;
                int64_t ci = (o / outPerGroup) * inPerGroup + i;
                f(((n * c.inChannels + ci) * c.inHeight + y) * c.inWidth + x,
                  ((o * inPerGroup + i) * c.kernelHeight + ky) * c.kernelWidth + kx,
                  ((n * c.outChannels + o) * c.outHeight + oy) * c.outWidth + ox);
              }
}
} // namespace detail

inline std::vector<double> naiveConvolution(const runtime::Convolution &c,
                                            const std::vector<float> &x,
                                            const std::vector<float> &w) {
  std::vector<double> y(size_t(c.batch * c.outChannels * c.outHeight * c.outWidth), 0.0);
  detail::forEachTerm(c, [&](int64_t in, int64_t f, int64_t out) {
    y[size_t(out)] += double(x[size_t(in)]) * w[size_t(f)];
  });
  return y;
}

inline std::vector<double> naiveConvolutionBackwardInput(const runtime::Convolution &c,
                                                         const std::vector<float> &dy,
                                                         const std::vector<float> &w) {
  std::vector<double> dx(size_t(c.batch * c.inChannels * c.inHeight * c.inWidth), 0.0);
  detail::forEachTerm(c, [&](int64_t in, int64_t f, int64_t out) {
    dx[size_t(in)] += double(dy[size_t(out)]) * w[size_t(f)];
  });
  return dx;
}

inline std::vector<double> naiveConvolutionBackwardFilter(const runtime::Convolution &c,
                                                          const std::vector<float> &x,
                                                          const std::vector<float> &dy) {
  std::vector<double> dw(
      size_t(c.outChannels * (c.inChannels / c.groups) * c.kernelHeight * c.kernelWidth), 0.0);
  detail::forEachTerm(c, [&](int64_t in, int64_t f, int64_t out) {
    dw[size_t(f)] += double(x[size_t(in)]) * dy[size_t(out)];
  });
  return dw;
}

/// c[m, n] = op(a) op(b) (+ bias[n]).
inline std::vector<double> naiveProduct(const runtime::MatrixProduct &p,
                                        const std::vector<float> &a,
                                        const std::vector<float> &b, const float *bias) {
  std::vector<double> c(size_t(p.m * p.n), 0.0);
  for (int64_t i = 0; i < p.m; ++i)
    for (int64_t j = 0; j < p.n; ++j) {
      double sum = bias ? double(bias[j]) : 0.0;
      for (int64_t l = 0; l < p.k; ++l)
        sum += double(a[size_t(p.transposeA ? l * p.m + i : i * p.k + l)]) *
               double(b[size_t(p.transposeB ? j * p.k + l : l * p.n + j)]);
      c[size_t(i * p.n + j)] = sum;
    }
  return c;
}

} // namespace mlir::simclr::test

#endif // SIMCLR_TEST_GPU_NAIVELIBRARY_H
