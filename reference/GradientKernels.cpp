//===- GradientKernels.cpp - reference kernels of the gradient ops ---------===//
//
// The derivatives of the forward kernels, written out directly in double precision. They
// are checked against PyTorch's autograd (test/Runtime/ops-vs-pytorch.test) and, through
// the autodiff pass, against central finite differences.
//
//===----------------------------------------------------------------------===//

#include "reference/KernelHelpers.h"
#include "reference/Kernels.h"

using namespace mlir;
using namespace mlir::simclr;

namespace mlir::simclr::reference {

Array matmul(const Array &a, const Array &b, bool transposeA, bool transposeB) {
  int64_t m = transposeA ? a.dim(1) : a.dim(0), k = transposeA ? a.dim(0) : a.dim(1);
  int64_t n = transposeB ? b.dim(0) : b.dim(1);
  auto at = [&](int64_t i, int64_t l) {
    return transposeA ? a.data[l * a.dim(1) + i] : a.data[i * a.dim(1) + l];
  };
  auto bt = [&](int64_t l, int64_t j) {
    return transposeB ? b.data[j * b.dim(1) + l] : b.data[l * b.dim(1) + j];
  };
  Array c({m, n});
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0;
      for (int64_t l = 0; l < k; ++l)
        sum += at(i, l) * bt(l, j);
      c.data[i * n + j] = sum;
    }
  return c;
}

Array broadcastTo(Value result, const Array &x) {
  Array y(shapeOf(result));
  auto ys = stridesOf(y.shape), xs = stridesOf(x.shape);
  for (int64_t e = 0; e < y.size(); ++e) {
    int64_t source = 0, rest = e;
    for (size_t d = 0; d < y.shape.size(); ++d) {
      int64_t i = rest / ys[d];
      rest %= ys[d];
      source += (x.shape[d] == 1 ? 0 : i) * xs[d];
    }
    y.data[e] = x.data[source];
  }
  return y;
}

Array conv2dBackwardInput(Conv2DBackwardInputOp op, const Array &dy, const Array &w) {
  Array dx(shapeOf(op.getGradInput()));
  forEachConvolutionTap(dx.shape, w.shape, dy.shape, op.getStride(), op.getPadding(),
                        op.getDilation(), op.getGroups(),
                        [&](int64_t xi, int64_t wi, int64_t yi) {
                          dx.data[xi] += dy.data[yi] * w.data[wi];
                        });
  return dx;
}

Array conv2dBackwardFilter(Conv2DBackwardFilterOp op, const Array &x, const Array &dy) {
  Array dw(shapeOf(op.getGradFilter()));
  forEachConvolutionTap(x.shape, dw.shape, dy.shape, op.getStride(), op.getPadding(),
                        op.getDilation(), op.getGroups(),
                        [&](int64_t xi, int64_t wi, int64_t yi) {
                          dw.data[wi] += dy.data[yi] * x.data[xi];
                        });
  return dw;
}

namespace {
/// Per-channel sums of dy and dy * xhat, with xhat from the given statistics.
void channelSums(const Array &dy, const Array &x, const std::vector<double> &mean,
                 const std::vector<double> &invStd, std::vector<double> &sumDy,
                 std::vector<double> &sumDyXhat) {
  ChannelView view(x);
  sumDy.assign(view.channels, 0.0);
  sumDyXhat.assign(view.channels, 0.0);
  for (int64_t e = 0; e < x.size(); ++e) {
    int64_t c = view.channel(e);
    sumDy[c] += dy.data[e];
    sumDyXhat[c] += dy.data[e] * (x.data[e] - mean[c]) * invStd[c];
  }
}
} // namespace

Arrays batchNormTrainBackward(double epsilon, const Array &dy, const Array &x,
                              const Array &gamma) {
  ChannelView view(x);
  int64_t C = view.channels;
  double count = static_cast<double>(x.size() / C);
  std::vector<double> mean(C, 0.0), var(C, 0.0), invStd(C);
  for (int64_t e = 0; e < x.size(); ++e)
    mean[view.channel(e)] += x.data[e] / count;
  for (int64_t e = 0; e < x.size(); ++e) {
    double d = x.data[e] - mean[view.channel(e)];
    var[view.channel(e)] += d * d / count;
  }
  for (int64_t c = 0; c < C; ++c)
    invStd[c] = 1.0 / std::sqrt(var[c] + epsilon);
  std::vector<double> sumDy, sumDyXhat;
  channelSums(dy, x, mean, invStd, sumDy, sumDyXhat);
  Array dx(x.shape), dgamma({C}, sumDyXhat), dbeta({C}, sumDy);
  for (int64_t e = 0; e < x.size(); ++e) {
    int64_t c = view.channel(e);
    double xhat = (x.data[e] - mean[c]) * invStd[c];
    dx.data[e] = gamma.data[c] * invStd[c] *
                 (dy.data[e] - sumDy[c] / count - xhat * sumDyXhat[c] / count);
  }
  return {dx, dgamma, dbeta};
}

Arrays batchNormInferBackward(double epsilon, const Array &dy, const Array &x,
                              const Array &gamma, const Array &mean, const Array &var) {
  ChannelView view(x);
  int64_t C = view.channels;
  std::vector<double> invStd(C);
  for (int64_t c = 0; c < C; ++c)
    invStd[c] = 1.0 / std::sqrt(var.data[c] + epsilon);
  std::vector<double> sumDy, sumDyXhat;
  channelSums(dy, x, mean.data, invStd, sumDy, sumDyXhat);
  Array dx(x.shape);
  for (int64_t e = 0; e < x.size(); ++e) {
    int64_t c = view.channel(e);
    dx.data[e] = dy.data[e] * gamma.data[c] * invStd[c];
  }
  return {dx, Array({C}, sumDyXhat), Array({C}, sumDy)};
}

Array reluBackward(const Array &dy, const Array &y) {
  Array dx(y.shape);
  for (int64_t e = 0; e < y.size(); ++e)
    dx.data[e] = y.data[e] > 0 ? dy.data[e] : 0.0;
  return dx;
}

namespace {
/// Visits each pooling window with the flat indices of its in-bounds inputs (row-major).
template <typename Fn>
void forEachWindow(const std::vector<int64_t> &input, const std::vector<int64_t> &output,
                   ArrayRef<int64_t> kernel, ArrayRef<int64_t> stride, ArrayRef<int64_t> pad,
                   Fn fn) {
  int64_t NC = input[0] * input[1], H = input[2], W = input[3];
  int64_t OH = output[2], OW = output[3];
  std::vector<int64_t> taps;
  for (int64_t p = 0; p < NC; ++p)
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox) {
        taps.clear();
        for (int64_t ky = 0; ky < kernel[0]; ++ky)
          for (int64_t kx = 0; kx < kernel[1]; ++kx) {
            int64_t iy = oy * stride[0] + ky - pad[0], ix = ox * stride[1] + kx - pad[1];
            if (iy >= 0 && iy < H && ix >= 0 && ix < W)
              taps.push_back((p * H + iy) * W + ix);
          }
        fn((p * OH + oy) * OW + ox, taps);
      }
}
} // namespace

Array maxPool2dBackward(MaxPool2DBackwardOp op, const Array &dy, const Array &x) {
  Array dx(x.shape);
  forEachWindow(x.shape, dy.shape, op.getKernel(), op.getStride(), op.getPadding(),
                [&](int64_t out, const std::vector<int64_t> &taps) {
                  int64_t best = taps.front();
                  for (int64_t t : taps)
                    if (x.data[t] > x.data[best])
                      best = t;
                  dx.data[best] += dy.data[out];
                });
  return dx;
}

Array avgPool2dBackward(AvgPool2DBackwardOp op, const Array &dy) {
  Array dx(shapeOf(op.getGradInput()));
  double window = static_cast<double>(op.getKernel()[0] * op.getKernel()[1]);
  forEachWindow(dx.shape, dy.shape, op.getKernel(), op.getStride(), op.getPadding(),
                [&](int64_t out, const std::vector<int64_t> &taps) {
                  double share = dy.data[out] / (op.getCountIncludePad()
                                                     ? window
                                                     : static_cast<double>(taps.size()));
                  for (int64_t t : taps)
                    dx.data[t] += share;
                });
  return dx;
}

Array softmaxBackward(const Array &dy, const Array &y, int64_t axis) {
  Array dx(y.shape);
  AxisView v(y.shape, axis);
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i) {
      double dot = 0;
      for (int64_t a = 0; a < v.extent; ++a)
        dot += dy.data[v.at(o, a, i)] * y.data[v.at(o, a, i)];
      for (int64_t a = 0; a < v.extent; ++a)
        dx.data[v.at(o, a, i)] = y.data[v.at(o, a, i)] * (dy.data[v.at(o, a, i)] - dot);
    }
  return dx;
}

Array l2NormalizeBackward(L2NormalizeBackwardOp op, const Array &dy, const Array &x) {
  Array dx(x.shape);
  AxisView v(x.shape, op.getAxis());
  double epsilon = op.getEpsilon().convertToDouble();
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i) {
      double sum = 0, dot = 0;
      for (int64_t a = 0; a < v.extent; ++a)
        sum += x.data[v.at(o, a, i)] * x.data[v.at(o, a, i)];
      double norm = std::sqrt(std::max(sum, epsilon));
      for (int64_t a = 0; a < v.extent; ++a)
        dot += dy.data[v.at(o, a, i)] * x.data[v.at(o, a, i)] / norm;
      for (int64_t a = 0; a < v.extent; ++a) {
        int64_t e = v.at(o, a, i);
        // The clamped norm is a constant: only the division remains.
        dx.data[e] = sum > epsilon ? (dy.data[e] - x.data[e] / norm * dot) / norm
                                   : dy.data[e] / norm;
      }
    }
  return dx;
}

Array sliceBackward(SliceBackwardOp op, const Array &dy) {
  Array dx(shapeOf(op.getGradInput()));
  forEachSliceElement(dx.shape, dy.shape, op.getOffsets(), op.getStrides(),
                      [&](int64_t in, int64_t out) { dx.data[in] += dy.data[out]; });
  return dx;
}

Array reduceMaxBackward(ReduceMaxBackwardOp op, const Array &dy, const Array &x) {
  // Group index of each input element: its coordinates with the reduced axes dropped.
  auto xs = stridesOf(x.shape);
  std::vector<int64_t> keptStrides(x.shape.size(), 0);
  int64_t stride = 1;
  for (int d = static_cast<int>(x.shape.size()) - 1; d >= 0; --d)
    if (!llvm::is_contained(op.getAxes(), d)) {
      keptStrides[d] = stride;
      stride *= x.shape[d];
    }
  std::vector<int64_t> best(dy.size(), -1);
  for (int64_t e = 0; e < x.size(); ++e) {
    int64_t group = 0, rest = e;
    for (size_t d = 0; d < x.shape.size(); ++d) {
      group += (rest / xs[d]) * keptStrides[d];
      rest %= xs[d];
    }
    if (best[group] < 0 || x.data[e] > x.data[best[group]])
      best[group] = e;
  }
  Array dx(x.shape);
  for (int64_t g = 0; g < dy.size(); ++g)
    dx.data[best[g]] += dy.data[g];
  return dx;
}

Array ntXentBackward(const Array &z, double gradLoss, double temperature, int64_t replica,
                     int64_t replicas, const Array *negatives) {
  int64_t D = z.dim(1), N = z.dim(0) / 2, B = N / replicas;
  NtXentLogits rows(z, temperature, negatives);
  const std::vector<int64_t> &memory = rows.memoryRows();
  Array dz(z.shape);
  double scale = gradLoss / (temperature * static_cast<double>(B));
  // d(logit_ij)/dz: z_j / t for row i and z_i / t for row j (both when i == j).
  auto accumulate = [&](int64_t i, int64_t j, double coefficient) {
    double c = coefficient * scale;
    for (int64_t k = 0; k < D; ++k) {
      dz.data[i * D + k] += c * z.data[j * D + k];
      dz.data[j * D + k] += c * z.data[i * D + k];
    }
  };
  std::vector<double> logits;
  for (int64_t side = 0; side < 2; ++side) {
    int64_t self = side * N, other = (1 - side) * N;
    for (int64_t i = replica * B; i < (replica + 1) * B; ++i) {
      rows.row(side, i, logits);
      double lse = logSumExp(logits.data(), rows.columns());
      // dCE/dlogit = softmax - one-hot(positive).
      for (int64_t j = 0; j < N; ++j) {
        accumulate(self + i, other + j, std::exp(logits[j] - lse) - (i == j ? 1.0 : 0.0));
        accumulate(self + i, self + j, std::exp(logits[N + j] - lse));
      }
      // A negative from the memory is a constant: only row i gets q_k / t.
      for (size_t m = 0; m < memory.size(); ++m) {
        double c = std::exp(logits[2 * N + m] - lse) * scale;
        for (int64_t k = 0; k < D; ++k)
          dz.data[(self + i) * D + k] += c * negatives->data[memory[m] * D + k];
      }
    }
  }
  return dz;
}

Array softmaxCrossEntropyBackward(const Array &logits, const Array &labels, bool indices,
                                  double gradLoss) {
  int64_t N = logits.dim(0), C = logits.dim(1);
  Array dl(logits.shape);
  double rows = double(N); // the labelled ones: a negative index marks an unlabelled row
  if (indices)
    rows = double(std::count_if(labels.data.begin(), labels.data.end(),
                                [](double label) { return label >= 0; }));
  for (int64_t n = 0; n < N; ++n) {
    if (indices && labels.data[n] < 0)
      continue; // its gradient stays 0
    const double *row = &logits.data[n * C];
    double lse = logSumExp(row, C), mass = 1.0;
    if (!indices) {
      mass = 0;
      for (int64_t c = 0; c < C; ++c)
        mass += labels.data[n * C + c];
    }
    for (int64_t c = 0; c < C; ++c) {
      double target = indices ? (static_cast<int64_t>(labels.data[n]) == c ? 1.0 : 0.0)
                              : labels.data[n * C + c];
      dl.data[n * C + c] = (std::exp(row[c] - lse) * mass - target) * gradLoss / rows;
    }
  }
  return dl;
}

Array distillationBackward(const Array &student, const Array &teacher, double gradLoss,
                           double temperature) {
  int64_t N = student.dim(0), C = student.dim(1);
  Array ds(student.shape);
  std::vector<double> s(C), t(C);
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      s[c] = student.data[n * C + c] / temperature;
      t[c] = teacher.data[n * C + c] / temperature;
    }
    double lseS = logSumExp(s.data(), C), lseT = logSumExp(t.data(), C);
    for (int64_t c = 0; c < C; ++c)
      ds.data[n * C + c] =
          (std::exp(s[c] - lseS) - std::exp(t[c] - lseT)) * gradLoss / (temperature * N);
  }
  return ds;
}

} // namespace mlir::simclr::reference
