//===- Evaluator.cpp - float64 reference interpreter of the simclr dialect -===//
//
// Walks a function and hands each op to its kernel (ForwardKernels.cpp,
// GradientKernels.cpp).
//
//===----------------------------------------------------------------------===//

#include "reference/Evaluator.h"
#include "reference/KernelHelpers.h"
#include "reference/Kernels.h"
#include "runtime/Tensor.h"
#include "dialects/simclr/IR/SimclrOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

using namespace mlir;
using namespace mlir::simclr;
using mlir::simclr::reference::Array;

Array::Array(std::vector<int64_t> shape, double fill) : shape(std::move(shape)) {
  int64_t n = 1;
  for (int64_t d : this->shape)
    n *= d;
  data.assign(n, fill);
}


namespace mlir::simclr::reference {
namespace {
// Errors read like the compiler's: "file:line:col: error: 'op' message".
llvm::Error failAt(Operation *op, const llvm::Twine &message) {
  std::string where = "<unknown location>";
  op->getLoc()->walk([&](Location loc) {
    if (auto file = llvm::dyn_cast<FileLineColLoc>(loc)) {
      where = (file.getFilename().getValue() + ":" + llvm::Twine(file.getLine()) + ":" +
               llvm::Twine(file.getColumn()))
                  .str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 where + ": error: '" + op->getName().getStringRef() + "' " +
                                     message);
}

/// Why `labels` (class indices) cannot index `classes` logits, or "": a negative index is
/// an unlabelled row, one of `classes` or more has no logit.
std::string classIndexError(const Array &labels, int64_t classes) {
  for (double label : labels.data)
    if (label >= classes)
      return "label " + std::to_string(static_cast<int64_t>(label)) + " is outside [0, " +
             std::to_string(classes) + ") (a negative label marks an unlabelled row)";
  return "";
}
} // namespace

llvm::Expected<std::vector<Array>> Evaluator::run(llvm::StringRef name,
                                                  const std::vector<Array> &args) {
  auto func = module.lookupSymbol<func::FuncOp>(name);
  if (!func)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "no function @" + name + " in the module");
  if (args.size() != func.getNumArguments())
    return failAt(func, "takes " + llvm::Twine(func.getNumArguments()) + " argument(s), got " +
                          llvm::Twine(args.size()));
  for (auto [i, arg] : llvm::enumerate(func.getArguments()))
    if (args[i].shape != shapeOf(arg))
      return failAt(func, "argument #" + llvm::Twine(i) + " has the wrong shape");
  return runBlock(func.getBody().front(), args);
}

llvm::Expected<std::vector<Array>> Evaluator::runBlock(Block &block,
                                                       const std::vector<Array> &args) {
  llvm::DenseMap<Value, Array> values;
  for (auto [arg, value] : llvm::zip(block.getArguments(), args))
    values[arg] = value;

  for (Operation &op : block) {
    auto in = [&](unsigned i) -> const Array & { return values.find(op.getOperand(i))->second; };
    auto optional = [&](Value v) -> const Array * {
      return v ? &values.find(v)->second : nullptr;
    };
    if (op.hasTrait<OpTrait::IsTerminator>()) {
      std::vector<Array> results;
      for (Value v : op.getOperands())
        results.push_back(values.find(v)->second);
      return results;
    }
    Arrays outs;
    std::string missing, invalid;
    bool handled = true;
    if (op.hasAttr("channels_last")) {
      Arrays operands;
      for (Value v : op.getOperands())
        operands.push_back(values.find(v)->second);
      auto results = runChannelsLast(op, operands);
      if (!results)
        return results.takeError();
      outs = std::move(*results);
    } else // every other op by its kind
    llvm::TypeSwitch<Operation *>(&op)
        .Case([&](LoadOp load) {
          auto it = variables.find(load.getName().str());
          if (it == variables.end() || it->second.shape != shapeOf(load.getResult()))
            missing = load.getName().str();
          else
            outs.push_back(it->second);
        })
        .Case([&](StoreOp store) { variables[store.getName().str()] = in(0); })
        .Case([&](Conv2DOp conv) { outs.push_back(conv2d(conv, in(0), in(1))); })
        .Case([&](BatchNormTrainOp bn) {
          outs = batchNormTrain(bn, in(0), values.find(bn.getScale())->second,
                                optional(bn.getOffset()),
                                values.find(bn.getRunningMean())->second,
                                values.find(bn.getRunningVar())->second);
        })
        .Case([&](BatchNormInferOp bn) {
          outs.push_back(batchNormInfer(bn, in(0), values.find(bn.getScale())->second,
                                        optional(bn.getOffset()),
                                        values.find(bn.getMean())->second,
                                        values.find(bn.getVariance())->second));
        })
        .Case([&](ReluOp) {
          Array y = in(0);
          for (double &v : y.data)
            v = std::max(v, 0.0);
          outs.push_back(std::move(y));
        })
        .Case([&](AddOp add) {
          outs.push_back(broadcastBinary(add.getOutput(), in(0), in(1),
                                   [](double a, double b) { return a + b; }));
        })
        .Case([&](MulOp mul) {
          outs.push_back(broadcastBinary(mul.getOutput(), in(0), in(1),
                                   [](double a, double b) { return a * b; }));
        })
        .Case([&](MaxPool2DOp pool) {
          outs.push_back(pool2d(pool.getOutput(), in(0), pool.getKernel(), pool.getStride(),
                                pool.getPadding(), true, false));
        })
        .Case([&](AvgPool2DOp pool) {
          outs.push_back(pool2d(pool.getOutput(), in(0), pool.getKernel(), pool.getStride(),
                                pool.getPadding(), false, pool.getCountIncludePad()));
        })
        .Case([&](GlobalAvgPoolOp pool) {
          outs.push_back(reduce(pool.getOutput(), in(0), {2, 3}, Reduction::Mean));
        })
        .Case([&](DenseOp d) {
          outs.push_back(dense(in(0), in(1), optional(d.getBias())));
        })
        .Case([&](ConcatOp c) {
          Arrays inputs;
          for (Value v : c.getInputs())
            inputs.push_back(values.find(v)->second);
          outs.push_back(concat(c.getOutput(), c.getAxis(), inputs));
        })
        .Case([&](SplitOp s) { outs = split(s, in(0)); })
        .Case([&](SliceOp s) { outs.push_back(slice(s, in(0))); })
        .Case([&](TransposeOp t) { outs.push_back(transpose(in(0), t.getPermutation())); })
        .Case([&](ReshapeOp r) { outs.push_back(Array(shapeOf(r.getOutput()), in(0).data)); })
        .Case([&](ConvertOp) { outs.push_back(in(0)); }) // narrowing: rounded below
        .Case([&](SoftmaxOp s) { outs.push_back(softmax(in(0), s.getAxis())); })
        .Case([&](L2NormalizeOp l) { outs.push_back(l2Normalize(l, in(0))); })
        .Case([&](ReduceSumOp r) {
          outs.push_back(reduce(r.getOutput(), in(0), r.getAxes(), Reduction::Sum));
        })
        .Case([&](ReduceMeanOp r) {
          outs.push_back(reduce(r.getOutput(), in(0), r.getAxes(), Reduction::Mean));
        })
        .Case([&](ReduceMaxOp r) {
          outs.push_back(reduce(r.getOutput(), in(0), r.getAxes(), Reduction::Max));
        })
        .Case([&](NtXentLossOp l) {
          const Array *replica = optional(l.getReplica());
          outs = ntXent(in(0), l.getTemperature().convertToDouble(),
                        replica ? int64_t(replica->data[0]) : 0, l.getReplicas().value_or(1),
                        optional(l.getNegatives()));
        })
        .Case([&](ReplicaIdOp r) {
          if (r.getReplicas() != 1)
            invalid = "a replica's index exists only among replicas (Evaluator::runReplicas)";
          else
            outs.push_back(Array({}, 0.0));
        })
        .Case([&](SoftmaxCrossEntropyOp l) {
          bool indices = llvm::cast<RankedTensorType>(l.getLabels().getType())
                             .getElementType()
                             .isInteger();
          if (indices && (invalid = classIndexError(in(1), in(0).dim(1)), !invalid.empty()))
            return;
          outs = softmaxCrossEntropy(in(0), in(1), indices);
        })
        .Case([&](DistillationLossOp l) {
          outs = distillation(in(0), in(1), l.getTemperature().convertToDouble());
        })
        .Case([&](arith::ConstantOp c) {
          std::vector<double> data;
          if (auto dense = llvm::dyn_cast<DenseFPElementsAttr>(c.getValue())) {
            for (const APFloat &v : dense.getValues<APFloat>())
              data.push_back(v.convertToDouble());
          } else if (auto dense = llvm::dyn_cast<DenseIntElementsAttr>(c.getValue())) {
            for (const APInt &v : dense.getValues<APInt>())
              data.push_back(double(v.getSExtValue()));
          } else {
            invalid = "only tensor constants are supported";
            return;
          }
          outs.push_back(Array(shapeOf(c.getResult()), std::move(data)));
        })
        // Gradient ops.
        .Case([&](MatmulOp m) {
          outs.push_back(matmul(in(0), in(1), m.getTransposeA(), m.getTransposeB()));
        })
        .Case([&](BroadcastOp b) { outs.push_back(broadcastTo(b.getOutput(), in(0))); })
        .Case([&](ScaleOp sc) {
          Array y = in(0);
          for (double &v : y.data)
            v *= sc.getFactor().convertToDouble();
          outs.push_back(std::move(y));
        })
        .Case([&](Conv2DBackwardInputOp c) {
          outs.push_back(conv2dBackwardInput(c, in(0), in(1)));
        })
        .Case([&](Conv2DBackwardFilterOp c) {
          outs.push_back(conv2dBackwardFilter(c, in(0), in(1)));
        })
        .Case([&](BatchNormTrainBackwardOp bn) {
          outs = batchNormTrainBackward(bn.getEpsilon().convertToDouble(), in(0), in(1), in(2));
        })
        .Case([&](BatchNormInferBackwardOp bn) {
          outs = batchNormInferBackward(bn.getEpsilon().convertToDouble(), in(0), in(1), in(2),
                                        in(3), in(4));
        })
        .Case([&](ReluBackwardOp) { outs.push_back(reluBackward(in(0), in(1))); })
        .Case([&](MaxPool2DBackwardOp p) { outs.push_back(maxPool2dBackward(p, in(0), in(1))); })
        .Case([&](AvgPool2DBackwardOp p) { outs.push_back(avgPool2dBackward(p, in(0))); })
        .Case([&](SoftmaxBackwardOp sm) {
          outs.push_back(softmaxBackward(in(0), in(1), sm.getAxis()));
        })
        .Case([&](L2NormalizeBackwardOp l) {
          outs.push_back(l2NormalizeBackward(l, in(0), in(1)));
        })
        .Case([&](SliceBackwardOp sl) { outs.push_back(sliceBackward(sl, in(0))); })
        .Case([&](ReduceMaxBackwardOp r) { outs.push_back(reduceMaxBackward(r, in(0), in(1))); })
        .Case([&](NtXentLossBackwardOp l) {
          const Array *replica = optional(l.getReplica());
          outs.push_back(ntXentBackward(in(0), in(1).data[0], l.getTemperature().convertToDouble(),
                                        replica ? int64_t(replica->data[0]) : 0,
                                        l.getReplicas().value_or(1),
                                        optional(l.getNegatives())));
        })
        .Case([&](SoftmaxCrossEntropyBackwardOp l) {
          bool indices = llvm::cast<RankedTensorType>(l.getLabels().getType())
                             .getElementType()
                             .isInteger();
          if (indices && (invalid = classIndexError(in(1), in(0).dim(1)), !invalid.empty()))
            return;
          outs.push_back(softmaxCrossEntropyBackward(in(0), in(1), indices, in(2).data[0]));
        })
        .Case([&](DistillationLossBackwardOp l) {
          outs.push_back(distillationBackward(in(0), in(1), in(2).data[0],
                                              l.getTemperature().convertToDouble()));
        })
        .Case([&](KernelOp kernel) {
          Arrays inputs;
          for (Value v : kernel.getInputs())
            inputs.push_back(values.find(v)->second);
          auto results = runBlock(kernel.getBody().front(), inputs);
          if (!results) {
            invalid = llvm::toString(results.takeError());
            return;
          }
          outs = std::move(*results);
        })
        // Optimizer ops.
        .Case([&](LearningRateOp l) {
          outs.push_back(Array({}, learningRate(l.getPeak().convertToDouble(), in(0).data[0],
                                                in(1).data[0], in(2).data[0])));
        })
        .Case([&](LarsUpdateOp u) {
          outs = larsUpdate(in(0), in(1), in(2), in(3).data[0],
                            u.getMomentum().convertToDouble(),
                            u.getWeightDecay().convertToDouble(),
                            u.getTrustCoefficient().convertToDouble(), u.getExclude(),
                            u.getNoAdaptation(), u.getNesterov());
        })
        .Case([&](MomentumUpdateOp u) {
          outs = momentumUpdate(in(0), in(1), in(2), in(3).data[0],
                                u.getMomentum().convertToDouble(),
                                u.getWeightDecay().convertToDouble(), u.getExclude(),
                                u.getNesterov());
        })
        .Default([&](Operation *) { handled = false; });
    if (!handled)
      return failAt(&op, "the reference evaluator does not run this op");
    if (!invalid.empty())
      return failAt(&op, invalid);
    if (!missing.empty())
      return failAt(&op, "no value of the declared shape for variable '" + missing + "'");
    if (outs.size() != op.getNumResults())
      return failAt(&op, "internal error: wrong number of results");
    for (auto [result, value] : llvm::zip(op.getResults(), outs)) {
      // A bf16 result (a conversion, a library call of a bf16 step) holds bf16 values: the
      // exact result rounded as the runtime stores it (through float32).
      if (auto type = llvm::dyn_cast<RankedTensorType>(result.getType());
          type && type.getElementType().isBF16())
        for (double &x : value.data)
          x = runtime::bfloatToDouble(runtime::doubleToBfloat(x));
      values[result] = std::move(value);
    }
  }
  return failAt(block.getParentOp(), "block has no terminator");
}
llvm::Expected<std::vector<std::vector<Array>>>
Evaluator::runReplicas(llvm::StringRef name, const std::vector<std::vector<Array>> &args) {
  auto func = module.lookupSymbol<func::FuncOp>(name);
  if (!func)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "no function @" + name + " in the module");
  const int64_t n = int64_t(args.size());
  Block &body = func.getBody().front();
  // One block: every replica's arguments in turn, every replica's copy of every op.
  Block unrolled;
  std::vector<IRMapping> replica(n);
  std::vector<Array> flat;
  for (int64_t r = 0; r < n; ++r) {
    if (args[r].size() != body.getNumArguments())
      return failAt(func, "replica " + llvm::Twine(r) + " has " + llvm::Twine(args[r].size()) +
                              " argument(s), the function takes " +
                              llvm::Twine(body.getNumArguments()));
    for (auto [i, arg, value] : llvm::enumerate(body.getArguments(), args[r])) {
      if (value.shape != shapeOf(arg))
        return failAt(func, "replica " + llvm::Twine(r) + "'s argument #" + llvm::Twine(i) +
                                " has the wrong shape");
      replica[r].map(arg, unrolled.addArgument(arg.getType(), arg.getLoc()));
      flat.push_back(value);
    }
  }
  OpBuilder b(func.getContext());
  b.setInsertionPointToEnd(&unrolled);
  SmallVector<Value> results;
  for (Operation &op : body) {
    Location loc = op.getLoc();
    auto operands = [&](Value v) {
      SmallVector<Value> each;
      for (int64_t r = 0; r < n; ++r)
        each.push_back(replica[r].lookup(v));
      return each;
    };
    auto sum = [&](ArrayRef<Value> each) {
      Value total = each[0];
      for (Value v : each.drop_front())
        total = AddOp::create(b, loc, total, v);
      return total;
    };
    if (op.hasTrait<OpTrait::IsTerminator>()) {
      for (int64_t r = 0; r < n; ++r)
        for (Value v : op.getOperands())
          results.push_back(replica[r].lookup(v));
      continue;
    }
    if (isCollective(&op)) {
      int64_t count = op.getAttrOfType<IntegerAttr>("replicas").getInt();
      if (count != n)
        return failAt(&op, "is written for " + llvm::Twine(count) + " replicas, not " +
                               llvm::Twine(n));
    }
    if (auto c = llvm::dyn_cast<AllReduceOp>(op)) {
      Value total = sum(operands(c.getInput()));
      if (c.getKind() == "mean")
        total = ScaleOp::create(b, loc, total, b.getF64FloatAttr(1.0 / double(n)));
      for (int64_t r = 0; r < n; ++r)
        replica[r].map(c.getOutput(), total);
    } else if (auto c = llvm::dyn_cast<AllGatherOp>(op)) {
      Value gathered = ConcatOp::create(b, loc, operands(c.getInput()), b.getI64IntegerAttr(0));
      for (int64_t r = 0; r < n; ++r)
        replica[r].map(c.getOutput(), gathered);
    } else if (auto c = llvm::dyn_cast<ReplicaIdOp>(op)) {
      for (int64_t r = 0; r < n; ++r)
        replica[r].map(c.getId(), arith::ConstantOp::create(
                                      b, loc, DenseElementsAttr::get(c.getId().getType(),
                                                                     b.getI32IntegerAttr(r))));
    } else if (auto c = llvm::dyn_cast<ReduceScatterOp>(op)) {
      Value total = sum(operands(c.getInput()));
      auto type = c.getOutput().getType();
      SmallVector<int64_t> offsets(type.getRank(), 0);
      for (int64_t r = 0; r < n; ++r) {
        offsets[0] = r * type.getDimSize(0);
        replica[r].map(c.getOutput(),
                       SliceOp::create(b, loc, type, total, b.getDenseI64ArrayAttr(offsets),
                                       b.getDenseI64ArrayAttr(type.getShape()), nullptr));
      }
    } else {
      bool nested = false;
      op.walk([&](Operation *inner) {
        nested |= inner != &op && isCollective(inner);
      });
      if (nested)
        return failAt(&op, "holds a collective; replicas run collectives at the top level only");
      for (int64_t r = 0; r < n; ++r)
        b.clone(op, replica[r]);
    }
  }
  func::ReturnOp::create(b, func.getLoc(), results);
  auto flatResults = runBlock(unrolled, flat);
  unrolled.dropAllDefinedValueUses();
  unrolled.clear();
  if (!flatResults)
    return flatResults.takeError();
  std::vector<std::vector<Array>> perReplica(n);
  size_t each = flatResults->size() / size_t(n);
  for (int64_t r = 0; r < n; ++r)
    perReplica[r].assign(flatResults->begin() + r * each, flatResults->begin() + (r + 1) * each);
  return perReplica;
}

llvm::Expected<std::vector<Array>>
Evaluator::runChannelsLast(Operation &op, const std::vector<Array> &operands) {
  auto isRank4 = [](Type t) {
    auto tensor = llvm::dyn_cast<RankedTensorType>(t);
    return tensor && tensor.getRank() == 4;
  };
  auto channelsFirst = [&](Type t) -> Type {
    return isRank4(t) ? permutedType(llvm::cast<RankedTensorType>(t), kToChannelsFirst) : t;
  };
  Block scratch;
  IRMapping mapping;
  std::vector<Array> args;
  for (auto [v, value] : llvm::zip(op.getOperands(), operands)) {
    mapping.map(v, scratch.addArgument(channelsFirst(v.getType()), op.getLoc()));
    args.push_back(isRank4(v.getType()) ? transpose(value, kToChannelsFirst) : value);
  }
  OpBuilder b(op.getContext()); // the scratch block has no region to ask
  b.setInsertionPointToEnd(&scratch);
  Operation *nchw = b.clone(op, mapping);
  nchw->removeAttr("channels_last");
  for (Value r : nchw->getResults())
    r.setType(channelsFirst(r.getType()));
  YieldOp::create(b, op.getLoc(), nchw->getResults());
  auto results = runBlock(scratch, args);
  scratch.dropAllDefinedValueUses();
  scratch.clear();
  if (!results)
    return results.takeError();
  for (auto [r, value] : llvm::zip(op.getResults(), *results))
    if (isRank4(r.getType()))
      value = transpose(value, kToChannelsLast);
  return results;
}

} // namespace mlir::simclr::reference
