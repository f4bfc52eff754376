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

/// The training-step pipeline: simclr-autodiff, simclr-optimizer,
/// simclr-cross-replica-batch-norm, simclr-gradient-all-reduce, simclr-mixed-precision,
/// simclr-channels-last, canonicalize, simclr-fuse-kernels, simclr-plan-memory.
/// Registered as `simclr-training-step`.
void buildTrainingStepPipeline(OpPassManager &pm);
void registerTrainingStepPipeline();

/// The compiler's choice of `module`'s layout (its `simclr.layout`), unless it has one:
/// `nhwc` for the CUDA target in bf16 (cuDNN's tensor-core convolutions read and write
/// NHWC; in NCHW they transpose around every call), else `nchw` (no attribute).
void chooseLayout(ModuleOp module, bool cudaTarget);

/// Compiles every step of `module` with the training-step pipeline, unless it is compiled
/// already (a function carries `simclr.arena_bytes`, as `simclrc --emit=step` writes it).
/// The one way every tool and test compiles a step; errors are diagnostics. A module for
/// more than one replica (simclr.replicas) is refused for now (docs/DISTRIBUTED.md).
LogicalResult compileTrainingStep(ModuleOp module);

} // namespace mlir::simclr

#endif // SIMCLR_PASSES_PASSES_H
