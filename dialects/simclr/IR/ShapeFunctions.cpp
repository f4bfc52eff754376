//===- ShapeFunctions.cpp - result types of the simclr ops ----------------===//
//
// One shape function per op. Each checks the op's operands and attributes and computes its
// result types; the same function serves type inference (builders and the parser, through
// InferTypeOpInterface) and the verifier, so there is exactly one place that knows what a
// valid conv2d, pool or loss looks like.
//
//===----------------------------------------------------------------------===//

#include "dialects/simclr/IR/ShapeHelpers.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"

using namespace mlir;
using namespace mlir::simclr;
using namespace mlir::simclr::shape;

namespace {

//===----------------------------------------------------------------------===//
// The shape functions
//===----------------------------------------------------------------------===//

} // namespace

FailureOr<RankedTensorType>
mlir::simclr::shape::convolutionResult(const ShapeDiag &diag, RankedTensorType input,
                                       RankedTensorType filter, ArrayRef<int64_t> stride,
                                       ArrayRef<int64_t> pad, ArrayRef<int64_t> dilation,
                                       int64_t groups) {
  if (failed(sameElementType(diag, input, "input", filter, "filter")) ||
      failed(checkArray(diag, stride, "stride", 2, 1)) ||
      failed(checkArray(diag, pad, "padding", 4, 0)) ||
      failed(checkArray(diag, dilation, "dilation", 2, 1)))
    return failure();
  if (groups < 1)
    return diag() << "expects 'groups' to be at least 1, got " << groups;
  int64_t channels = input.getDimSize(1), outChannels = filter.getDimSize(0);
  if (channels % groups != 0 || outChannels % groups != 0)
    return diag() << "expects input channels (" << channels << ") and output channels ("
                  << outChannels << ") to be divisible by groups (" << groups << ")";
  if (filter.getDimSize(1) * groups != channels)
    return diag() << "filter takes " << filter.getDimSize(1)
                  << " input channel(s) per group, but the input has " << channels
                  << " channel(s) in " << groups << " group(s)";
  SmallVector<int64_t> shape = {input.getDimSize(0), outChannels};
  const char *names[] = {"height", "width"};
  for (int d = 0; d < 2; ++d) {
    int64_t window = dilation[d] * (filter.getDimSize(2 + d) - 1) + 1;
    auto extent = windowExtent(diag, names[d], input.getDimSize(2 + d), pad[d], pad[d + 2],
                               window, stride[d]);
    if (failed(extent))
      return failure();
    shape.push_back(*extent);
  }
  return withShape(input, shape);
}

FailureOr<RankedTensorType>
mlir::simclr::shape::poolResult(const ShapeDiag &diag, RankedTensorType input,
                                ArrayRef<int64_t> kernel, ArrayRef<int64_t> stride,
                                ArrayRef<int64_t> pad) {
  if (failed(checkArray(diag, kernel, "kernel", 2, 1)) ||
      failed(checkArray(diag, stride, "stride", 2, 1)) ||
      failed(checkArray(diag, pad, "padding", 4, 0)))
    return failure();
  SmallVector<int64_t> shape = {input.getDimSize(0), input.getDimSize(1)};
  const char *names[] = {"height", "width"};
  for (int d = 0; d < 2; ++d) {
    if (pad[d] >= kernel[d] || pad[d + 2] >= kernel[d])
      return diag() << "expects padding smaller than the window, got padding "
                    << std::max(pad[d], pad[d + 2]) << " for a window of " << kernel[d];
    auto extent = windowExtent(diag, names[d], input.getDimSize(2 + d), pad[d], pad[d + 2],
                               kernel[d], stride[d]);
    if (failed(extent))
      return failure();
    shape.push_back(*extent);
  }
  return withShape(input, shape);
}

LogicalResult mlir::simclr::shape::checkSlice(const ShapeDiag &diag, RankedTensorType input,
                                              ArrayRef<int64_t> offsets,
                                              ArrayRef<int64_t> sizes,
                                              ArrayRef<int64_t> strides) {
  size_t rank = input.getRank();
  if (failed(checkArray(diag, offsets, "offsets", rank, 0)) ||
      failed(checkArray(diag, sizes, "sizes", rank, 1)) ||
      failed(checkArray(diag, strides, "strides", rank, 1)))
    return failure();
  for (size_t d = 0; d < rank; ++d) {
    int64_t last = offsets[d] + (sizes[d] - 1) * strides[d];
    if (last >= input.getDimSize(d))
      return diag() << "slice reaches index " << last << " of dimension " << d
                    << ", which has extent " << input.getDimSize(d);
  }
  return success();
}

FailureOr<RankedTensorType> mlir::simclr::shape::reduceResult(const ShapeDiag &diag,
                                                              RankedTensorType input,
                                                              ArrayRef<int64_t> axes,
                                                              bool keepDims) {
  if (axes.empty())
    return diag() << "expects at least one axis to reduce";
  llvm::SmallSet<int64_t, 4> seen;
  for (int64_t axis : axes) {
    if (failed(checkAxis(diag, axis, input.getRank(), "axes")))
      return failure();
    if (!seen.insert(axis).second)
      return diag() << "expects distinct 'axes', got " << axis << " twice";
  }
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < input.getRank(); ++d) {
    if (!seen.contains(d))
      shape.push_back(input.getDimSize(d));
    else if (keepDims)
      shape.push_back(1);
  }
  return withShape(input, shape);
}

FailureOr<RankedTensorType> mlir::simclr::shape::checkNtXentInputs(const ShapeDiag &diag,
                                                                   Value embeddings,
                                                                   Value negatives,
                                                                   float temperature,
                                                                   Value replica,
                                                                   DictionaryAttr attributes) {
  auto z = tensorOfRank(diag, embeddings, "embeddings", 2, "[2N, D]");
  if (failed(z) || failed(checkPositive(diag, temperature, "temperature")))
    return failure();
  int64_t rows = z->getDimSize(0);
  if (rows < 2 || rows % 2 != 0)
    return diag() << "expects an even number of rows (two views of each image), got "
                  << rows;
  if (negatives) {
    auto q = tensorOfRank(diag, negatives, "negatives", 2, "[K, D]");
    if (failed(q) || failed(sameElementType(diag, *z, "embeddings", *q, "negatives")))
      return failure();
    if (q->getDimSize(1) != z->getDimSize(1))
      return diag() << "expects negatives of the embeddings' width " << z->getDimSize(1)
                    << ", got " << *q;
    if (q->getDimSize(0) < 1)
      return diag() << "expects at least one row of negatives, got " << *q;
  }
  // Read only after checking: the parser infers result types before the verifier has
  // seen the attributes.
  Attribute attr = attributes.get("replicas");
  if (!replica && attr)
    return diag() << "has a replica count but no replica index operand (rows of replica %r)";
  if (!replica)
    return z;
  auto count = replicasOf(diag, attributes);
  if (failed(count))
    return failure();
  if ((rows / 2) % *count != 0)
    return diag() << "expects the batch's " << rows / 2 << " images to divide among " << *count
                  << " replicas";
  return z;
}

FailureOr<RankedTensorType>
mlir::simclr::shape::checkCrossEntropyInputs(const ShapeDiag &diag, Value logitsValue,
                                             Value labelsValue) {
  auto logits = tensorOfRank(diag, logitsValue, "logits", 2, "[N, classes]");
  if (failed(logits))
    return failure();
  auto labels = staticTensor(diag, labelsValue, "labels");
  if (failed(labels))
    return failure();
  if (labels->getElementType().isInteger()) {
    if (labels->getRank() != 1 || labels->getDimSize(0) != logits->getDimSize(0))
      return diag() << "expects integer labels of shape [" << logits->getDimSize(0)
                    << "] (one class index per row), got " << *labels;
  } else {
    if (failed(sameElementType(diag, *logits, "logits", *labels, "labels")))
      return failure();
    if (labels->getShape() != logits->getShape())
      return diag() << "expects label distributions of the logits' shape " << *logits
                    << ", got " << *labels;
  }
  return logits;
}

FailureOr<RankedTensorType>
mlir::simclr::shape::checkDistillationInputs(const ShapeDiag &diag, Value studentValue,
                                             Value teacherValue, float temperature) {
  auto student = tensorOfRank(diag, studentValue, "student_logits", 2, "[N, classes]");
  if (failed(student))
    return failure();
  auto teacher = tensorOfRank(diag, teacherValue, "teacher_logits", 2, "[N, classes]");
  if (failed(teacher) || failed(checkPositive(diag, temperature, "temperature")))
    return failure();
  if (student->getShape() != teacher->getShape())
    return diag() << "expects student and teacher logits of the same shape, got " << *student
                  << " and " << *teacher;
  return student;
}

/// Shared by both batch-norm forms: the channel vectors must be [C] for a C-channel input.
LogicalResult mlir::simclr::shape::checkBatchNorm(const ShapeDiag &diag, Value inputValue,
                             ArrayRef<std::pair<Value, StringRef>> vectors, float epsilon,
                             bool channelsLast, RankedTensorType &input,
                             RankedTensorType &vector) {
  auto in = staticTensor(diag, inputValue, "input");
  if (failed(in))
    return failure();
  if (in->getRank() != 2 && in->getRank() != 4)
    return diag() << "expects an input of rank 4 (" << (channelsLast ? "NHWC" : "NCHW")
                  << ") or 2 (NC), got " << *in;
  int64_t channels = in->getDimSize(channelsLast ? in->getRank() - 1 : 1);
  for (auto [value, name] : vectors) {
    if (!value)
      continue;
    auto vec = staticTensor(diag, value, name);
    if (failed(vec) || failed(sameElementType(diag, *in, "input", *vec, name)))
      return failure();
    if (vec->getRank() != 1 || vec->getDimSize(0) != channels)
      return diag() << "expects '" << name << "' of shape [" << channels
                    << "] (one entry per channel), got " << *vec;
    vector = *vec;
  }
  input = *in;
  return checkPositive(diag, epsilon, "epsilon");
}

namespace {

LogicalResult shapeOf(Conv2DOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  bool last = bool(op.getChannelsLastAttr());
  auto input = tensorOfRank(diag, op.getInput(), "input", 4, last ? "NHWC" : "NCHW");
  if (failed(input))
    return failure();
  auto filter = tensorOfRank(diag, op.getFilter(), "filter", 4, last ? "OHWI" : "OIHW");
  if (failed(filter))
    return failure();
  auto result = convolutionResult(diag, asChannelsFirst(*input, last),
                                  asChannelsFirst(*filter, last), op.getStride(),
                                  op.getPadding(), arrayOr(op.getDilationAttr(), kUnitDilation),
                                  op.getGroupsAttr() ? op.getGroupsAttr().getInt() : 1);
  if (failed(result))
    return failure();
  results.push_back(fromChannelsFirst(*result, last));
  return success();
}

LogicalResult shapeOf(BatchNormTrainOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  RankedTensorType input, vector;
  if (failed(checkBatchNorm(diag, op.getInput(),
                            {{op.getScale(), "scale"},
                             {op.getOffset(), "offset"},
                             {op.getRunningMean(), "running_mean"},
                             {op.getRunningVar(), "running_var"}},
                            floatOr(op.getEpsilonAttr(), kBatchNormEpsilon),
                            bool(op.getChannelsLastAttr()), input, vector)))
    return failure();
  float momentum = floatOr(op.getMomentumAttr(), kBatchNormMomentum);
  if (!(momentum >= 0.0f && momentum < 1.0f))
    return diag() << "expects 'momentum' in [0, 1), got " << momentum;
  results.append({input, vector, vector});
  return success();
}

LogicalResult shapeOf(BatchNormInferOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  RankedTensorType input, vector;
  if (failed(checkBatchNorm(diag, op.getInput(),
                            {{op.getScale(), "scale"},
                             {op.getOffset(), "offset"},
                             {op.getMean(), "mean"},
                             {op.getVariance(), "variance"}},
                            floatOr(op.getEpsilonAttr(), kBatchNormEpsilon),
                            bool(op.getChannelsLastAttr()), input, vector)))
    return failure();
  results.push_back(input);
  return success();
}

LogicalResult shapeOf(ReluOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  return sameTypeAsInput(diag, op.getInput(), results);
}

LogicalResult broadcastShape(Value lhsValue, Value rhsValue, const ShapeDiag &diag,
                             SmallVectorImpl<Type> &results) {
  auto lhs = staticTensor(diag, lhsValue, "lhs");
  if (failed(lhs))
    return failure();
  auto rhs = staticTensor(diag, rhsValue, "rhs");
  if (failed(rhs) || failed(sameElementType(diag, *lhs, "lhs", *rhs, "rhs")))
    return failure();
  if (lhs->getRank() != rhs->getRank())
    return diag() << "expects operands of equal rank, got " << *lhs << " and " << *rhs;
  SmallVector<int64_t> shape;
  for (auto [a, b] : llvm::zip(lhs->getShape(), rhs->getShape())) {
    if (a != b && a != 1 && b != 1)
      return diag() << "operands " << *lhs << " and " << *rhs
                    << " do not broadcast: extents " << a << " and " << b;
    shape.push_back(a == 1 ? b : a);
  }
  results.push_back(withShape(*lhs, shape));
  return success();
}

LogicalResult shapeOf(AddOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  return broadcastShape(op.getLhs(), op.getRhs(), diag, results);
}

LogicalResult shapeOf(MulOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  return broadcastShape(op.getLhs(), op.getRhs(), diag, results);
}

LogicalResult poolShape(Value inputValue, ArrayRef<int64_t> kernel, ArrayRef<int64_t> stride,
                        ArrayRef<int64_t> pad, bool channelsLast, const ShapeDiag &diag,
                        SmallVectorImpl<Type> &results) {
  auto input = tensorOfRank(diag, inputValue, "input", 4, channelsLast ? "NHWC" : "NCHW");
  if (failed(input))
    return failure();
  auto result = poolResult(diag, asChannelsFirst(*input, channelsLast), kernel, stride, pad);
  if (failed(result))
    return failure();
  results.push_back(fromChannelsFirst(*result, channelsLast));
  return success();
}

LogicalResult shapeOf(MaxPool2DOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  return poolShape(op.getInput(), op.getKernel(), op.getStride(), op.getPadding(),
                   bool(op.getChannelsLastAttr()), diag, results);
}

LogicalResult shapeOf(AvgPool2DOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  return poolShape(op.getInput(), op.getKernel(), op.getStride(), op.getPadding(),
                   bool(op.getChannelsLastAttr()), diag, results);
}

LogicalResult shapeOf(TransposeOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  auto input = staticTensor(diag, op.getInput(), "input");
  if (failed(input))
    return failure();
  ArrayRef<int64_t> permutation = op.getPermutation();
  int64_t rank = input->getRank();
  if (int64_t(permutation.size()) != rank)
    return diag() << "expects a permutation of " << rank << " entries for " << *input
                  << ", got " << permutation.size();
  llvm::SmallSet<int64_t, 4> seen;
  for (int64_t d : permutation)
    if (d < 0 || d >= rank || !seen.insert(d).second)
      return diag() << "expects 'permutation' to hold each of 0.." << rank - 1
                    << " once";
  results.push_back(permutedType(*input, permutation));
  return success();
}

LogicalResult shapeOf(GlobalAvgPoolOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  auto input = tensorOfRank(diag, op.getInput(), "input", 4, "NCHW");
  if (failed(input))
    return failure();
  SmallVector<int64_t> shape = {input->getDimSize(0), input->getDimSize(1)};
  if (op.getKeepDims())
    shape.append({1, 1});
  results.push_back(withShape(*input, shape));
  return success();
}

LogicalResult shapeOf(DenseOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  auto input = tensorOfRank(diag, op.getInput(), "input", 2, "[batch, in_features]");
  if (failed(input))
    return failure();
  auto weight =
      tensorOfRank(diag, op.getWeight(), "weight", 2, "[out_features, in_features]");
  if (failed(weight) ||
      failed(sameElementType(diag, *input, "input", *weight, "weight")))
    return failure();
  int64_t outFeatures = weight->getDimSize(0);
  if (weight->getDimSize(1) != input->getDimSize(1))
    return diag() << "weight takes " << weight->getDimSize(1)
                  << " input features, but the input has " << input->getDimSize(1);
  if (Value biasValue = op.getBias()) {
    auto bias = staticTensor(diag, biasValue, "bias");
    if (failed(bias) || failed(sameElementType(diag, *input, "input", *bias, "bias")))
      return failure();
    if (bias->getRank() != 1 || bias->getDimSize(0) != outFeatures)
      return diag() << "expects 'bias' of shape [" << outFeatures << "], got " << *bias;
  }
  results.push_back(withShape(*input, {input->getDimSize(0), outFeatures}));
  return success();
}

LogicalResult shapeOf(ConcatOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  if (op.getInputs().empty())
    return diag() << "expects at least one input";
  auto first = staticTensor(diag, op.getInputs().front(), "input #0");
  if (failed(first) || failed(checkAxis(diag, op.getAxis(), first->getRank())))
    return failure();
  int64_t axis = op.getAxis();
  SmallVector<int64_t> shape(first->getShape());
  shape[axis] = 0;
  for (auto [i, value] : llvm::enumerate(op.getInputs())) {
    std::string name = "input #" + std::to_string(i);
    auto type = staticTensor(diag, value, name);
    if (failed(type) || failed(sameElementType(diag, *first, "input #0", *type, name)))
      return failure();
    if (type->getRank() != first->getRank())
      return diag() << "expects inputs of equal rank, got " << *first << " and " << *type;
    for (int64_t d = 0; d < type->getRank(); ++d)
      if (d != axis && type->getDimSize(d) != first->getDimSize(d))
        return diag() << "expects inputs to agree on every dimension but " << axis
                      << ", got " << *first << " and " << *type;
    shape[axis] += type->getDimSize(axis);
  }
  results.push_back(withShape(*first, shape));
  return success();
}

LogicalResult shapeOf(SplitOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  auto input = staticTensor(diag, op.getInput(), "input");
  if (failed(input) || failed(checkAxis(diag, op.getAxis(), input->getRank())) ||
      failed(checkArray(diag, op.getSizes(), "sizes", op.getSizes().size(), 1)))
    return failure();
  if (op.getSizes().empty())
    return diag() << "expects at least one entry in 'sizes'";
  int64_t axis = op.getAxis(), total = 0;
  for (int64_t size : op.getSizes())
    total += size;
  if (total != input->getDimSize(axis))
    return diag() << "'sizes' add up to " << total << " but dimension " << axis
                  << " of the input has extent " << input->getDimSize(axis);
  for (int64_t size : op.getSizes()) {
    SmallVector<int64_t> shape(input->getShape());
    shape[axis] = size;
    results.push_back(withShape(*input, shape));
  }
  return success();
}

LogicalResult shapeOf(SliceOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  auto input = staticTensor(diag, op.getInput(), "input");
  if (failed(input))
    return failure();
  SmallVector<int64_t> strides(input->getRank(), 1);
  if (auto s = op.getStrides())
    strides.assign(s->begin(), s->end());
  if (failed(checkSlice(diag, *input, op.getOffsets(), op.getSizes(), strides)))
    return failure();
  results.push_back(withShape(*input, op.getSizes()));
  return success();
}

LogicalResult shapeOf(SoftmaxOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  auto input = staticTensor(diag, op.getInput(), "input");
  if (failed(input) || failed(checkAxis(diag, op.getAxis(), input->getRank())))
    return failure();
  results.push_back(*input);
  return success();
}

LogicalResult shapeOf(L2NormalizeOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  auto input = staticTensor(diag, op.getInput(), "input");
  if (failed(input) || failed(checkAxis(diag, op.getAxis(), input->getRank())) ||
      failed(checkPositive(diag, floatOr(op.getEpsilonAttr(), kL2Epsilon), "epsilon")))
    return failure();
  results.push_back(*input);
  return success();
}

LogicalResult reduceShape(Value inputValue, ArrayRef<int64_t> axes, bool keepDims,
                          const ShapeDiag &diag, SmallVectorImpl<Type> &results) {
  auto input = staticTensor(diag, inputValue, "input");
  if (failed(input))
    return failure();
  auto result = reduceResult(diag, *input, axes, keepDims);
  if (failed(result))
    return failure();
  results.push_back(*result);
  return success();
}

LogicalResult shapeOf(ReduceSumOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  return reduceShape(op.getInput(), op.getAxes(), op.getKeepDims(), diag, results);
}

LogicalResult shapeOf(ReduceMeanOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  return reduceShape(op.getInput(), op.getAxes(), op.getKeepDims(), diag, results);
}

LogicalResult shapeOf(ReduceMaxOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  return reduceShape(op.getInput(), op.getAxes(), op.getKeepDims(), diag, results);
}

LogicalResult shapeOf(NtXentLossOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  auto z = checkNtXentInputs(diag, op.getEmbeddings(), op.getNegatives(),
                             floatOr(op.getTemperatureAttr(), 0.0f), op.getReplica(),
                             op.getAttributes());
  if (failed(z))
    return failure();
  MLIRContext *ctx = z->getContext();
  results.append({scalarF32(ctx), scalarF32(ctx)});
  return success();
}

LogicalResult shapeOf(SoftmaxCrossEntropyOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  auto logits = checkCrossEntropyInputs(diag, op.getLogits(), op.getLabels());
  if (failed(logits))
    return failure();
  MLIRContext *ctx = logits->getContext();
  results.append({scalarF32(ctx), scalarF32(ctx)});
  return success();
}

LogicalResult shapeOf(DistillationLossOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  auto student = checkDistillationInputs(diag, op.getStudentLogits(), op.getTeacherLogits(),
                                         floatOr(op.getTemperatureAttr(), 0.0f));
  if (failed(student))
    return failure();
  MLIRContext *ctx = student->getContext();
  results.append({scalarF32(ctx), scalarF32(ctx)});
  return success();
}

} // namespace

namespace mlir::simclr {
SIMCLR_SHAPE_FUNCTION(Conv2DOp)
SIMCLR_SHAPE_FUNCTION(BatchNormTrainOp)
SIMCLR_SHAPE_FUNCTION(BatchNormInferOp)
SIMCLR_SHAPE_FUNCTION(ReluOp)
SIMCLR_SHAPE_FUNCTION(AddOp)
SIMCLR_SHAPE_FUNCTION(MulOp)
SIMCLR_SHAPE_FUNCTION(MaxPool2DOp)
SIMCLR_SHAPE_FUNCTION(AvgPool2DOp)
SIMCLR_SHAPE_FUNCTION(TransposeOp)
SIMCLR_SHAPE_FUNCTION(GlobalAvgPoolOp)
SIMCLR_SHAPE_FUNCTION(DenseOp)
SIMCLR_SHAPE_FUNCTION(ConcatOp)
SIMCLR_SHAPE_FUNCTION(SplitOp)
SIMCLR_SHAPE_FUNCTION(SliceOp)
SIMCLR_SHAPE_FUNCTION(SoftmaxOp)
SIMCLR_SHAPE_FUNCTION(L2NormalizeOp)
SIMCLR_SHAPE_FUNCTION(ReduceSumOp)
SIMCLR_SHAPE_FUNCTION(ReduceMeanOp)
SIMCLR_SHAPE_FUNCTION(ReduceMaxOp)
SIMCLR_SHAPE_FUNCTION(NtXentLossOp)
SIMCLR_SHAPE_FUNCTION(SoftmaxCrossEntropyOp)
SIMCLR_SHAPE_FUNCTION(DistillationLossOp)
} // namespace mlir::simclr
