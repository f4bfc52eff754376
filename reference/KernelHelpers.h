//===- KernelHelpers.h - index arithmetic shared by the reference kernels -*- C++ -*-===//
#ifndef SIMCLR_REFERENCE_KERNELHELPERS_H
#define SIMCLR_REFERENCE_KERNELHELPERS_H

#include "reference/Evaluator.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

namespace mlir::simclr::reference {

using Arrays = std::vector<Array>;

inline std::vector<int64_t> shapeOf(mlir::Value value) {
  auto type = llvm::cast<mlir::RankedTensorType>(value.getType());
  return std::vector<int64_t>(type.getShape().begin(), type.getShape().end());
}

inline std::vector<int64_t> stridesOf(const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// Splits a shape around `axis`: index = (outer * extent + a) * inner + i.
struct AxisView {
  int64_t outer = 1, extent = 1, inner = 1;
  AxisView(const std::vector<int64_t> &shape, int64_t axis) {
    for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d)
      (d < axis ? outer : d == axis ? extent : inner) *= shape[d];
  }
  int64_t at(int64_t o, int64_t a, int64_t i) const { return (o * extent + a) * inner + i; }
};

inline double logSumExp(const double *begin, int64_t n, int64_t stride = 1) {
  double peak = -std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < n; ++i)
    peak = std::max(peak, begin[i * stride]);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i)
    sum += std::exp(begin[i * stride] - peak);
  return peak + std::log(sum);
}

inline int64_t argmax(const double *begin, int64_t n) {
  return std::max_element(begin, begin + n) - begin; // first maximum, as TF and PyTorch
}

/// The logits of NT-Xent's rows, as SIMCLR.md states them; the forward and the backward
/// reference kernels build the same rows. z holds view a in rows [0, N) and view b in
/// [N, 2N). Row i of view `side` has 2N + M logits: [0, N) its similarities with the other
/// view (the positive at i), [N, 2N) with its own view (itself masked with -1e9), and
/// [2N, 2N + M) with the filled rows of the memory of negatives (an all-zero row is an empty
/// slot), each divided by the temperature.
class NtXentLogits {
public:
  NtXentLogits(const Array &z, double temperature, const Array *negatives)
      : z(z), negatives(negatives), temperature(temperature), N(z.dim(0) / 2), D(z.dim(1)) {
    if (!negatives)
      return;
    for (int64_t k = 0; k < negatives->dim(0); ++k)
      if (std::any_of(&negatives->data[k * D], &negatives->data[(k + 1) * D],
                      [](double v) { return v != 0.0; }))
        memory.push_back(k);
  }

  int64_t columns() const { return 2 * N + static_cast<int64_t>(memory.size()); }
  /// The memory's filled rows, one per logit from 2N on.
  const std::vector<int64_t> &memoryRows() const { return memory; }

  /// Fills `logits` (columns() values) for row i of view `side` (0 or 1).
  void row(int64_t side, int64_t i, std::vector<double> &logits) const {
    int64_t self = side * N, other = (1 - side) * N;
    logits.resize(columns());
    for (int64_t j = 0; j < N; ++j) {
      logits[j] = dot(z, self + i, other + j);
      logits[N + j] = dot(z, self + i, self + j) - (i == j ? 1e9 : 0.0);
    }
    for (size_t m = 0; m < memory.size(); ++m)
      logits[2 * N + m] = dot(*negatives, self + i, memory[m]);
  }

private:
  double dot(const Array &w, int64_t i, int64_t j) const {
    double s = 0;
    for (int64_t k = 0; k < D; ++k)
      s += z.data[i * D + k] * w.data[j * D + k];
    return s / temperature;
  }

  const Array &z;
  const Array *negatives;
  double temperature;
  int64_t N, D;
  std::vector<int64_t> memory;
};

/// Per-channel view of an NC or NCHW tensor: element e belongs to channel
/// (e / spatial) % C.
struct ChannelView {
  int64_t channels, spatial;
  explicit ChannelView(const Array &x)
      : channels(x.dim(1)), spatial(x.size() / x.dim(0) / x.dim(1)) {}
  int64_t channel(int64_t e) const { return (e / spatial) % channels; }
};

/// Visits every (input element, filter element, output element) triple of a convolution.
template <typename Fn>
void forEachConvolutionTap(const std::vector<int64_t> &input, const std::vector<int64_t> &filter,
                           const std::vector<int64_t> &output, llvm::ArrayRef<int64_t> stride,
                           llvm::ArrayRef<int64_t> pad, llvm::ArrayRef<int64_t> dilation, int64_t groups,
                           Fn fn) {
  int64_t N = input[0], C = input[1], H = input[2], W = input[3];
  int64_t O = filter[0], Cg = filter[1], KH = filter[2], KW = filter[3];
  int64_t OH = output[2], OW = output[3], Og = O / groups;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t oy = 0; oy < OH; ++oy)
        for (int64_t ox = 0; ox < OW; ++ox)
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t ky = 0; ky < KH; ++ky) {
              int64_t iy = oy * stride[0] + ky * dilation[0] - pad[0];
              if (iy < 0 || iy >= H)
                continue;
              for (int64_t kx = 0; kx < KW; ++kx) {
                int64_t ix = ox * stride[1] + kx * dilation[1] - pad[1];
                if (ix < 0 || ix >= W)
                  continue;
                fn(((n * C + (o / Og) * Cg + c) * H + iy) * W + ix,
                   ((o * Cg + c) * KH + ky) * KW + kx, ((n * O + o) * OH + oy) * OW + ox);
              }
            }
}

/// Calls fn(inputIndex, outputIndex) for every element of a strided box of a tensor of
/// shape `input` (the box has shape `output`); shared by slice and its gradient.
template <typename Fn>
void forEachSliceElement(const std::vector<int64_t> &input, const std::vector<int64_t> &output,
                         llvm::ArrayRef<int64_t> offsets,
                         std::optional<llvm::ArrayRef<int64_t>> strideAttr, Fn fn) {
  size_t rank = input.size();
  std::vector<int64_t> strides(rank, 1);
  if (strideAttr)
    strides.assign(strideAttr->begin(), strideAttr->end());
  auto is = stridesOf(input), os = stridesOf(output);
  int64_t count = 1;
  for (int64_t d : output)
    count *= d;
  for (int64_t e = 0; e < count; ++e) {
    int64_t source = 0, rest = e;
    for (size_t d = 0; d < rank; ++d) {
      int64_t i = rest / os[d];
      rest %= os[d];
      source += (offsets[d] + i * strides[d]) * is[d];
    }
    fn(source, e);
  }
}

} // namespace mlir::simclr::reference

#endif // SIMCLR_REFERENCE_KERNELHELPERS_H
