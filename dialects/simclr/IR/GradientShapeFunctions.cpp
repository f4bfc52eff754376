//===- GradientShapeFunctions.cpp - result types of the gradient ops -------===//
//
// The shape functions and verifiers of SimclrGradientOps.td. A gradient op's operands are
// checked against the forward op they differentiate (through the shared helpers of
// ShapeHelpers.h), so a gradient of the wrong shape is caught where it is built.
//
//===----------------------------------------------------------------------===//

#include "dialects/simclr/IR/ShapeHelpers.h"

using namespace mlir;
using namespace mlir::simclr;
using namespace mlir::simclr::shape;

namespace {

LogicalResult sameType(const ShapeDiag &diag, RankedTensorType a, StringRef aName,
                       RankedTensorType b, StringRef bName) {
  if (a != b)
    return diag() << "expects " << aName << " and " << bName << " of the same type, got "
                  << a << " and " << b;
  return success();
}

/// Checks that `grad` has the type that the forward computation gives `expected`.
LogicalResult gradientMatchesForward(const ShapeDiag &diag, Value grad,
                                     FailureOr<RankedTensorType> expected) {
  if (failed(expected))
    return failure();
  auto type = staticTensor(diag, grad, "grad_output");
  if (failed(type))
    return failure();
  if (*type != *expected)
    return diag() << "grad_output has type " << *type << ", but the forward op gives "
                  << *expected;
  return success();
}

LogicalResult shapeOf(MatmulOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  auto a = tensorOfRank(diag, op.getA(), "a", 2);
  if (failed(a))
    return failure();
  auto b = tensorOfRank(diag, op.getB(), "b", 2);
  if (failed(b) || failed(sameElementType(diag, *a, "a", *b, "b")))
    return failure();
  int64_t m = a->getDimSize(op.getTransposeA() ? 1 : 0);
  int64_t k = a->getDimSize(op.getTransposeA() ? 0 : 1);
  int64_t kb = b->getDimSize(op.getTransposeB() ? 1 : 0);
  int64_t n = b->getDimSize(op.getTransposeB() ? 0 : 1);
  if (k != kb)
    return diag() << "contracts " << k << " columns of op(a) with " << kb
                  << " rows of op(b)";
  results.push_back(withShape(*a, {m, n}));
  return success();
}

LogicalResult shapeOf(ScaleOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  return sameTypeAsInput(diag, op.getInput(), results);
}

/// Both batch-norm gradients: the forward operands' checks, and dy of x's type.
LogicalResult batchNormGradient(const ShapeDiag &diag, Value dyValue, Value xValue,
                                ArrayRef<std::pair<Value, StringRef>> vectors, float epsilon,
                                bool channelsLast, SmallVectorImpl<Type> &results) {
  RankedTensorType x, vector;
  if (failed(checkBatchNorm(diag, xValue, vectors, epsilon, channelsLast, x, vector)))
    return failure();
  auto dy = staticTensor(diag, dyValue, "grad_output");
  if (failed(dy) || failed(sameType(diag, *dy, "grad_output", x, "input")))
    return failure();
  results.append({x, vector, vector});
  return success();
}

LogicalResult shapeOf(BatchNormTrainBackwardOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  return batchNormGradient(diag, op.getGradOutput(), op.getInput(), {{op.getScale(), "scale"}},
                           floatOr(op.getEpsilonAttr(), kBatchNormEpsilon),
                           bool(op.getChannelsLastAttr()), results);
}

LogicalResult shapeOf(BatchNormInferBackwardOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  return batchNormGradient(
      diag, op.getGradOutput(), op.getInput(),
      {{op.getScale(), "scale"}, {op.getMean(), "mean"}, {op.getVariance(), "variance"}},
      floatOr(op.getEpsilonAttr(), kBatchNormEpsilon), bool(op.getChannelsLastAttr()),
      results);
}

/// Gradients shaped like one forward tensor, which the gradient must match.
LogicalResult likeForward(const ShapeDiag &diag, Value dyValue, Value forwardValue,
                          StringRef forwardName, SmallVectorImpl<Type> &results) {
  auto forward = staticTensor(diag, forwardValue, forwardName);
  if (failed(forward))
    return failure();
  auto dy = staticTensor(diag, dyValue, "grad_output");
  if (failed(dy) || failed(sameType(diag, *dy, "grad_output", *forward, forwardName)))
    return failure();
  results.push_back(*forward);
  return success();
}

LogicalResult shapeOf(ReluBackwardOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  return likeForward(diag, op.getGradOutput(), op.getOutput(), "output", results);
}

LogicalResult shapeOf(SoftmaxBackwardOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  if (failed(likeForward(diag, op.getGradOutput(), op.getOutput(), "output", results)))
    return failure();
  return checkAxis(diag, op.getAxis(), llvm::cast<RankedTensorType>(results[0]).getRank());
}

LogicalResult shapeOf(L2NormalizeBackwardOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  if (failed(likeForward(diag, op.getGradOutput(), op.getInput(), "input", results)) ||
      failed(checkPositive(diag, floatOr(op.getEpsilonAttr(), kL2Epsilon), "epsilon")))
    return failure();
  return checkAxis(diag, op.getAxis(), llvm::cast<RankedTensorType>(results[0]).getRank());
}

LogicalResult shapeOf(MaxPool2DBackwardOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  bool last = bool(op.getChannelsLastAttr());
  auto input = tensorOfRank(diag, op.getInput(), "input", 4, last ? "NHWC" : "NCHW");
  if (failed(input))
    return failure();
  auto forward = poolResult(diag, asChannelsFirst(*input, last), op.getKernel(),
                            op.getStride(), op.getPadding());
  if (failed(forward) ||
      failed(gradientMatchesForward(diag, op.getGradOutput(), fromChannelsFirst(*forward, last))))
    return failure();
  results.push_back(*input);
  return success();
}

LogicalResult shapeOf(ReduceMaxBackwardOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  auto input = staticTensor(diag, op.getInput(), "input");
  if (failed(input) ||
      failed(gradientMatchesForward(diag, op.getGradOutput(),
                                    reduceResult(diag, *input, op.getAxes(), op.getKeepDims()))))
    return failure();
  results.push_back(*input);
  return success();
}

LogicalResult shapeOf(NtXentLossBackwardOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  auto z = checkNtXentInputs(diag, op.getEmbeddings(), op.getNegatives(),
                             floatOr(op.getTemperatureAttr(), 0.0f), op.getReplica(),
                             op.getAttributes());
  if (failed(z))
    return failure();
  results.push_back(*z);
  return success();
}

LogicalResult shapeOf(SoftmaxCrossEntropyBackwardOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  auto logits = checkCrossEntropyInputs(diag, op.getLogits(), op.getLabels());
  if (failed(logits))
    return failure();
  results.push_back(*logits);
  return success();
}

LogicalResult shapeOf(DistillationLossBackwardOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  auto student = checkDistillationInputs(diag, op.getStudentLogits(), op.getTeacherLogits(),
                                         floatOr(op.getTemperatureAttr(), 0.0f));
  if (failed(student))
    return failure();
  results.push_back(*student);
  return success();
}

} // namespace

namespace mlir::simclr {
SIMCLR_SHAPE_FUNCTION(MatmulOp)
SIMCLR_SHAPE_FUNCTION(ScaleOp)
SIMCLR_SHAPE_FUNCTION(BatchNormTrainBackwardOp)
SIMCLR_SHAPE_FUNCTION(BatchNormInferBackwardOp)
SIMCLR_SHAPE_FUNCTION(ReluBackwardOp)
SIMCLR_SHAPE_FUNCTION(SoftmaxBackwardOp)
SIMCLR_SHAPE_FUNCTION(L2NormalizeBackwardOp)
SIMCLR_SHAPE_FUNCTION(MaxPool2DBackwardOp)
SIMCLR_SHAPE_FUNCTION(ReduceMaxBackwardOp)
SIMCLR_SHAPE_FUNCTION(NtXentLossBackwardOp)
SIMCLR_SHAPE_FUNCTION(SoftmaxCrossEntropyBackwardOp)
SIMCLR_SHAPE_FUNCTION(DistillationLossBackwardOp)

// Ops whose result type is written out (the forward input's shape cannot be inferred from
// the gradient): the forward op applied to the result must give the gradient's shape.

LogicalResult BroadcastOp::verify() {
  auto in = getInput().getType(), out = getOutput().getType();
  if (!in.hasStaticShape() || !out.hasStaticShape() || in.getRank() != out.getRank() ||
      in.getElementType() != out.getElementType())
    return emitOpError() << "expects static tensors of equal rank and element type, got "
                         << in << " and " << out;
  for (auto [a, b] : llvm::zip(in.getShape(), out.getShape()))
    if (a != b && a != 1)
      return emitOpError() << "cannot broadcast " << in << " to " << out;
  return success();
}

/// Both convolution gradients: the forward convolution of `input` with `filter` (types
/// given by the op) must produce `grad_output`'s type.
template <typename OpT>
static LogicalResult verifyConvolutionGradient(OpT op, RankedTensorType input,
                                               RankedTensorType filter) {
  ShapeDiag diag{op.getOperation(), op.getLoc()};
  if (input.getRank() != 4 || filter.getRank() != 4)
    return op.emitOpError() << "expects rank-4 input and filter, got " << input << " and "
                            << filter;
  bool last = op.getChannelsLast();
  auto forward = convolutionResult(diag, asChannelsFirst(input, last),
                                   asChannelsFirst(filter, last), op.getStride(),
                                   op.getPadding(), op.getDilation(), op.getGroups());
  if (failed(forward))
    return failure();
  return gradientMatchesForward(diag, op.getGradOutput(), fromChannelsFirst(*forward, last));
}

LogicalResult Conv2DBackwardInputOp::verify() {
  return verifyConvolutionGradient(*this, getGradInput().getType(), getFilter().getType());
}

LogicalResult Conv2DBackwardFilterOp::verify() {
  return verifyConvolutionGradient(*this, getInput().getType(), getGradFilter().getType());
}

LogicalResult AvgPool2DBackwardOp::verify() {
  ShapeDiag diag{getOperation(), getLoc()};
  auto input = getGradInput().getType();
  bool last = getChannelsLast();
  if (input.getRank() != 4)
    return emitOpError() << "expects a rank-4 (" << (last ? "NHWC" : "NCHW")
                         << ") result, got " << input;
  auto forward =
      poolResult(diag, asChannelsFirst(input, last), getKernel(), getStride(), getPadding());
  if (failed(forward))
    return failure();
  return gradientMatchesForward(diag, getGradOutput(), fromChannelsFirst(*forward, last));
}

LogicalResult SliceBackwardOp::verify() {
  ShapeDiag diag{getOperation(), getLoc()};
  auto input = getGradInput().getType(), dy = getGradOutput().getType();
  if (input.getElementType() != dy.getElementType() || input.getRank() != dy.getRank())
    return emitOpError() << "expects a result of the gradient's rank and element type, got "
                         << dy << " and " << input;
  SmallVector<int64_t> strides(input.getRank(), 1);
  if (auto s = getStrides())
    strides.assign(s->begin(), s->end());
  return checkSlice(diag, input, getOffsets(), dy.getShape(), strides);
}
} // namespace mlir::simclr

//===----------------------------------------------------------------------===//
// Optimizer ops (SimclrOptimizerOps.td)
//===----------------------------------------------------------------------===//

namespace {

LogicalResult shapeOf(LearningRateOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  if (!(op.getPeak().convertToDouble() >= 0.0))
    return diag() << "expects a non-negative 'peak', got " << op.getPeak().convertToDouble();
  results.push_back(scalarF32(op.getStep().getContext()));
  return success();
}

LogicalResult updateShape(const ShapeDiag &diag, Value param,
                          ArrayRef<std::pair<double, StringRef>> coefficients,
                          SmallVectorImpl<Type> &results) {
  auto type = staticTensor(diag, param, "param");
  if (failed(type))
    return failure();
  for (auto [value, name] : coefficients)
    if (!(value >= 0.0))
      return diag() << "expects '" << name << "' to be non-negative, got " << value;
  results.append({*type, *type});
  return success();
}

LogicalResult shapeOf(LarsUpdateOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  return updateShape(diag, op.getParam(),
                     {{op.getMomentum().convertToDouble(), "momentum"},
                      {op.getWeightDecay().convertToDouble(), "weight_decay"},
                      {op.getTrustCoefficient().convertToDouble(), "trust_coefficient"}},
                     results);
}

LogicalResult shapeOf(MomentumUpdateOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  return updateShape(diag, op.getParam(),
                     {{op.getMomentum().convertToDouble(), "momentum"},
                      {op.getWeightDecay().convertToDouble(), "weight_decay"}},
                     results);
}

} // namespace

namespace mlir::simclr {
SIMCLR_SHAPE_FUNCTION(LearningRateOp)
SIMCLR_SHAPE_FUNCTION(LarsUpdateOp)
SIMCLR_SHAPE_FUNCTION(MomentumUpdateOp)
} // namespace mlir::simclr
