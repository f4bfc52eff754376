//===- MemoryPlan.h - static buffer assignment for a step ------*- C++ -*-===//
#ifndef SIMCLR_PASSES_MEMORYPLAN_H
#define SIMCLR_PASSES_MEMORYPLAN_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"

namespace mlir::simclr {

struct MemoryPlan {
  int64_t arenaBytes = 0;          ///< size of the one arena every buffer lives in
  int64_t bufferBytes = 0;         ///< sum of all buffers: the arena without any reuse
  llvm::DenseMap<Value, int64_t> offsets; ///< byte offset of each planned value
};

/// Plans the buffers of `func`'s top-level values by liveness (see simclr-plan-memory).
MemoryPlan planMemory(func::FuncOp func);

} // namespace mlir::simclr

#endif // SIMCLR_PASSES_MEMORYPLAN_H
