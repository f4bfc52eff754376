//===- Passes.h - passes over the simclr dialect ----------------*- C++ -*-===//
#ifndef SIMCLR_PASSES_PASSES_H
#define SIMCLR_PASSES_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::simclr {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

/// The training-step pipeline: simclr-autodiff, simclr-optimizer, canonicalize,
/// simclr-fuse-kernels, simclr-plan-memory. Registered as `simclr-training-step`.
void buildTrainingStepPipeline(OpPassManager &pm);
void registerTrainingStepPipeline();

} // namespace mlir::simclr

#endif // SIMCLR_PASSES_PASSES_H
