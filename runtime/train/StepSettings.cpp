//===- StepSettings.cpp - what a module says about its step ----------------===//

#include "runtime/train/StepSettings.h"
#include "runtime/support/Strings.h"

#include <cmath>

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

namespace {

/// A numeric setting of the module's train_step.
Expected<double> setting(const LoadedModule &module, const std::string &key) {
  std::optional<std::string> text = module.metadata("train_step:" + key);
  std::optional<double> value = text ? parseDouble(*text) : std::nullopt;
  if (!value)
    return makeError(module.path() +
                     ": error: the module has no numeric setting train_step:" + key);
  return *value;
}

/// The augmentations of the module's stage (train_step:simclr.augment.*; the recipe's
/// defaults where a module has none).
data::AugmentSettings augmentSettingsOf(const LoadedModule &module, const std::string &stage) {
  data::AugmentSettings settings;
  settings.pretraining = stage == "pretrain";
  auto text = [&](const char *key) {
    return module.metadata(std::string("train_step:simclr.augment.") + key).value_or("");
  };
  if (auto number = parseDouble(text("crop_min_area")))
    settings.cropMinArea = *number;
  if (auto number = parseDouble(text("color_strength")))
    settings.colorStrength = *number;
  if (!text("flip").empty())
    settings.flip = text("flip") == "true";
  if (!text("blur").empty())
    settings.blur = text("blur") == "true";
  return settings;
}

} // namespace

std::string runtime::stageOf(const LoadedModule &module) {
  return module.metadata("train_step:simclr.stage").value_or("");
}

float StepSettings::warmupSteps(int steps) const {
  double warmupFraction = epochs > 0 ? warmupEpochs / epochs : 0.0;
  return std::round(float(steps * warmupFraction));
}

Expected<StepSettings> runtime::readStepSettings(const LoadedModule &module) {
  StepSettings s;
  s.stage = stageOf(module);
  int64_t *shape[5] = {&s.batch, &s.views, &s.channels, &s.height, &s.width};
  const char *keys[5] = {"simclr.input.batch_size", "simclr.input.views", "simclr.input.channels",
                         "simclr.input.height", "simclr.input.width"};
  for (int i = 0; i < 5; ++i) {
    auto value = setting(module, keys[i]);
    if (!value)
      return value.takeError();
    *shape[i] = static_cast<int64_t>(*value);
  }
  auto epochs = setting(module, "simclr.optimizer.epochs");
  auto warmupEpochs = setting(module, "simclr.optimizer.warmup_epochs");
  if (!epochs || !warmupEpochs)
    return makeError(module.path() + ": error: the module has no optimizer schedule settings");
  s.epochs = *epochs;
  s.warmupEpochs = *warmupEpochs;
  s.augment = augmentSettingsOf(module, s.stage);

  // Arguments: images, labels when the stage has them (int32), step, warmup, total.
  const format::EntryPoint *entry = module.entryPoint("train_step");
  if (!entry)
    return makeError(module.path() + ": error: no entry point 'train_step'");
  size_t arguments = entry->arguments()->size();
  s.labelled = arguments == 5 && entry->arguments()->Get(1)->dtype() == format::DType::I32;
  if (arguments != (s.labelled ? 5u : 4u) || entry->arguments()->Get(0)->shape()->size() != 4 ||
      entry->arguments()->Get(0)->shape()->Get(0) != s.batch * s.views)
    return makeError(module.path() + ": error: train_step does not take (images, [labels,] "
                                     "step, warmup, total) for a batch of " +
                     std::to_string(s.batch) + " x " + std::to_string(s.views) + " views");
  if (s.labelled) {
    auto classes = setting(module, "simclr.input.num_classes");
    if (!classes)
      return classes.takeError();
    s.classes = int64_t(*classes);
  }
  return s;
}
