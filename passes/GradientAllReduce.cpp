//===- GradientAllReduce.cpp - the gradients' mean over the replicas -------===//
//
// Data-parallel training (docs/DISTRIBUTED.md): before the optimizer reads a gradient,
// every replica's gradients are averaged. The gradients go in buckets of at most
// `bucket-bytes` (one all-reduce of their concatenation), filled in the reverse order of
// the updates (the backward makes the last layers' gradients first), each bucket placed
// right after its last gradient is made, so that its communication can overlap the rest
// of the backward. See Passes.td.
//
//===----------------------------------------------------------------------===//

#include "dialects/simclr/IR/SimclrDialect.h"
#include "dialects/simclr/IR/SimclrOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::simclr {
#define GEN_PASS_DEF_GRADIENTALLREDUCE
#include "passes/Passes.h.inc"
} // namespace mlir::simclr

using namespace mlir;
using namespace mlir::simclr;

namespace {

int64_t bytesOf(Value v) {
  auto type = llvm::cast<RankedTensorType>(v.getType());
  return type.getNumElements() * type.getElementTypeBitWidth() / 8;
}

/// The op after which every value of `values` is defined (they are in one block).
Operation *lastDefinition(ArrayRef<Value> values, Block &block) {
  Operation *last = nullptr;
  for (Value v : values) {
    Operation *def = v.getDefiningOp();
    if (!def) // a block argument: defined before every op
      continue;
    if (!last || last->isBeforeInBlock(def))
      last = def;
  }
  return last;
}

/// Replaces the gradient operand (#1) of each update in `bucket` by its mean over the
/// replicas: one all-reduce of the bucket's concatenation.
void reduceBucket(ArrayRef<Operation *> bucket, int64_t replicas, Block &block) {
  SmallVector<Value> grads;
  for (Operation *update : bucket)
    grads.push_back(update->getOperand(1));
  OpBuilder b(block.getParentOp()->getContext());
  if (Operation *last = lastDefinition(grads, block))
    b.setInsertionPointAfter(last);
  else
    b.setInsertionPointToStart(&block);
  Location loc = bucket.front()->getLoc();
  auto mean = [&](Value v) {
    return AllReduceOp::create(b, loc, v, b.getStringAttr("mean"),
                               b.getI64IntegerAttr(replicas))
        .getResult();
  };
  if (bucket.size() == 1) {
    bucket.front()->setOperand(1, mean(grads.front()));
    return;
  }
  SmallVector<Value> flat;
  SmallVector<int64_t> sizes;
  for (Value g : grads) {
    auto type = llvm::cast<RankedTensorType>(g.getType());
    auto vector = RankedTensorType::get({type.getNumElements()}, type.getElementType());
    flat.push_back(ReshapeOp::create(b, loc, vector, g));
    sizes.push_back(type.getNumElements());
  }
  Value joined = ConcatOp::create(b, loc, flat, b.getI64IntegerAttr(0));
  Value reduced = mean(joined);
  // The pieces are taken where the first update needs them, not right after the
  // all-reduce: what runs in between (the rest of the backward) overlaps it.
  Operation *firstUpdate = bucket.front();
  for (Operation *update : bucket)
    if (update->isBeforeInBlock(firstUpdate))
      firstUpdate = update;
  b.setInsertionPoint(firstUpdate);
  auto pieces = SplitOp::create(b, loc, reduced, b.getI64IntegerAttr(0),
                                b.getDenseI64ArrayAttr(sizes));
  for (auto [update, piece, g] : llvm::zip(bucket, pieces.getResults(), grads))
    update->setOperand(1, ReshapeOp::create(b, loc, g.getType(), piece));
}

struct GradientAllReducePass
    : mlir::simclr::impl::GradientAllReduceBase<GradientAllReducePass> {
  using GradientAllReduceBase::GradientAllReduceBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    int64_t replicas = replicaCount(module);
    if (replicas == 1)
      return;
    if (bucketBytes < 1) {
      module.emitError() << "simclr-gradient-all-reduce: bucket-bytes must be positive";
      return signalPassFailure();
    }
    auto *dialect = getContext().getLoadedDialect<SimclrDialect>();
    int64_t limit = bucketBytes;
    if (IntegerAttr chosen = dialect->getBucketBytesAttrHelper().getAttr(module))
      limit = chosen.getInt(); // the module's own choice (simclrc --bucket-bytes)
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      Block &block = func.getBody().front();
      SmallVector<Operation *> updates;
      for (Operation &op : block)
        if (llvm::isa<LarsUpdateOp, MomentumUpdateOp>(op))
          updates.push_back(&op);
      // Reverse order; a bucket closes before it would pass bucket-bytes (a gradient
      // larger than that is a bucket of its own).
      SmallVector<Operation *> bucket;
      int64_t bytes = 0;
      for (Operation *update : llvm::reverse(updates)) {
        int64_t size = bytesOf(update->getOperand(1));
        if (!bucket.empty() && bytes + size > limit) {
          reduceBucket(bucket, replicas, block);
          bucket.clear();
          bytes = 0;
        }
        bucket.push_back(update);
        bytes += size;
      }
      if (!bucket.empty())
        reduceBucket(bucket, replicas, block);
    }
  }
};

} // namespace
