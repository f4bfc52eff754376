//===- Kernels.h - the reference kernels, one per op ------------*- C++ -*-===//
//
// Float64 kernels of the simclr ops: ForwardKernels.cpp for the network and loss ops,
// GradientKernels.cpp for the ops gradients need. Attributes are read from the op; the
// result shapes from its result types.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_REFERENCE_KERNELS_H
#define SIMCLR_REFERENCE_KERNELS_H

#include "dialects/simclr/IR/SimclrOps.h"
#include "reference/Evaluator.h"

namespace mlir::simclr::reference {

using Arrays = std::vector<Array>;
enum class Reduction { Sum, Mean, Max };

// Forward ops.
Array conv2d(mlir::simclr::Conv2DOp op, const Array &x, const Array &w);
Arrays batchNormTrain(mlir::simclr::BatchNormTrainOp op, const Array &x, const Array &gamma,
                      const Array *beta, const Array &runningMean, const Array &runningVar);
Array batchNormInfer(mlir::simclr::BatchNormInferOp op, const Array &x, const Array &gamma,
                     const Array *beta, const Array &mean, const Array &var);
Array broadcastBinary(mlir::Value result, const Array &a, const Array &b,
                      double (*fn)(double, double));
Array pool2d(mlir::Value result, const Array &x, llvm::ArrayRef<int64_t> kernel,
             llvm::ArrayRef<int64_t> stride, llvm::ArrayRef<int64_t> pad, bool isMax,
             bool countIncludePad);
Array dense(const Array &x, const Array &w, const Array *bias);
Array concat(mlir::Value result, int64_t axis, const Arrays &inputs);
Arrays split(mlir::simclr::SplitOp op, const Array &x);
Array slice(mlir::simclr::SliceOp op, const Array &x);
Array softmax(const Array &x, int64_t axis);
Array l2Normalize(mlir::simclr::L2NormalizeOp op, const Array &x);
Array reduce(mlir::Value result, const Array &x, llvm::ArrayRef<int64_t> axes, Reduction kind);
/// Result dimension d is x's dimension permutation[d].
Array transpose(const Array &x, llvm::ArrayRef<int64_t> permutation);
/// With `replicas` > 1, the rows of replica `replica`'s images only (nt_xent_loss's `rows
/// of replica`). `negatives` [K, D] (or null): extra columns, an all-zero row skipped.
Arrays ntXent(const Array &z, double temperature, int64_t replica = 0, int64_t replicas = 1,
              const Array *negatives = nullptr);
Arrays softmaxCrossEntropy(const Array &logits, const Array &labels, bool indices);
Arrays distillation(const Array &student, const Array &teacher, double temperature);

// Gradient ops.
Array matmul(const Array &a, const Array &b, bool transposeA, bool transposeB);
Array broadcastTo(mlir::Value result, const Array &x);
Array conv2dBackwardInput(mlir::simclr::Conv2DBackwardInputOp op, const Array &dy,
                          const Array &w);
Array conv2dBackwardFilter(mlir::simclr::Conv2DBackwardFilterOp op, const Array &x,
                           const Array &dy);
Arrays batchNormTrainBackward(double epsilon, const Array &dy, const Array &x,
                              const Array &gamma);
Arrays batchNormInferBackward(double epsilon, const Array &dy, const Array &x,
                              const Array &gamma, const Array &mean, const Array &var);
Array reluBackward(const Array &dy, const Array &y);
Array maxPool2dBackward(mlir::simclr::MaxPool2DBackwardOp op, const Array &dy, const Array &x);
Array avgPool2dBackward(mlir::simclr::AvgPool2DBackwardOp op, const Array &dy);
Array softmaxBackward(const Array &dy, const Array &y, int64_t axis);
Array l2NormalizeBackward(mlir::simclr::L2NormalizeBackwardOp op, const Array &dy,
                          const Array &x);
Array sliceBackward(mlir::simclr::SliceBackwardOp op, const Array &dy);
Array reduceMaxBackward(mlir::simclr::ReduceMaxBackwardOp op, const Array &dy, const Array &x);
Array ntXentBackward(const Array &z, double gradLoss, double temperature, int64_t replica = 0,
                     int64_t replicas = 1, const Array *negatives = nullptr);
Array softmaxCrossEntropyBackward(const Array &logits, const Array &labels, bool indices,
                                  double gradLoss);
Array distillationBackward(const Array &student, const Array &teacher, double gradLoss,
                           double temperature);

// Optimizer ops.
double learningRate(double peak, double step, double warmupSteps, double totalSteps);
Arrays larsUpdate(const Array &w, const Array &g, const Array &v, double lr, double momentum,
                  double weightDecay, double trustCoefficient, bool exclude, bool noAdaptation,
                  bool nesterov);
Arrays momentumUpdate(const Array &w, const Array &g, const Array &v, double lr,
                      double momentum, double weightDecay, bool exclude, bool nesterov);

} // namespace mlir::simclr::reference

#endif // SIMCLR_REFERENCE_KERNELS_H
