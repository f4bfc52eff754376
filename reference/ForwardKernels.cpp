//===- ForwardKernels.cpp - reference kernels of the forward ops ------------===//
//
// Each kernel is a direct transcription of its op's definition in SimclrOps.td (and, for
// the losses, of SIMCLR.md), in double precision, with no attempt at speed.
//
//===----------------------------------------------------------------------===//

#include "reference/Kernels.h"
#include "reference/KernelHelpers.h"

using namespace mlir;
using namespace mlir::simclr;

namespace mlir::simclr::reference {

Array conv2d(Conv2DOp op, const Array &x, const Array &w) {
  Array y(shapeOf(op.getOutput()));
  forEachConvolutionTap(x.shape, w.shape, y.shape, op.getStride(), op.getPadding(),
                        op.getDilation(), op.getGroups(),
                        [&](int64_t xi, int64_t wi, int64_t yi) {
                          y.data[yi] += x.data[xi] * w.data[wi];
                        });
  return y;
}

Arrays batchNormTrain(BatchNormTrainOp op, const Array &x, const Array &gamma,
                      const Array *beta, const Array &runningMean, const Array &runningVar) {
  ChannelView view(x);
  int64_t C = view.channels;
  double count = static_cast<double>(x.size() / C);
  std::vector<double> mean(C, 0.0), var(C, 0.0);
  for (int64_t e = 0; e < x.size(); ++e)
    mean[view.channel(e)] += x.data[e];
  for (double &m : mean)
    m /= count;
  for (int64_t e = 0; e < x.size(); ++e) {
    double d = x.data[e] - mean[view.channel(e)];
    var[view.channel(e)] += d * d;
  }
  for (double &v : var)
    v /= count; // biased, for normalising
  double epsilon = op.getEpsilon().convertToDouble();
  double momentum = op.getMomentum().convertToDouble();
  Array y(x.shape), newMean({C}), newVar({C});
  for (int64_t e = 0; e < x.size(); ++e) {
    int64_t c = view.channel(e);
    y.data[e] = (x.data[e] - mean[c]) / std::sqrt(var[c] + epsilon) * gamma.data[c] +
                (beta ? beta->data[c] : 0.0);
  }
  double unbias = count > 1 ? count / (count - 1) : 1.0;
  for (int64_t c = 0; c < C; ++c) {
    newMean.data[c] = momentum * runningMean.data[c] + (1 - momentum) * mean[c];
    newVar.data[c] = momentum * runningVar.data[c] + (1 - momentum) * var[c] * unbias;
  }
  return {y, newMean, newVar};
}

Array batchNormInfer(BatchNormInferOp op, const Array &x, const Array &gamma,
                     const Array *beta, const Array &mean, const Array &var) {
  ChannelView view(x);
  double epsilon = op.getEpsilon().convertToDouble();
  Array y(x.shape);
  for (int64_t e = 0; e < x.size(); ++e) {
    int64_t c = view.channel(e);
    y.data[e] = (x.data[e] - mean.data[c]) / std::sqrt(var.data[c] + epsilon) * gamma.data[c] +
                (beta ? beta->data[c] : 0.0);
  }
  return y;
}

Array broadcastBinary(Value result, const Array &a, const Array &b,
                      double (*fn)(double, double)) {
  Array y(shapeOf(result));
  auto ys = stridesOf(y.shape), as = stridesOf(a.shape), bs = stridesOf(b.shape);
  for (int64_t e = 0; e < y.size(); ++e) {
    int64_t ai = 0, bi = 0, rest = e;
    for (size_t d = 0; d < y.shape.size(); ++d) {
      int64_t i = rest / ys[d];
      rest %= ys[d];
      ai += (a.shape[d] == 1 ? 0 : i) * as[d];
      bi += (b.shape[d] == 1 ? 0 : i) * bs[d];
    }
    y.data[e] = fn(a.data[ai], b.data[bi]);
  }
  return y;
}

/// Max or average pooling; padded positions never take part (the average divides by the
/// window size when padding counts as zeros).
Array pool2d(Value result, const Array &x, ArrayRef<int64_t> kernel, ArrayRef<int64_t> stride,
             ArrayRef<int64_t> pad, bool isMax, bool countIncludePad) {
  Array y(shapeOf(result));
  int64_t NC = x.dim(0) * x.dim(1), H = x.dim(2), W = x.dim(3);
  int64_t OH = y.dim(2), OW = y.dim(3);
  for (int64_t p = 0; p < NC; ++p)
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox) {
        double acc = isMax ? -std::numeric_limits<double>::infinity() : 0.0;
        int64_t count = 0;
        for (int64_t ky = 0; ky < kernel[0]; ++ky)
          for (int64_t kx = 0; kx < kernel[1]; ++kx) {
            int64_t iy = oy * stride[0] + ky - pad[0], ix = ox * stride[1] + kx - pad[1];
            if (iy < 0 || iy >= H || ix < 0 || ix >= W)
              continue;
            double v = x.data[(p * H + iy) * W + ix];
            acc = isMax ? std::max(acc, v) : acc + v;
            ++count;
          }
        if (!isMax)
          acc /= countIncludePad ? static_cast<double>(kernel[0] * kernel[1])
                                 : static_cast<double>(count);
        y.data[(p * OH + oy) * OW + ox] = acc;
      }
  return y;
}

Array dense(const Array &x, const Array &w, const Array *bias) {
  int64_t N = x.dim(0), K = x.dim(1), M = w.dim(0);
  Array y({N, M});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m) {
      double sum = bias ? bias->data[m] : 0.0;
      for (int64_t k = 0; k < K; ++k)
        sum += x.data[n * K + k] * w.data[m * K + k];
      y.data[n * M + m] = sum;
    }
  return y;
}

Array concat(Value result, int64_t axis, const Arrays &inputs) {
  Array y(shapeOf(result));
  AxisView out(y.shape, axis);
  int64_t offset = 0;
  for (const Array &x : inputs) {
    AxisView in(x.shape, axis);
    for (int64_t o = 0; o < in.outer; ++o)
      for (int64_t a = 0; a < in.extent; ++a)
        for (int64_t i = 0; i < in.inner; ++i)
          y.data[out.at(o, offset + a, i)] = x.data[in.at(o, a, i)];
    offset += in.extent;
  }
  return y;
}

Arrays split(SplitOp op, const Array &x) {
  int64_t axis = op.getAxis(), offset = 0;
  AxisView in(x.shape, axis);
  Arrays outputs;
  for (Value result : op.getOutputs()) {
    Array y(shapeOf(result));
    AxisView out(y.shape, axis);
    for (int64_t o = 0; o < out.outer; ++o)
      for (int64_t a = 0; a < out.extent; ++a)
        for (int64_t i = 0; i < out.inner; ++i)
          y.data[out.at(o, a, i)] = x.data[in.at(o, offset + a, i)];
    offset += out.extent;
    outputs.push_back(std::move(y));
  }
  return outputs;
}

Array slice(SliceOp op, const Array &x) {
  Array y(shapeOf(op.getOutput()));
  forEachSliceElement(x.shape, y.shape, op.getOffsets(), op.getStrides(),
                      [&](int64_t in, int64_t out) { y.data[out] = x.data[in]; });
  return y;
}

Array softmax(const Array &x, int64_t axis) {
  Array y(x.shape);
  AxisView v(x.shape, axis);
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i) {
      double lse = logSumExp(&x.data[v.at(o, 0, i)], v.extent, v.inner);
      for (int64_t a = 0; a < v.extent; ++a)
        y.data[v.at(o, a, i)] = std::exp(x.data[v.at(o, a, i)] - lse);
    }
  return y;
}

Array l2Normalize(L2NormalizeOp op, const Array &x) {
  Array y(x.shape);
  AxisView v(x.shape, op.getAxis());
  double epsilon = op.getEpsilon().convertToDouble();
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i) {
      double sum = 0;
      for (int64_t a = 0; a < v.extent; ++a)
        sum += x.data[v.at(o, a, i)] * x.data[v.at(o, a, i)];
      double scale = 1.0 / std::sqrt(std::max(sum, epsilon));
      for (int64_t a = 0; a < v.extent; ++a)
        y.data[v.at(o, a, i)] = x.data[v.at(o, a, i)] * scale;
    }
  return y;
}

Array reduce(Value result, const Array &x, ArrayRef<int64_t> axes, Reduction kind) {
  Array y(shapeOf(result), kind == Reduction::Max ? -std::numeric_limits<double>::infinity()
                                                  : 0.0);
  auto xs = stridesOf(x.shape);
  // The result index of an input element: its coordinates with the reduced axes dropped
  // (or set to 0 under keep_dims: the same linear index either way).
  std::vector<int64_t> keptStrides(x.shape.size(), 0);
  int64_t stride = 1;
  for (int d = static_cast<int>(x.shape.size()) - 1; d >= 0; --d)
    if (!llvm::is_contained(axes, d)) {
      keptStrides[d] = stride;
      stride *= x.shape[d];
    }
  int64_t reduced = 1;
  for (int64_t axis : axes)
    reduced *= x.shape[axis];
  for (int64_t e = 0; e < x.size(); ++e) {
    int64_t target = 0, rest = e;
    for (size_t d = 0; d < x.shape.size(); ++d) {
      target += (rest / xs[d]) * keptStrides[d];
      rest %= xs[d];
    }
    double &acc = y.data[target];
    acc = kind == Reduction::Max ? std::max(acc, x.data[e]) : acc + x.data[e];
  }
  if (kind == Reduction::Mean)
    for (double &v : y.data)
      v /= static_cast<double>(reduced);
  return y;
}

Array transpose(const Array &x, ArrayRef<int64_t> permutation) {
  std::vector<int64_t> shape;
  for (int64_t d : permutation)
    shape.push_back(x.shape[d]);
  Array y(shape);
  auto xs = stridesOf(x.shape), ys = stridesOf(y.shape);
  for (int64_t e = 0; e < y.size(); ++e) {
    int64_t source = 0, rest = e;
    for (size_t d = 0; d < shape.size(); ++d) {
      source += (rest / ys[d]) * xs[permutation[d]];
      rest %= ys[d];
    }
    y.data[e] = x.data[source];
  }
  return y;
}

/// NT-Xent as SIMCLR.md states it: rows [0, N) are view a, [N, 2N) view b; each view's
/// logits are its similarities with the other view (positives on the diagonal) and with its
/// own view, self-similarity masked with -1e9; loss = mean_i CE_a(i) + CE_b(i).
/// A memory of negatives adds one logit per filled row q_k: z_i . q_k / t.
Arrays ntXent(const Array &z, double temperature, int64_t replica, int64_t replicas,
              const Array *negatives) {
  int64_t N = z.dim(0) / 2, B = N / replicas;
  NtXentLogits rows(z, temperature, negatives);
  double loss = 0, correct = 0;
  std::vector<double> logits;
  for (int64_t side = 0; side < 2; ++side)
    for (int64_t i = replica * B; i < (replica + 1) * B; ++i) {
      rows.row(side, i, logits);
      loss += logSumExp(logits.data(), rows.columns()) - logits[i];
      if (side == 0)
        correct += argmax(logits.data(), N) == i;
    }
  return {Array({}, loss / B), Array({}, correct / B)};
}

Arrays softmaxCrossEntropy(const Array &logits, const Array &labels, bool indices) {
  int64_t N = logits.dim(0), C = logits.dim(1);
  double loss = 0, correct = 0, rows = 0;
  for (int64_t n = 0; n < N; ++n) {
    const double *row = &logits.data[n * C];
    double lse = logSumExp(row, C);
    int64_t target;
    if (indices) {
      target = static_cast<int64_t>(labels.data[n]);
      if (target < 0) // an unlabelled row
        continue;
      loss += lse - row[target];
    } else {
      const double *p = &labels.data[n * C];
      for (int64_t c = 0; c < C; ++c)
        loss -= p[c] * (row[c] - lse);
      target = argmax(p, C);
    }
    correct += argmax(row, C) == target;
    rows += 1;
  }
  return {Array({}, rows ? loss / rows : 0.0), Array({}, rows ? correct / rows : 0.0)};
}

Arrays distillation(const Array &student, const Array &teacher, double temperature) {
  int64_t N = student.dim(0), C = student.dim(1);
  double loss = 0, agree = 0;
  std::vector<double> s(C), t(C);
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      s[c] = student.data[n * C + c] / temperature;
      t[c] = teacher.data[n * C + c] / temperature;
    }
    double lseS = logSumExp(s.data(), C), lseT = logSumExp(t.data(), C);
    for (int64_t c = 0; c < C; ++c)
      loss -= std::exp(t[c] - lseT) * (s[c] - lseS);
    agree += argmax(s.data(), C) == argmax(t.data(), C);
  }
  return {Array({}, loss / N), Array({}, agree / N)};
}


} // namespace mlir::simclr::reference
