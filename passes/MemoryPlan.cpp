//===- MemoryPlan.cpp - static buffer assignment by liveness ---------------===//
//
// Every tensor a step's top-level ops produce (kernel outputs, library-call results)
// needs a buffer from its definition to its last use; loads read parameter storage and
// constants are read-only data, so neither is planned. Buffers go into one arena, largest
// first, each at the lowest offset that no buffer live at the same time occupies (greedy
// first fit). Sizes are rounded up to 64 bytes, a cache line and an AVX-512 vector.
//
//===----------------------------------------------------------------------===//

#include "passes/MemoryPlan.h"
#include "dialects/simclr/IR/SimclrOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <algorithm>

namespace mlir::simclr {
#define GEN_PASS_DEF_PLANMEMORY
#include "passes/Passes.h.inc"
} // namespace mlir::simclr

using namespace mlir;
using namespace mlir::simclr;

namespace {
constexpr int64_t kAlignment = 64;

struct Buffer {
  Value value;
  int64_t size, begin, end; // live over top-level op indices [begin, end]
  int64_t offset = -1;
};
} // namespace

MemoryPlan mlir::simclr::planMemory(func::FuncOp func) {
  Block &body = func.getBody().front();
  llvm::DenseMap<Operation *, int64_t> index;
  for (Operation &op : body)
    index[&op] = static_cast<int64_t>(index.size());

  std::vector<Buffer> buffers;
  for (Operation &op : body) {
    if (llvm::isa<LoadOp, arith::ConstantOp>(op))
      continue;
    for (Value result : op.getResults()) {
      auto type = llvm::dyn_cast<RankedTensorType>(result.getType());
      if (!type || !type.hasStaticShape())
        continue;
      int64_t bytes = type.getNumElements() * ((type.getElementTypeBitWidth() + 7) / 8);
      int64_t end = index[&op];
      for (Operation *user : result.getUsers())
        end = std::max(end, index[body.findAncestorOpInBlock(*user)]);
      buffers.push_back({result, (bytes + kAlignment - 1) / kAlignment * kAlignment,
                         index[&op], end});
    }
  }

  MemoryPlan plan;
  std::vector<Buffer *> order;
  for (Buffer &b : buffers) {
    order.push_back(&b);
    plan.bufferBytes += b.size;
  }
  std::stable_sort(order.begin(), order.end(),
                   [](Buffer *a, Buffer *b) { return a->size > b->size; });
  std::vector<Buffer *> placed;
  for (Buffer *buffer : order) {
    std::vector<std::pair<int64_t, int64_t>> taken; // [offset, offset + size) of live ones
    for (Buffer *other : placed)
      if (other->begin <= buffer->end && buffer->begin <= other->end)
        taken.push_back({other->offset, other->offset + other->size});
    std::sort(taken.begin(), taken.end());
    int64_t offset = 0;
    for (auto [start, stop] : taken) {
      if (offset + buffer->size <= start)
        break;
      offset = std::max(offset, stop);
    }
    buffer->offset = offset;
    placed.push_back(buffer);
    plan.arenaBytes = std::max(plan.arenaBytes, offset + buffer->size);
    plan.offsets[buffer->value] = offset;
  }
  return plan;
}

namespace {
struct PlanMemoryPass : public mlir::simclr::impl::PlanMemoryBase<PlanMemoryPass> {
  void runOnOperation() override {
    auto *simclr = getContext().getLoadedDialect<SimclrDialect>();
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      MemoryPlan plan = planMemory(func);
      Builder b(func.getContext());
      for (Operation &op : func.getBody().front()) {
        if (op.getNumResults() == 0 || llvm::isa<LoadOp, arith::ConstantOp>(op))
          continue;
        SmallVector<int64_t> offsets;
        for (Value result : op.getResults())
          offsets.push_back(plan.offsets.lookup_or(result, -1));
        simclr->getOffsetsAttrHelper().setAttr(&op, b.getDenseI64ArrayAttr(offsets));
      }
      simclr->getArenaBytesAttrHelper().setAttr(func, b.getI64IntegerAttr(plan.arenaBytes));
    }
  }
};
} // namespace
