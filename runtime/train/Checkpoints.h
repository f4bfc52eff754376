//===- Checkpoints.h - weights and runs in and out of a run -----*- C++ -*-===//
//
// What a run loads before its first step (--resume: a whole run; --init: weights to start
// from; --teacher: a distillation teacher) and what it writes (--checkpoint: every
// variable and the run's position, --save: the weights at the end, and the variables of
// a step whose loss stopped being finite). Safetensors files, written atomically.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_TRAIN_CHECKPOINTS_H
#define SIMCLR_RUNTIME_TRAIN_CHECKPOINTS_H

#include "runtime/exec/VariableTable.h"
#include "runtime/train/Options.h"

#include <cstdint>
#include <string>

namespace mlir::simclr::runtime {

/// Where a run was when its checkpoint was written: the steps done and the sampler's
/// position after the last of them.
struct RunPosition {
  int step = 0;
  uint64_t samplerEpoch = 0, samplerOffset = 0;
};

/// Loads the files the options name (--resume, --init, --teacher) into `variables`.
/// With `continueRun`, returns where a resumed run continues: step 0 unless --resume names
/// a checkpoint of a run (--checkpoint), which must be of this stage, seed and length.
/// Prints what --init loaded.
Expected<RunPosition> loadCheckpoints(VariableTable &variables, const TrainingOptions &options,
                                      const std::string &stage, bool continueRun);

/// Writes every variable and the run's position to `options.checkpointPath`.
Error writeCheckpoint(const VariableTable &variables, const TrainingOptions &options,
                      const std::string &stage, const RunPosition &position);

/// Keeps the variables after step `step`, whose loss was not finite, beside the checkpoint
/// (or here); returns the file written, or "(could not be saved)".
std::string saveNonFiniteStep(const VariableTable &variables, const TrainingOptions &options,
                              const std::string &stage, int step, float loss);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_TRAIN_CHECKPOINTS_H
