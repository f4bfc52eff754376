//===- CollectiveOps.cpp - all_reduce, all_gather, reduce_scatter, replica_id ===//
//
// The collectives of SimclrCollectiveOps.td in one place: their shape functions (which
// read `replicas` and `kind` only after checking them: the parser infers result types
// before the verifier has seen the attributes), their folders (the identity for one
// replica) and their gradient rules (docs/DISTRIBUTED.md: each is the other's adjoint).
//
//===----------------------------------------------------------------------===//

#include "dialects/simclr/IR/ShapeHelpers.h"

using namespace mlir;
using namespace mlir::simclr;
using namespace mlir::simclr::shape;

FailureOr<int64_t> mlir::simclr::shape::replicasOf(const ShapeDiag &diag,
                                                   DictionaryAttr attributes) {
  auto replicas = llvm::dyn_cast_or_null<IntegerAttr>(attributes.get("replicas"));
  if (!replicas || replicas.getValue().getSignificantBits() > 32 || replicas.getInt() < 1)
    return diag() << "expects 'replicas', the replica count, to be an integer of at least 1";
  return replicas.getInt();
}

namespace {

/// A tensor of rank at least 1 (collectives along dimension 0 need one).
FailureOr<RankedTensorType> rowsOf(const ShapeDiag &diag, Value input) {
  auto type = staticTensor(diag, input, "input");
  if (failed(type))
    return failure();
  if (type->getRank() < 1)
    return diag() << "expects an input of rank at least 1 (rows along dimension 0), got "
                  << *type;
  return type;
}

LogicalResult shapeOf(AllReduceOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  if (failed(replicasOf(diag, op.getAttributes())))
    return failure();
  auto kind = llvm::dyn_cast_or_null<StringAttr>(op.getAttributes().get("kind"));
  if (!kind || (kind.getValue() != "sum" && kind.getValue() != "mean"))
    return diag() << "expects 'kind' to be \"sum\" or \"mean\"";
  return sameTypeAsInput(diag, op.getInput(), results);
}

/// The rows of every replica: [B, ...] -> [replicas * B, ...] (`gather`), or one replica's
/// share of them back.
LogicalResult rowsShape(const ShapeDiag &diag, DictionaryAttr attributes, Value inputValue,
                        bool gather, SmallVectorImpl<Type> &results) {
  auto replicas = replicasOf(diag, attributes);
  auto input = rowsOf(diag, inputValue);
  if (failed(replicas) || failed(input))
    return failure();
  SmallVector<int64_t> shape(input->getShape());
  if (!gather && shape[0] % *replicas != 0)
    return diag() << "expects dimension 0 (" << shape[0] << ") to divide among " << *replicas
                  << " replicas";
  shape[0] = gather ? shape[0] * *replicas : shape[0] / *replicas;
  results.push_back(withShape(*input, shape));
  return success();
}

LogicalResult shapeOf(AllGatherOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  return rowsShape(diag, op.getAttributes(), op.getInput(), /*gather=*/true, results);
}

LogicalResult shapeOf(ReduceScatterOp::Adaptor op, const ShapeDiag &diag,
                      SmallVectorImpl<Type> &results) {
  return rowsShape(diag, op.getAttributes(), op.getInput(), /*gather=*/false, results);
}

} // namespace

namespace mlir::simclr {
SIMCLR_SHAPE_FUNCTION(AllReduceOp)
SIMCLR_SHAPE_FUNCTION(AllGatherOp)
SIMCLR_SHAPE_FUNCTION(ReduceScatterOp)
} // namespace mlir::simclr

// One replica: each collective is its input.
OpFoldResult AllReduceOp::fold(FoldAdaptor) { return getReplicas() == 1 ? getInput() : nullptr; }
OpFoldResult AllGatherOp::fold(FoldAdaptor) { return getReplicas() == 1 ? getInput() : nullptr; }
OpFoldResult ReduceScatterOp::fold(FoldAdaptor) {
  return getReplicas() == 1 ? getInput() : nullptr;
}

LogicalResult ReplicaIdOp::verify() {
  return failure(failed(replicasOf(ShapeDiag{getOperation(), getLoc()},
                                   (*this)->getAttrDictionary())));
}

LogicalResult AllReduceOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                          SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(
      AllReduceOp::create(b, getLoc(), grads[0], getKindAttr(), getReplicasAttr()));
  return success();
}

LogicalResult AllGatherOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                          SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(ReduceScatterOp::create(b, getLoc(), grads[0], getReplicasAttr()));
  return success();
}

LogicalResult ReduceScatterOp::buildGradients(OpBuilder &b, ArrayRef<Value> grads,
                                              SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(AllGatherOp::create(b, getLoc(), grads[0], getReplicasAttr()));
  return success();
}
