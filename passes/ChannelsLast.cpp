//===- ChannelsLast.cpp - rank-4 activations stored NHWC ------------------===//
//
// Rewrites every function of a module so that the rank-4 values it computes are NHWC; see
// Passes.td. One walk in program order: each op that knows its layout (or has none) is
// rebuilt on the NHWC forms of its operands; values from outside (arguments, loads,
// constants, ops that are not rewritten) are transposed in once, where they are defined,
// and an NHWC value that something unrewritten reads is transposed back once, after its
// definition. Nothing is left to a pattern that could fight another.
//
//===----------------------------------------------------------------------===//

#include "dialects/simclr/IR/SimclrDialect.h"
#include "dialects/simclr/IR/SimclrOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::simclr {
#define GEN_PASS_DEF_CHANNELSLAST
#include "passes/Passes.h.inc"
} // namespace mlir::simclr

using namespace mlir;
using namespace mlir::simclr;

namespace {

// kToChannelsLast (NCHW -> NHWC, OIHW -> OHWI) and kToChannelsFirst (back, and where NCHW
// dimension d sits in NHWC) are SimclrOps.h's.

bool isRank4(Type type) {
  auto tensor = llvm::dyn_cast<RankedTensorType>(type);
  return tensor && tensor.getRank() == 4;
}

/// True if a rank-4 NCHW type holds its elements in the same order as its NHWC form
/// (height and width 1, or one channel).
bool sameOrderInBothLayouts(Type type) {
  auto t = llvm::cast<RankedTensorType>(type);
  return (t.getDimSize(2) == 1 && t.getDimSize(3) == 1) || t.getDimSize(1) == 1;
}

/// Ops that take channels_last.
bool hasLayout(Operation *op) {
  return llvm::isa<Conv2DOp, Conv2DBackwardInputOp, Conv2DBackwardFilterOp, BatchNormTrainOp,
                   BatchNormInferOp, BatchNormTrainBackwardOp, BatchNormInferBackwardOp,
                   MaxPool2DOp, AvgPool2DOp, MaxPool2DBackwardOp, AvgPool2DBackwardOp>(op);
}

/// Ops whose result is the same function of its operands' elements in either layout.
bool isLayoutFree(Operation *op) {
  return llvm::isa<ReluOp, ReluBackwardOp, AddOp, MulOp, ScaleOp, ConvertOp, BroadcastOp>(op);
}

/// Ops that work along one dimension (`axis`), or on a box (`offsets`, `strides`): the
/// same in NHWC with the dimension (the arrays) permuted.
bool isAxisOp(Operation *op) {
  return llvm::isa<SplitOp, ConcatOp, SoftmaxOp, SoftmaxBackwardOp, L2NormalizeOp,
                   L2NormalizeBackwardOp>(op);
}
bool isBoxOp(Operation *op) { return llvm::isa<SliceOp, SliceBackwardOp>(op); }

class Rewriter {
public:
  explicit Rewriter(func::FuncOp func) : func(func) {}

  void run() {
    SmallVector<Operation *> ops;
    for (Operation &op : func.getBody().front())
      ops.push_back(&op);
    for (Operation *op : ops)
      if (touchesRank4(op))
        rewrite(op);
    // Whatever still reads a replaced rank-4 value is not rewritten: it gets NCHW back.
    for (Operation *old : llvm::reverse(replaced)) {
      for (Value result : old->getResults())
        if (!result.use_empty())
          result.replaceAllUsesWith(toFirst(result));
      old->erase();
    }
  }

private:
  static bool touchesRank4(Operation *op) {
    return llvm::any_of(op->getOperandTypes(), isRank4) ||
           llvm::any_of(op->getResultTypes(), isRank4);
  }

  /// Can `op` be rebuilt on NHWC values?
  static bool rewritable(Operation *op) {
    if (hasLayout(op) || isLayoutFree(op) || isAxisOp(op) || isBoxOp(op) ||
        llvm::isa<GlobalAvgPoolOp>(op))
      return true;
    if (auto reshape = llvm::dyn_cast<ReshapeOp>(op))
      return (!isRank4(reshape.getInput().getType()) ||
              sameOrderInBothLayouts(reshape.getInput().getType())) &&
             (!isRank4(reshape.getOutput().getType()) ||
              sameOrderInBothLayouts(reshape.getOutput().getType()));
    if (llvm::isa<ReduceSumOp, ReduceMeanOp, ReduceMaxOp>(op)) {
      // Without keep_dims, the kept dimensions must come out in the same order.
      if (op->hasAttr("keep_dims") || !isRank4(op->getOperand(0).getType()))
        return true;
      auto axes = llvm::cast<DenseI64ArrayAttr>(op->getAttr("axes")).asArrayRef();
      auto kept = [&](int64_t d) { return !llvm::is_contained(axes, d); };
      // NCHW keeps C before H and W; NHWC after: only a problem if C and H or W are kept.
      return !(kept(1) && (kept(2) || kept(3)));
    }
    return false;
  }

  void rewrite(Operation *op) {
    if (!rewritable(op))
      return; // its operands keep (or get back) NCHW
    OpBuilder b(op);
    SmallVector<Value> operands;
    for (Value v : op->getOperands())
      operands.push_back(isRank4(v.getType()) ? toLast(v) : v);
    if (auto pool = llvm::dyn_cast<GlobalAvgPoolOp>(op)) {
      Value mean = ReduceMeanOp::create(b, op->getLoc(), operands[0],
                                        b.getDenseI64ArrayAttr({1, 2}),
                                        pool.getKeepDimsAttr());
      record(op, {mean});
      return;
    }
    OperationState state(op->getLoc(), op->getName());
    state.addOperands(operands);
    state.addAttributes(op->getAttrs());
    if (hasLayout(op))
      state.attributes.set("channels_last", b.getUnitAttr());
    if (llvm::isa<ReduceSumOp, ReduceMeanOp, ReduceMaxOp>(op) &&
        isRank4(op->getOperand(0).getType())) {
      SmallVector<int64_t> axes; // where each NCHW axis sits in NHWC
      for (int64_t a : llvm::cast<DenseI64ArrayAttr>(op->getAttr("axes")).asArrayRef())
        axes.push_back(kToChannelsFirst[a]);
      llvm::sort(axes);
      state.attributes.set("axes", b.getDenseI64ArrayAttr(axes));
    }
    if (isAxisOp(op) && isRank4(op->getOperand(0).getType())) {
      int64_t axis = llvm::cast<IntegerAttr>(op->getAttr("axis")).getInt();
      state.attributes.set("axis", b.getI64IntegerAttr(kToChannelsFirst[axis]));
    }
    if (isBoxOp(op) && isRank4(op->getResult(0).getType()))
      for (StringRef name : {"offsets", "sizes", "strides"})
        if (auto values = llvm::dyn_cast_or_null<DenseI64ArrayAttr>(op->getAttr(name))) {
          SmallVector<int64_t> permuted;
          for (int64_t d : kToChannelsLast)
            permuted.push_back(values[d]);
          state.attributes.set(name, b.getDenseI64ArrayAttr(permuted));
        }
    for (Type type : op->getResultTypes())
      state.addTypes(
          isRank4(type) ? permutedType(llvm::cast<RankedTensorType>(type), kToChannelsLast)
                        : type);
    record(op, b.create(state)->getResults());
  }

  void record(Operation *old, ValueRange results) {
    for (auto [from, to] : llvm::zip(old->getResults(), results))
      if (isRank4(from.getType()))
        last[from] = to;
      else
        from.replaceAllUsesWith(to);
    replaced.push_back(old);
  }

  /// The NHWC form of rank-4 value `v`: its rewritten value, or a transpose (a new
  /// constant for a splat) made once, where `v` is defined.
  Value toLast(Value v) {
    if (auto it = last.find(v); it != last.end())
      return it->second;
    OpBuilder b(func.getContext());
    setAfterDefinition(b, v);
    Value nhwc;
    DenseElementsAttr splat;
    if (auto constant = v.getDefiningOp<arith::ConstantOp>())
      splat = llvm::dyn_cast<DenseElementsAttr>(constant.getValue());
    if (splat && splat.isSplat())
      nhwc = arith::ConstantOp::create(
          b, v.getLoc(), splat.resizeSplat(
              permutedType(llvm::cast<RankedTensorType>(v.getType()), kToChannelsLast)));
    else
      nhwc = TransposeOp::create(b, v.getLoc(), v, kToChannelsLast);
    last[v] = nhwc;
    return nhwc;
  }

  /// The NCHW form of replaced value `old` (a transpose of its NHWC value), made once.
  Value toFirst(Value old) {
    Value nhwc = last.lookup(old);
    if (auto it = first.find(nhwc); it != first.end())
      return it->second;
    OpBuilder b(func.getContext());
    setAfterDefinition(b, nhwc);
    Value nchw = TransposeOp::create(b, old.getLoc(), nhwc, kToChannelsFirst);
    first[nhwc] = nchw;
    return nchw;
  }

  static void setAfterDefinition(OpBuilder &b, Value v) {
    if (Operation *def = v.getDefiningOp())
      b.setInsertionPointAfter(def);
    else
      b.setInsertionPointToStart(llvm::cast<BlockArgument>(v).getOwner());
  }

  func::FuncOp func;
  llvm::DenseMap<Value, Value> last;  // rank-4 value -> its NHWC form
  llvm::DenseMap<Value, Value> first; // NHWC value -> its transpose back
  SmallVector<Operation *> replaced;
};

struct ChannelsLastPass : mlir::simclr::impl::ChannelsLastBase<ChannelsLastPass> {
  using ChannelsLastBase::ChannelsLastBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::string chosen = layout;
    if (chosen.empty()) {
      auto *dialect = getContext().getLoadedDialect<SimclrDialect>();
      StringAttr attr = dialect->getLayoutAttrHelper().getAttr(module);
      chosen = attr ? attr.getValue().str() : "nchw";
    }
    if (chosen == "nchw")
      return;
    if (chosen != "nhwc") {
      module.emitError() << "simclr-channels-last: layout must be nchw or nhwc, not '" << chosen
                         << "'";
      return signalPassFailure();
    }
    for (auto func : module.getOps<func::FuncOp>()) {
      // A declaration has no body; a function that holds channels_last ops is NHWC already
      // (the pass ran, or it was written so): both stay as they are.
      bool alreadyLast = false;
      func.walk([&](Operation *op) { alreadyLast |= op->hasAttr("channels_last"); });
      if (!func.isExternal() && !alreadyLast)
        Rewriter(func).run();
    }
  }
};

} // namespace
