//===- ShapeHelpers.h - shared pieces of the shape functions ----*- C++ -*-===//
//
// Internal to dialects/simclr/IR: the diagnostics and operand checks every shape function
// uses, and the macro that derives an op's inferReturnTypes and verifyShapes from its shape
// function.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_DIALECT_SHAPEHELPERS_H
#define SIMCLR_DIALECT_SHAPEHELPERS_H

#include "dialects/simclr/IR/SimclrOps.h"

namespace mlir::simclr::shape {


/// Where a shape function reports a problem: on the op itself when verifying, or at a
/// location when inferring types for an op that does not exist yet.
struct ShapeDiag {
  Operation *op = nullptr;
  Location loc;
  InFlightDiagnostic operator()() const {
    return op ? op->emitOpError() : mlir::emitError(loc);
  }
};

inline ShapeDiag diagAt(MLIRContext *ctx, std::optional<Location> loc) {
  return ShapeDiag{nullptr, loc ? *loc : UnknownLoc::get(ctx)};
}

/// The operand's type as a static ranked tensor, or an error naming the operand.
inline FailureOr<RankedTensorType> staticTensor(const ShapeDiag &diag, Value value,
                                         StringRef what) {
  auto type = llvm::dyn_cast_or_null<RankedTensorType>(value ? value.getType() : Type());
  if (!type)
    return diag() << "expects " << what << " to be a ranked tensor";
  if (!type.hasStaticShape())
    return diag() << "expects " << what << " to have a static shape, got " << type;
  return type;
}

inline FailureOr<RankedTensorType> tensorOfRank(const ShapeDiag &diag, Value value,
                                         StringRef what, int64_t rank,
                                         StringRef layout = "") {
  auto type = staticTensor(diag, value, what);
  if (failed(type))
    return failure();
  if (type->getRank() != rank) {
    auto d = diag();
    d << "expects " << what << " of rank " << rank;
    if (!layout.empty())
      d << " (" << layout << ")";
    d << ", got " << *type;
    return d;
  }
  return type;
}

inline LogicalResult sameElementType(const ShapeDiag &diag, RankedTensorType a,
                              StringRef aName, RankedTensorType b, StringRef bName) {
  if (a.getElementType() != b.getElementType())
    return diag() << "expects " << aName << " and " << bName
                  << " to have the same element type, got " << a.getElementType()
                  << " and " << b.getElementType();
  return success();
}

inline LogicalResult checkArray(const ShapeDiag &diag, ArrayRef<int64_t> values, StringRef name,
                         size_t size, int64_t minValue) {
  if (values.size() != size)
    return diag() << "expects '" << name << "' to have " << size << " entries, got "
                  << values.size();
  for (int64_t v : values)
    if (v < minValue)
      return diag() << "expects every entry of '" << name << "' to be at least "
                    << minValue << ", got " << v;
  return success();
}

inline LogicalResult checkAxis(const ShapeDiag &diag, int64_t axis, int64_t rank,
                        StringRef name = "axis") {
  if (axis < 0 || axis >= rank)
    return diag() << "expects '" << name << "' in [0, " << rank << "), got " << axis;
  return success();
}

inline LogicalResult checkPositive(const ShapeDiag &diag, double value, StringRef name) {
  if (!(value > 0.0))
    return diag() << "expects '" << name << "' to be positive, got " << value;
  return success();
}

/// Output extent of a sliding window over one spatial dimension.
inline FailureOr<int64_t> windowExtent(const ShapeDiag &diag, StringRef dimName, int64_t size,
                                int64_t padBefore, int64_t padAfter, int64_t window,
                                int64_t stride) {
  int64_t span = size + padBefore + padAfter - window;
  if (span < 0)
    return diag() << "window of extent " << window << " does not fit the padded input "
                  << dimName << " " << size + padBefore + padAfter;
  return span / stride + 1;
}

inline RankedTensorType withShape(RankedTensorType type, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, type.getElementType());
}

// Adaptors do not apply the defaults of DefaultValuedAttr (and the parser infers result
// types before defaults are filled in), so the shape functions read such attributes here.
inline ArrayRef<int64_t> arrayOr(DenseI64ArrayAttr attr, ArrayRef<int64_t> fallback) {
  return attr ? attr.asArrayRef() : fallback;
}

inline float floatOr(FloatAttr attr, float fallback) {
  return attr ? static_cast<float>(attr.getValueAsDouble()) : fallback;
}

constexpr int64_t kUnitDilation[] = {1, 1};
constexpr float kBatchNormEpsilon = 1.0e-5f, kBatchNormMomentum = 0.9f, kL2Epsilon = 1.0e-12f;

inline Type scalarF32(MLIRContext *ctx) {
  return RankedTensorType::get({}, Float32Type::get(ctx));
}

/// After the operands passed their shape function, the op's declared result types must be
/// the inferred ones.
inline LogicalResult checkResultTypes(Operation *op, ArrayRef<Type> inferred) {
  if (op->getNumResults() != inferred.size())
    return op->emitOpError() << "has " << op->getNumResults() << " result(s), expected "
                             << inferred.size();
  for (auto [i, actual, expected] : llvm::enumerate(op->getResultTypes(), inferred))
    if (actual != expected)
      return op->emitOpError() << "result #" << i << " has type " << actual
                               << ", but the operands give " << expected;
  return success();
}


/// Shape function of an op whose one result has its input's type.
inline LogicalResult sameTypeAsInput(const ShapeDiag &diag, Value input,
                                     SmallVectorImpl<Type> &results) {
  auto type = staticTensor(diag, input, "input");
  if (failed(type))
    return failure();
  results.push_back(*type);
  return success();
}

/// A layout-sensitive op's rank-4 type as the NCHW (OIHW) type its shape rules are written
/// for, and back: the identity unless the op is `channels_last`.
inline RankedTensorType asChannelsFirst(RankedTensorType type, bool channelsLast) {
  return channelsLast && type.getRank() == 4 ? permutedType(type, kToChannelsFirst) : type;
}
inline RankedTensorType fromChannelsFirst(RankedTensorType type, bool channelsLast) {
  return channelsLast && type.getRank() == 4 ? permutedType(type, kToChannelsLast) : type;
}

/// Result type of a convolution (shared by conv2d and its gradients).
FailureOr<RankedTensorType> convolutionResult(const ShapeDiag &diag, RankedTensorType input,
                                              RankedTensorType filter,
                                              ArrayRef<int64_t> stride, ArrayRef<int64_t> pad,
                                              ArrayRef<int64_t> dilation, int64_t groups);

/// Result type of a 2-D pooling window over a rank-4 input.
FailureOr<RankedTensorType> poolResult(const ShapeDiag &diag, RankedTensorType input,
                                       ArrayRef<int64_t> kernel, ArrayRef<int64_t> stride,
                                       ArrayRef<int64_t> pad);

/// Checks a strided box of `input`.
LogicalResult checkSlice(const ShapeDiag &diag, RankedTensorType input,
                         ArrayRef<int64_t> offsets, ArrayRef<int64_t> sizes,
                         ArrayRef<int64_t> strides);

/// Batch norm's operands, shared by its forms and their gradients: an NCHW (NHWC when
/// `channelsLast`) or NC `input` and per-channel vectors of shape [C] (null entries
/// skipped); sets `input` and `vector`.
LogicalResult checkBatchNorm(const ShapeDiag &diag, Value input,
                             ArrayRef<std::pair<Value, StringRef>> vectors, float epsilon,
                             bool channelsLast, RankedTensorType &inputType,
                             RankedTensorType &vectorType);

/// Result type of a reduction over `axes`.
FailureOr<RankedTensorType> reduceResult(const ShapeDiag &diag, RankedTensorType input,
                                         ArrayRef<int64_t> axes, bool keepDims);

/// The operands of the losses (shared by each loss and its gradient); each returns the
/// type of the tensor the gradient flows to.
/// The op's replica count (its `replicas` attribute): an integer of at least 1, else an
/// error naming the attribute. Checked before it is read, as every attribute here.
FailureOr<int64_t> replicasOf(const ShapeDiag &diag, DictionaryAttr attributes);

/// With a `replica` index, the `replicas` attribute counts the replicas whose rows it picks
/// (nt_xent_loss's `rows of replica`). `negatives` (or null) is `[K, D]`, of the
/// embeddings' width and element type.
FailureOr<RankedTensorType> checkNtXentInputs(const ShapeDiag &diag, Value embeddings,
                                              Value negatives, float temperature,
                                              Value replica, DictionaryAttr attributes);
FailureOr<RankedTensorType> checkCrossEntropyInputs(const ShapeDiag &diag, Value logits,
                                                    Value labels);
FailureOr<RankedTensorType> checkDistillationInputs(const ShapeDiag &diag, Value student,
                                                    Value teacher, float temperature);

} // namespace mlir::simclr::shape

// Each inferred op gets its inferReturnTypes and its verifyShapes from one shape function.
// Inference runs inside the parser and the builders, before the verifier: the op's
// attributes are checked against their ODS constraints first (the adaptor's verify), so
// that no shape function reads an attribute of the wrong kind (an integer where a float
// belongs crashed the parser).
#define SIMCLR_SHAPE_FUNCTION(OP)                                                          \
  LogicalResult OP::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,       \
                                     Adaptor adaptor, SmallVectorImpl<Type> &types) {     \
    Location where = loc ? *loc : UnknownLoc::get(ctx);                                    \
    if (failed(adaptor.getAttributes()                                                     \
                   ? adaptor.verify(where)                                                 \
                   : Adaptor(adaptor.getOperands(), DictionaryAttr::get(ctx)).verify(where))) \
      return failure();                                                                    \
    return shapeOf(adaptor, shape::diagAt(ctx, loc), types);                                    \
  }                                                                                        \
  LogicalResult OP::verifyShapes() {                                                       \
    SmallVector<Type> types;                                                               \
    if (failed(shapeOf(Adaptor(*this), shape::ShapeDiag{getOperation(), getLoc()}, types)))      \
      return failure();                                                                    \
    return shape::checkResultTypes(getOperation(), types);                                       \
  }


#endif // SIMCLR_DIALECT_SHAPEHELPERS_H
