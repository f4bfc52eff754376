//===- Autodiff.cpp - reverse-mode differentiation of a training step -----===//
//
// Finds the ops that lie on a path from a trainable parameter to the loss (activity
// analysis: "varied" forwards from the trainable loads), then walks them backwards,
// calling each op's gradient rule (GradientOpInterface) with the gradients of its results
// and summing the gradients it returns into its operands'. A value that depends on no
// trainable parameter (the teacher's logits, a frozen backbone's features, the images)
// gets no backward code at all. A forward store whose variable the backward pass still
// reads through an earlier load moves after the backward pass.
//
//===----------------------------------------------------------------------===//

#include "dialects/simclr/IR/SimclrOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/RegionUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::simclr {
#define GEN_PASS_DEF_AUTODIFF
#include "passes/Passes.h.inc"
} // namespace mlir::simclr

using namespace mlir;
using namespace mlir::simclr;

namespace {

/// The backward pass reads forward values again, loaded variables among them (the memory's
/// queue, read by nt_xent_loss_backward, docs/MEMORY.md). A forward store to a variable
/// whose earlier load the backward pass still uses moves to just before the return, in
/// order, so that the use reads the value the step began with (and the module format,
/// which reads variables in place, may). A store that a later load reads stays.
void sinkStoresPastTheirReaders(ArrayRef<Operation *> forward, func::ReturnOp ret) {
  Block *body = ret->getBlock();
  for (Operation *op : forward) {
    auto store = llvm::dyn_cast<StoreOp>(op);
    if (!store)
      continue;
    bool readLater = false, usedLater = false;
    for (LoadOp load : body->getOps<LoadOp>()) {
      if (load.getName() != store.getName())
        continue;
      if (store->isBeforeInBlock(load))
        readLater = true;
      else
        for (Operation *user : load->getUsers())
          usedLater |= store->isBeforeInBlock(body->findAncestorOpInBlock(*user));
    }
    if (usedLater && !readLater)
      store->moveBefore(ret);
  }
}

LogicalResult differentiate(func::FuncOp func, SymbolTable &symbols) {
  Block &body = func.getBody().front();
  auto ret = llvm::dyn_cast<func::ReturnOp>(body.getTerminator());
  if (!ret || ret.getNumOperands() == 0)
    return func.emitOpError() << "cannot be differentiated: it returns no loss";
  Value loss = ret.getOperand(0);
  auto lossType = llvm::dyn_cast<RankedTensorType>(loss.getType());
  if (!lossType || lossType.getRank() != 0 || !lossType.getElementType().isF32())
    return func.emitOpError() << "cannot be differentiated: its first result (the loss) "
                                 "must be tensor<f32>, got "
                              << loss.getType();

  // Activity: values that depend on a trainable parameter.
  llvm::DenseSet<Value> varied;
  llvm::MapVector<StringAttr, SmallVector<Value>> parameterLoads;
  for (Operation &op : body.without_terminator()) {
    if (auto load = llvm::dyn_cast<LoadOp>(op)) {
      auto param = symbols.lookup<ParameterOp>(load.getName());
      if (param && !param.getFrozen()) {
        varied.insert(load.getResult());
        parameterLoads[load.getNameAttr().getAttr()].push_back(load.getResult());
      }
      continue;
    }
    if (llvm::any_of(op.getOperands(), [&](Value v) { return varied.contains(v); }))
      varied.insert(op.result_begin(), op.result_end());
  }
  if (!varied.contains(loss))
    return func.emitOpError() << "cannot be differentiated: the loss depends on no "
                                 "trainable parameter";

  OpBuilder b(ret);
  llvm::DenseMap<Value, Value> grads;
  Operation *seed = arith::ConstantOp::create(
      b, loss.getLoc(), lossType, DenseElementsAttr::get(lossType, b.getF32FloatAttr(1.0f)));
  grads[loss] = seed->getResult(0);

  // Backwards over the forward ops; the backward code goes before the return.
  SmallVector<Operation *> forward;
  for (Operation &op : body.without_terminator())
    forward.push_back(&op);
  for (Operation *op : llvm::reverse(forward)) {
    if (llvm::isa<LoadOp>(op) || !llvm::any_of(op->getResults(), [&](Value r) {
          return grads.count(r) && varied.contains(r);
        }))
      continue;
    auto rule = llvm::dyn_cast<GradientOpInterface>(op);
    if (!rule)
      return op->emitOpError() << "has no gradient rule, but lies between a trainable "
                                  "parameter and the loss";
    SmallVector<Value> resultGrads, operandGrads;
    for (Value r : op->getResults())
      resultGrads.push_back(grads.lookup(r));
    b.setInsertionPoint(ret);
    if (failed(rule.buildGradients(b, resultGrads, operandGrads)))
      return failure();
    if (operandGrads.size() != op->getNumOperands())
      return op->emitOpError() << "gradient rule returned " << operandGrads.size()
                               << " gradients for " << op->getNumOperands() << " operands";
    for (auto [operand, grad] : llvm::zip(op->getOperands(), operandGrads)) {
      if (!grad || !varied.contains(operand))
        continue;
      Value &sum = grads[operand];
      sum = sum ? AddOp::create(b, op->getLoc(), sum, grad).getResult() : grad;
    }
  }

  // One gradient per trainable parameter, summed over its loads.
  SmallVector<Value> results(ret.getOperands());
  SmallVector<Attribute> names;
  b.setInsertionPoint(ret);
  for (auto &[name, loads] : parameterLoads) {
    Value total;
    for (Value load : loads)
      if (Value g = grads.lookup(load))
        total = total ? AddOp::create(b, load.getLoc(), total, g).getResult() : g;
    if (!total) // read, but not on a path to the loss
      total = arith::ConstantOp::create(
          b, func.getLoc(), llvm::cast<RankedTensorType>(loads.front().getType()),
          DenseElementsAttr::get(llvm::cast<RankedTensorType>(loads.front().getType()), b.getF32FloatAttr(0.0f)));
    results.push_back(total);
    names.push_back(FlatSymbolRefAttr::get(name));
  }
  ret->setOperands(results);

  // Rules build a gradient for every operand; drop those that nothing needed (the images'
  // gradient, for one).
  SmallVector<Operation *> backward;
  for (Operation *op = seed; op != ret.getOperation(); op = op->getNextNode())
    backward.push_back(op);
  for (Operation *op : llvm::reverse(backward))
    if (isOpTriviallyDead(op))
      op->erase();
  sinkStoresPastTheirReaders(forward, ret);
  func.setFunctionType(
      b.getFunctionType(func.getArgumentTypes(), ValueRange(results).getTypes()));
  func->getContext()->getLoadedDialect<SimclrDialect>()->getGradientsAttrHelper().setAttr(
      func, b.getArrayAttr(names));
  return success();
}

struct AutodiffPass : public mlir::simclr::impl::AutodiffBase<AutodiffPass> {
  using AutodiffBase::AutodiffBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    bool found = false;
    for (auto func : module.getOps<func::FuncOp>()) {
      bool selected = functionName.empty()
                          ? func->hasAttr(SimclrDialect::StageAttrHelper::getNameStr())
                                           : func.getSymName() == functionName;
      if (!selected)
        continue;
      found = true;
      if (failed(differentiate(func, symbols)))
        return signalPassFailure();
    }
    if (!found) {
      module.emitError() << "simclr-autodiff found no function to differentiate ("
                         << (functionName.empty() ? std::string("none has simclr.stage")
                                                  : "no @" + functionName)
                         << ")";
      signalPassFailure();
    }
  }
};

} // namespace
