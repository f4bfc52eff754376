//===- StepSettings.h - what a module says about its step -------*- C++ -*-===//
//
// The settings of a module's train_step, read from its flat metadata (docs/MODULE.md)
// and checked against the step's arguments: the stage, the batch (images, views, size),
// the schedule, the classes, the augmentations.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_TRAIN_STEPSETTINGS_H
#define SIMCLR_RUNTIME_TRAIN_STEPSETTINGS_H

#include "runtime/data/Augment.h"
#include "runtime/module/Reader.h"

#include <cstdint>
#include <string>

namespace mlir::simclr::runtime {

struct StepSettings {
  std::string stage; ///< pretrain, finetune, distill, linear_eval
  int64_t batch = 0, views = 1, channels = 0, height = 0, width = 0;
  double epochs = 0, warmupEpochs = 0;
  /// The step takes labels (int32) after the images; then `classes` is its classifier's.
  bool labelled = false;
  int64_t classes = 0;
  data::AugmentSettings augment;

  /// The warmup steps of a run of `steps` steps (the module's warmup share of its epochs).
  float warmupSteps(int steps) const;
  /// Stages that train on labelled images alone (fine-tuning, linear evaluation); a
  /// labelled distillation step trains on every image, the labels of some.
  bool labelledImagesOnly() const { return stage == "finetune" || stage == "linear_eval"; }
};

/// The settings of `module`'s train_step; an error names the module and the missing
/// setting, or says how the step's arguments differ from them.
Expected<StepSettings> readStepSettings(const LoadedModule &module);

/// The stage of `module` ("" when it has none).
std::string stageOf(const LoadedModule &module);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_TRAIN_STEPSETTINGS_H
