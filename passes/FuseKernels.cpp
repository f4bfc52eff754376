//===- FuseKernels.cpp - group the work between library calls into kernels -===//
//
// Walks a step's top-level ops in order and cuts them into runs at every library call
// (convolutions and matrix products, which go to oneDNN / cuDNN / cuBLAS) and every
// collective (which goes to the communicator, docs/DISTRIBUTED.md). Each run of
// fusible ops becomes one simclr.kernel, whose intermediates are never materialised; the
// loads and constants met inside a run are hoisted before it and its stores sunk after it.
//
//===----------------------------------------------------------------------===//

#include "dialects/simclr/IR/SimclrOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"

namespace mlir::simclr {
#define GEN_PASS_DEF_FUSEKERNELS
#include "passes/Passes.h.inc"
} // namespace mlir::simclr

using namespace mlir;
using namespace mlir::simclr;

namespace {

/// Ops that are neither computed in a kernel nor cut a run: they are moved around it.
bool isMovable(Operation *op) { return llvm::isa<LoadOp, StoreOp, arith::ConstantOp>(op); }

bool isFusible(Operation *op) {
  return !isLibraryCall(op) && !isCollective(op) && !isMovable(op) &&
         !op->hasTrait<OpTrait::IsTerminator>() &&
         !llvm::isa<KernelOp>(op) && isPure(op);
}

/// Replaces `group` (in program order, all in one block) by a kernel placed where its first
/// op was; `span` holds every op from the first to the last of the group.
void outline(ArrayRef<Operation *> group, ArrayRef<Operation *> span) {
  llvm::SmallPtrSet<Operation *, 16> members(group.begin(), group.end());
  Operation *first = group.front();
  // Hoist loads and constants, sink stores (in order) after the kernel.
  SmallVector<Operation *> sunk;
  for (Operation *op : span) {
    if (members.contains(op))
      continue;
    if (llvm::isa<StoreOp>(op))
      sunk.push_back(op);
    else
      op->moveBefore(first);
  }
  llvm::SetVector<Value> inputs, outputs;
  for (Operation *op : group) {
    for (Value operand : op->getOperands())
      if (!members.contains(operand.getDefiningOp()))
        inputs.insert(operand);
    for (Value result : op->getResults())
      if (llvm::any_of(result.getUsers(),
                       [&](Operation *user) { return !members.contains(user); }))
        outputs.insert(result);
  }
  OpBuilder b(first);
  SmallVector<Type> outputTypes;
  for (Value v : outputs)
    outputTypes.push_back(v.getType());
  auto kernel = KernelOp::create(b, first->getLoc(), outputTypes, inputs.getArrayRef());
  Block *body = b.createBlock(&kernel.getBody());
  IRMapping mapping;
  for (Value input : inputs)
    mapping.map(input, body->addArgument(input.getType(), input.getLoc()));
  for (Operation *op : group)
    b.clone(*op, mapping);
  SmallVector<Value> yielded;
  for (Value v : outputs)
    yielded.push_back(mapping.lookup(v));
  YieldOp::create(b, first->getLoc(), yielded);
  for (auto [value, result] : llvm::zip(outputs.getArrayRef(), kernel.getResults()))
    Value(value).replaceAllUsesWith(result);
  for (Operation *op : llvm::reverse(group))
    op->erase();
  Operation *after = kernel;
  for (Operation *store : sunk) {
    store->moveAfter(after);
    after = store;
  }
}

void fuse(func::FuncOp func) {
  SmallVector<SmallVector<Operation *>> groups, spans;
  SmallVector<Operation *> group, span;
  llvm::StringSet<> storedInRun;
  auto close = [&]() {
    if (!group.empty()) {
      // The span ends at the group's last op; later movable ops are not part of it.
      while (span.back() != group.back())
        span.pop_back();
      groups.push_back(group);
      spans.push_back(span);
    }
    group.clear();
    span.clear();
    storedInRun.clear();
  };
  for (Operation &op : func.getBody().front()) {
    if (isFusible(&op)) {
      group.push_back(&op);
      span.push_back(&op);
    } else if (isMovable(&op)) {
      auto load = llvm::dyn_cast<LoadOp>(op);
      if (load && storedInRun.contains(load.getName()))
        close(); // reading what the run stored: the run ends here
      if (auto store = llvm::dyn_cast<StoreOp>(op))
        storedInRun.insert(store.getName());
      if (!group.empty())
        span.push_back(&op);
    } else {
      close();
    }
  }
  close();
  for (auto [g, s] : llvm::zip(groups, spans))
    outline(g, s);
}

struct FuseKernelsPass : public mlir::simclr::impl::FuseKernelsBase<FuseKernelsPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      fuse(func);
  }
};

} // namespace
