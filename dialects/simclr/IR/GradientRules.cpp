//===- GradientRules.cpp - reverse-mode gradient rules of the simclr ops --===//
//
// One `buildGradients` per differentiable op (GradientOpInterface). A rule receives the
// gradients of its op's results (null = zero) and builds those of its operands, using the
// forward ops and the gradient ops of SimclrGradientOps.td. Broadcasting ops sum their
// gradients back over the broadcast dimensions ("unbroadcast").
//
//===----------------------------------------------------------------------===//

#include "dialects/simclr/IR/SimclrOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::simclr;

namespace {

RankedTensorType tensorType(Value v) { return llvm::cast<RankedTensorType>(v.getType()); }

Value zerosLike(OpBuilder &b, Location loc, RankedTensorType type) {
  return arith::ConstantOp::create(
      b, loc, type, DenseElementsAttr::get(type, b.getFloatAttr(type.getElementType(), 0.0)));
}

/// Sums `grad` (of the broadcast result's shape) down to `target`'s shape.
Value unbroadcast(OpBuilder &b, Location loc, Value grad, RankedTensorType target) {
  RankedTensorType type = tensorType(grad);
  if (type == target)
    return grad;
  SmallVector<int64_t> axes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (target.getDimSize(d) == 1 && type.getDimSize(d) != 1)
      axes.push_back(d);
  return ReduceSumOp::create(b, loc, grad, b.getDenseI64ArrayAttr(axes), b.getUnitAttr());
}

/// Spreads a reduced gradient back over `input`'s shape (keep_dims reshape, broadcast).
Value expandReduced(OpBuilder &b, Location loc, Value grad, RankedTensorType input,
                    ArrayRef<int64_t> axes) {
  SmallVector<int64_t> kept(input.getShape());
  for (int64_t axis : axes)
    kept[axis] = 1;
  auto keptType = RankedTensorType::get(kept, input.getElementType());
  if (tensorType(grad) != keptType)
    grad = ReshapeOp::create(b, loc, keptType, grad);
  return BroadcastOp::create(b, loc, input, grad);
}

int64_t reducedCount(RankedTensorType input, ArrayRef<int64_t> axes) {
  int64_t count = 1;
  for (int64_t axis : axes)
    count *= input.getDimSize(axis);
  return count;
}

} // namespace

LogicalResult Conv2DOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                       SmallVectorImpl<Value> &operandGrads) {
  Value dy = grads[0];
  operandGrads.push_back(Conv2DBackwardInputOp::create(
      b, getLoc(), getInput().getType(), dy, getFilter(), getStrideAttr(), getPaddingAttr(),
      getDilationAttr(), getGroupsAttr(), getChannelsLastAttr()));
  operandGrads.push_back(Conv2DBackwardFilterOp::create(
      b, getLoc(), getFilter().getType(), getInput(), dy, getStrideAttr(), getPaddingAttr(),
      getDilationAttr(), getGroupsAttr(), getChannelsLastAttr()));
  return success();
}

LogicalResult BatchNormTrainOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                               SmallVectorImpl<Value> &operandGrads) {
  // Only the normalised output carries a gradient; the running statistics do not.
  auto backward = BatchNormTrainBackwardOp::create(b, getLoc(), grads[0], getInput(),
                                                   getScale(), getEpsilonAttr(),
                                                   getChannelsLastAttr());
  operandGrads.append({backward.getGradInput(), backward.getGradScale()});
  if (getOffset())
    operandGrads.push_back(backward.getGradOffset());
  operandGrads.append({Value(), Value()});
  return success();
}

LogicalResult BatchNormInferOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                               SmallVectorImpl<Value> &operandGrads) {
  auto backward =
      BatchNormInferBackwardOp::create(b, getLoc(), grads[0], getInput(), getScale(),
                                       getMean(), getVariance(), getEpsilonAttr(),
                                       getChannelsLastAttr());
  operandGrads.append({backward.getGradInput(), backward.getGradScale()});
  if (getOffset())
    operandGrads.push_back(backward.getGradOffset());
  operandGrads.append({Value(), Value()});
  return success();
}

LogicalResult ReluOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                     SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(ReluBackwardOp::create(b, getLoc(), grads[0], getOutput()));
  return success();
}

LogicalResult AddOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                    SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(unbroadcast(b, getLoc(), grads[0], getLhs().getType()));
  operandGrads.push_back(unbroadcast(b, getLoc(), grads[0], getRhs().getType()));
  return success();
}

LogicalResult MulOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                    SmallVectorImpl<Value> &operandGrads) {
  Value dLhs = MulOp::create(b, getLoc(), grads[0], getRhs());
  Value dRhs = MulOp::create(b, getLoc(), grads[0], getLhs());
  operandGrads.push_back(unbroadcast(b, getLoc(), dLhs, getLhs().getType()));
  operandGrads.push_back(unbroadcast(b, getLoc(), dRhs, getRhs().getType()));
  return success();
}

LogicalResult MaxPool2DOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                          SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(MaxPool2DBackwardOp::create(b, getLoc(), grads[0], getInput(),
                                                     getKernelAttr(), getStrideAttr(),
                                                     getPaddingAttr(), getChannelsLastAttr()));
  return success();
}

LogicalResult AvgPool2DOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                          SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(AvgPool2DBackwardOp::create(
      b, getLoc(), getInput().getType(), grads[0], getKernelAttr(), getStrideAttr(),
      getPaddingAttr(), getCountIncludePadAttr(), getChannelsLastAttr()));
  return success();
}

LogicalResult GlobalAvgPoolOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                              SmallVectorImpl<Value> &operandGrads) {
  RankedTensorType input = getInput().getType();
  Value spread = expandReduced(b, getLoc(), grads[0], input, {2, 3});
  operandGrads.push_back(ScaleOp::create(
      b, getLoc(), spread, b.getF64FloatAttr(1.0 / reducedCount(input, {2, 3}))));
  return success();
}

LogicalResult DenseOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                      SmallVectorImpl<Value> &operandGrads) {
  // y = x w^T + b: dx = dy w, dw = dy^T x, db = sum over the batch of dy.
  Value dy = grads[0];
  operandGrads.push_back(MatmulOp::create(b, getLoc(), dy, getWeight(), UnitAttr(), UnitAttr()));
  operandGrads.push_back(
      MatmulOp::create(b, getLoc(), dy, getInput(), b.getUnitAttr(), UnitAttr()));
  if (getBias())
    operandGrads.push_back(
        ReduceSumOp::create(b, getLoc(), dy, b.getDenseI64ArrayAttr({0}), UnitAttr()));
  return success();
}

LogicalResult MatmulOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                       SmallVectorImpl<Value> &operandGrads) {
  // C = op(A) op(B): d op(A) = dC op(B)^T and d op(B) = op(A)^T dC, transposed back where
  // the operand was used transposed.
  Value dc = grads[0];
  bool ta = getTransposeA(), tb = getTransposeB();
  auto flag = [&](bool on) { return on ? b.getUnitAttr() : UnitAttr(); };
  Value da = ta ? MatmulOp::create(b, getLoc(), getB(), dc, flag(tb), flag(true))
                : MatmulOp::create(b, getLoc(), dc, getB(), flag(false), flag(!tb));
  Value db = tb ? MatmulOp::create(b, getLoc(), dc, getA(), flag(true), flag(ta))
                : MatmulOp::create(b, getLoc(), getA(), dc, flag(!ta), flag(false));
  operandGrads.append({da, db});
  return success();
}

LogicalResult BroadcastOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                          SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(unbroadcast(b, getLoc(), grads[0], getInput().getType()));
  return success();
}

LogicalResult ScaleOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                      SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(ScaleOp::create(b, getLoc(), grads[0], getFactorAttr()));
  return success();
}

LogicalResult ConcatOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                       SmallVectorImpl<Value> &operandGrads) {
  SmallVector<int64_t> sizes;
  for (Value input : getInputs())
    sizes.push_back(tensorType(input).getDimSize(getAxis()));
  auto split = SplitOp::create(b, getLoc(), grads[0], getAxisAttr(),
                               b.getDenseI64ArrayAttr(sizes));
  operandGrads.append(split.getResults().begin(), split.getResults().end());
  return success();
}

LogicalResult SplitOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                      SmallVectorImpl<Value> &operandGrads) {
  SmallVector<Value> pieces;
  for (auto [grad, result] : llvm::zip(grads, getOutputs()))
    pieces.push_back(grad ? grad : zerosLike(b, getLoc(), tensorType(result)));
  operandGrads.push_back(ConcatOp::create(b, getLoc(), pieces, getAxisAttr()));
  return success();
}

LogicalResult SliceOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                      SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(SliceBackwardOp::create(b, getLoc(), getInput().getType(), grads[0],
                                                 getOffsetsAttr(), getStridesAttr()));
  return success();
}

LogicalResult ConvertOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                        SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(ConvertOp::create(b, getLoc(), getInput().getType(), grads[0]));
  return success();
}

LogicalResult TransposeOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                          SmallVectorImpl<Value> &operandGrads) {
  // The inverse permutation: input dimension permutation[d] is result dimension d.
  ArrayRef<int64_t> permutation = getPermutation();
  SmallVector<int64_t> inverse(permutation.size());
  for (auto [d, source] : llvm::enumerate(permutation))
    inverse[source] = int64_t(d);
  operandGrads.push_back(TransposeOp::create(b, getLoc(), grads[0], inverse));
  return success();
}

LogicalResult ReshapeOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                        SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(ReshapeOp::create(b, getLoc(), getInput().getType(), grads[0]));
  return success();
}

LogicalResult SoftmaxOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                        SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(
      SoftmaxBackwardOp::create(b, getLoc(), grads[0], getOutput(), getAxisAttr()));
  return success();
}

LogicalResult L2NormalizeOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                            SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(L2NormalizeBackwardOp::create(b, getLoc(), grads[0], getInput(),
                                                       getAxisAttr(), getEpsilonAttr()));
  return success();
}

LogicalResult ReduceSumOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                          SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(
      expandReduced(b, getLoc(), grads[0], getInput().getType(), getAxes()));
  return success();
}

LogicalResult ReduceMeanOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                           SmallVectorImpl<Value> &operandGrads) {
  RankedTensorType input = getInput().getType();
  Value spread = expandReduced(b, getLoc(), grads[0], input, getAxes());
  operandGrads.push_back(ScaleOp::create(
      b, getLoc(), spread, b.getF64FloatAttr(1.0 / reducedCount(input, getAxes()))));
  return success();
}

LogicalResult ReduceMaxOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                          SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(ReduceMaxBackwardOp::create(b, getLoc(), grads[0], getInput(),
                                                     getAxesAttr(), getKeepDimsAttr()));
  return success();
}

// The losses: only the loss result carries a gradient (the accuracy is a count).

LogicalResult NtXentLossOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                           SmallVectorImpl<Value> &operandGrads) {
  if (grads[0])
    operandGrads.push_back(NtXentLossBackwardOp::create(b, getLoc(), getEmbeddings(),
                                                        grads[0], getNegatives(), getReplica(),
                                                        getTemperatureAttr(), getReplicasAttr()));
  else
    operandGrads.push_back(Value());
  if (getNegatives())
    operandGrads.push_back(Value()); // a memory: state, no gradient
  if (getReplica())
    operandGrads.push_back(Value()); // an index
  return success();
}

LogicalResult SoftmaxCrossEntropyOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                                    SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(grads[0] ? SoftmaxCrossEntropyBackwardOp::create(
                                        b, getLoc(), getLogits(), getLabels(), grads[0])
                                  : Value());
  operandGrads.push_back(Value()); // labels are data
  return success();
}

LogicalResult DistillationLossOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                                 SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(grads[0] ? DistillationLossBackwardOp::create(
                                        b, getLoc(), getStudentLogits(), getTeacherLogits(),
                                        grads[0], getTemperatureAttr())
                                  : Value());
  operandGrads.push_back(Value()); // the teacher is fixed
  return success();
}
