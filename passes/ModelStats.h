//===- ModelStats.h - size and cost of a model ------------------*- C++ -*-===//
//
// The figures `simclrc --stats` and `--simclr-model-stats` print, computed from the IR alone
// so that a hand-written .mlir model gets them too.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_PASSES_MODELSTATS_H
#define SIMCLR_PASSES_MODELSTATS_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>

namespace mlir::simclr {

struct ModelStats {
  std::string model;              ///< the module's symbol name, if any
  std::string stage;              ///< `simclr.stage` of the step function, if any
  std::string stepFunction;       ///< the function the per-step figures describe
  int64_t backboneParameters = 0; ///< trainable backbone parameters (conv weights, BN gamma/beta)
  int64_t headParameters = 0;
  int64_t classifierParameters = 0;
  int64_t teacherParameters = 0;  ///< every `teacher.*` group
  int64_t stateElements = 0;      ///< BN running statistics and other state
  int64_t backboneMacsPerImage = 0;
  int64_t stepMacsPerImage = 0;   ///< every conv and dense op of the step, per image
  int64_t batchRows = 0;          ///< leading extent of the step's first argument
  int64_t activationBytes = 0;    ///< bytes of every tensor the step's compute ops produce
  /// After the training-step pipeline (forward, backward, optimizer), when it applies:
  int64_t trainingKernels = 0;    ///< fused kernels + library calls of the whole step
  int64_t trainingArenaBytes = 0; ///< planned arena of the whole step
  int64_t trainingBufferBytes = 0; ///< the same buffers without reuse
};

/// Computes the figures for `module`. The step function is the one that carries a
/// `simclr.stage` attribute, else the first function in the module.
ModelStats computeModelStats(ModuleOp module);

/// Runs the training-step pipeline on a copy of `module` and fills the training figures of
/// `stats`; leaves them 0 when the module has no step the pipeline can compile.
void computeTrainingStepStats(ModuleOp module, ModelStats &stats);

/// Prints one `key: value` line per figure.
void printModelStats(const ModelStats &stats, llvm::raw_ostream &os);

} // namespace mlir::simclr

#endif // SIMCLR_PASSES_MODELSTATS_H
