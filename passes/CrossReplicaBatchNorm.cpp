//===- CrossReplicaBatchNorm.cpp - batch statistics of the global batch ----===//
//
// Data-parallel training (docs/DISTRIBUTED.md): a `cross_replica` batch norm of a step for
// several replicas normalises with the statistics of every replica's rows. The forward
// all-reduces the per-channel sums (the mean), then the sums of squared deviations from
// the mean (the variance); the training gradient's two per-channel sums (of dy and of
// dy * xhat) are all-reduced together for the input's gradient, while
// the scale's and offset's gradients stay the replica's own (the gradient all-reduce
// averages them). Built from ops the dialect has (reductions, all_reduce, and batch norm in
// its inference form on the global statistics); see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "dialects/simclr/IR/SimclrDialect.h"
#include "dialects/simclr/IR/SimclrOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"

namespace mlir::simclr {
#define GEN_PASS_DEF_CROSSREPLICABATCHNORM
#include "passes/Passes.h.inc"
} // namespace mlir::simclr

using namespace mlir;
using namespace mlir::simclr;

namespace {

/// The global statistics of one batch norm's input.
struct Statistics {
  Value mean, var;
  double count; ///< elements per channel over every replica
};

class Rewriter {
public:
  Rewriter(OpBuilder &b, int64_t replicas) : b(b), replicas(replicas) {}

  void forward(BatchNormTrainOp bn) {
    b.setInsertionPoint(bn);
    Location loc = bn.getLoc();
    bool last = bn.getChannelsLast();
    Value x = bn.getInput();
    Statistics s = statistics(loc, x, last);
    Value y = BatchNormInferOp::create(b, loc, x, bn.getScale(), bn.getOffset(), s.mean, s.var,
                                       bn.getEpsilonAttr(), channelsLast(last));
    double momentum = bn.getMomentum().convertToDouble();
    double unbias = s.count > 1 ? s.count / (s.count - 1) : 1.0;
    Value newMean = sum(loc, scale(loc, bn.getRunningMean(), momentum),
                        scale(loc, s.mean, 1 - momentum));
    Value newVar = sum(loc, scale(loc, bn.getRunningVar(), momentum),
                       scale(loc, s.var, (1 - momentum) * unbias));
    bn.getOutput().replaceAllUsesWith(y);
    bn.getNewRunningMean().replaceAllUsesWith(newMean);
    bn.getNewRunningVar().replaceAllUsesWith(newVar);
    of[x] = s;
    bn.erase();
  }

  /// The training gradient of a rewritten forward (same input); others stay local.
  void backward(BatchNormTrainBackwardOp bn) {
    auto it = of.find(bn.getInput());
    if (it == of.end())
      return;
    const Statistics &s = it->second;
    b.setInsertionPoint(bn);
    Location loc = bn.getLoc();
    bool last = bn.getChannelsLast();
    Value x = bn.getInput(), dy = bn.getGradOutput(), gamma = bn.getScale();
    auto vector = llvm::cast<RankedTensorType>(gamma.getType());
    Value ones = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(vector, 1.0f));
    // xhat with the global statistics; the replica's own sums of dy * xhat and dy.
    Value xhat = BatchNormInferOp::create(b, loc, x, ones, Value(), s.mean, s.var,
                                          bn.getEpsilonAttr(), channelsLast(last));
    auto local = BatchNormInferBackwardOp::create(b, loc, dy, x, gamma, s.mean, s.var,
                                                  bn.getEpsilonAttr(), channelsLast(last));
    // Both sums in one all-reduce: one latency on the critical path, not two.
    int64_t channels = vector.getDimSize(0);
    Value both = ConcatOp::create(b, loc, ValueRange{local.getGradScale(), local.getGradOffset()},
                                  b.getI64IntegerAttr(0));
    auto sums = SplitOp::create(b, loc, allReduce(loc, both), b.getI64IntegerAttr(0),
                                b.getDenseI64ArrayAttr({channels, channels}));
    Value sumDyXhat = sums.getResult(0), sumDy = sums.getResult(1);
    // dx = gamma / sqrt(var + eps) * (dy - sum(dy) / m - xhat * sum(dy * xhat) / m): the
    // inference gradient's dx of the bracket.
    Value correction = sum(loc, spread(loc, scale(loc, sumDy, 1 / s.count), x, last),
                           MulOp::create(b, loc, xhat,
                                         spread(loc, scale(loc, sumDyXhat, 1 / s.count), x, last)));
    Value bracket = sum(loc, dy, scale(loc, correction, -1));
    auto dx = BatchNormInferBackwardOp::create(b, loc, bracket, x, gamma, s.mean, s.var,
                                               bn.getEpsilonAttr(), channelsLast(last));
    bn.getGradInput().replaceAllUsesWith(dx.getGradInput());
    bn.getGradScale().replaceAllUsesWith(local.getGradScale());
    bn.getGradOffset().replaceAllUsesWith(local.getGradOffset());
    bn.erase();
  }

private:
  UnitAttr channelsLast(bool last) { return last ? b.getUnitAttr() : UnitAttr(); }

  /// The dimensions a batch norm sums over: all but the channels'.
  static int64_t channelAxis(Value x, bool last) {
    auto type = llvm::cast<RankedTensorType>(x.getType());
    return last ? type.getRank() - 1 : 1;
  }

  Statistics statistics(Location loc, Value x, bool last) {
    auto type = llvm::cast<RankedTensorType>(x.getType());
    int64_t channel = channelAxis(x, last);
    SmallVector<int64_t> axes;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (d != channel)
        axes.push_back(d);
    double count = double(type.getNumElements() / type.getDimSize(channel) * replicas);
    auto reduce = [&](Value v) {
      return ReduceSumOp::create(b, loc, v, b.getDenseI64ArrayAttr(axes), UnitAttr()).getResult();
    };
    // Two passes, as the one-replica kernels take them: the global mean first, then the
    // global sum of squared deviations from it. E[x^2] - mean^2 from one all-reduce would
    // cancel in float32 when a channel's mean is large against its spread.
    Value mean = scale(loc, allReduce(loc, reduce(x)), 1 / count);
    Value centered = sum(loc, x, scale(loc, spread(loc, mean, x, last), -1));
    Value var =
        scale(loc, allReduce(loc, reduce(MulOp::create(b, loc, centered, centered))), 1 / count);
    return {mean, var, count};
  }

  /// A per-channel vector spread over `like`'s shape.
  Value spread(Location loc, Value vector, Value like, bool last) {
    auto type = llvm::cast<RankedTensorType>(like.getType());
    SmallVector<int64_t> shape(type.getRank(), 1);
    int64_t channel = channelAxis(like, last);
    shape[channel] = type.getDimSize(channel);
    auto kept = RankedTensorType::get(shape, type.getElementType());
    return BroadcastOp::create(b, loc, type, ReshapeOp::create(b, loc, kept, vector));
  }

  Value allReduce(Location loc, Value v) {
    return AllReduceOp::create(b, loc, v, b.getStringAttr("sum"), b.getI64IntegerAttr(replicas));
  }
  Value scale(Location loc, Value v, double factor) {
    return ScaleOp::create(b, loc, v, b.getF64FloatAttr(factor));
  }
  Value sum(Location loc, Value a, Value c) { return AddOp::create(b, loc, a, c); }

  OpBuilder &b;
  int64_t replicas;
  llvm::DenseMap<Value, Statistics> of; // a rewritten forward's input -> its statistics
};

struct CrossReplicaBatchNormPass
    : mlir::simclr::impl::CrossReplicaBatchNormBase<CrossReplicaBatchNormPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    int64_t replicas = replicaCount(module);
    if (replicas == 1)
      return;
    OpBuilder b(&getContext());
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      Rewriter rewriter(b, replicas);
      SmallVector<Operation *> ops;
      for (Operation &op : func.getBody().front())
        ops.push_back(&op);
      for (Operation *op : ops) {
        if (auto bn = llvm::dyn_cast<BatchNormTrainOp>(op); bn && bn.getCrossReplica())
          rewriter.forward(bn);
        else if (auto bn = llvm::dyn_cast<BatchNormTrainBackwardOp>(op))
          rewriter.backward(bn);
      }
    }
  }
};

} // namespace
