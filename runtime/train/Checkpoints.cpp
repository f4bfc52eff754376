//===- Checkpoints.cpp - weights and runs in and out of a run --------------===//

#include "runtime/train/Checkpoints.h"
#include "runtime/Safetensors.h"
#include "runtime/support/Strings.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;
using Role = format::VariableRole;

namespace {

/// --resume: every variable, optimizer state included; the run's position if it has one.
Expected<RunPosition> loadResume(VariableTable &variables, const TrainingOptions &options,
                                 const std::string &stage, bool continueRun) {
  const std::string &path = options.resumePath;
  std::map<std::string, std::string> meta;
  auto checkpoint = readSafetensors(path, &meta);
  if (!checkpoint)
    return checkpoint.takeError();
  auto missing = variables.load(*checkpoint, path, {Role::Model, Role::Optimizer, Role::Teacher});
  if (!missing)
    return missing.takeError();
  if (!missing->empty())
    return makeError(path + ": error: '" + missing->front() + "' is missing (" +
                     std::to_string(missing->size()) + " tensors in all)");
  // A checkpoint of a run (--checkpoint) says where that run was; weights alone start at 0.
  RunPosition position;
  if (!continueRun || !meta.count("step"))
    return position;
  auto step = parseInteger(meta["step"]);
  auto epoch = parseUnsigned(meta["sampler_epoch"]);
  auto offset = parseUnsigned(meta["sampler_offset"]);
  auto seed = parseUnsigned(meta["seed"]);
  if (!step || !epoch || !offset || !seed || *step < 0 || *step > INT32_MAX)
    return makeError(path + ": error: the run's position in its metadata is not valid");
  if (meta["stage"] != stage)
    return makeError(path + ": error: a checkpoint of a " + meta["stage"] + " run, this is a " +
                     stage + " run");
  if (*seed != options.seed)
    return makeError(path + ": error: the run used --seed=" + std::to_string(*seed) +
                     "; resume it with the same seed");
  if (meta["total_steps"] != std::to_string(options.steps))
    return makeError(path + ": error: the run had --steps=" + meta["total_steps"] +
                     "; resume it with the same number of steps");
  if (*step >= options.steps)
    return makeError(path + ": error: the run had finished (" + std::to_string(*step) +
                     " steps)");
  position.step = int(*step);
  position.samplerEpoch = *epoch;
  position.samplerOffset = *offset;
  std::printf("resuming at step %d of %d\n", position.step + 1, options.steps);
  return position;
}

/// --init: the model's parameters and BN statistics of the same names. A classifier for
/// other classes (torchvision's 1000-class `fc`) is replaced, as when fine-tuning a
/// torchvision model; any other tensor of another shape is an error.
Error loadInit(VariableTable &variables, const TrainingOptions &options) {
  const std::string &path = options.initPath;
  auto checkpoint = readSafetensors(path);
  if (!checkpoint)
    return checkpoint.takeError();
  size_t model = 0;
  for (const VariableTable::Variable &v : variables.variables()) {
    if (v.role != Role::Model)
      continue;
    ++model;
    auto it = checkpoint->find(v.name);
    if (v.group == "classifier" && it != checkpoint->end() && it->second.shape != v.shape &&
        !it->second.shape.empty() && !v.shape.empty()) {
      std::printf("%s: %s is for %lld classes, this network has %lld: its classifier starts "
                  "fresh\n",
                  path.c_str(), v.name.c_str(), (long long)it->second.shape.front(),
                  (long long)v.shape.front());
      checkpoint->erase(it);
    }
  }
  auto missing = variables.load(*checkpoint, path, {Role::Model});
  if (!missing)
    return missing.takeError();
  if (missing->size() == model)
    return makeError(path + ": error: has none of the network's tensors");
  // The memory's EMA weights start from the weights just loaded (docs/MEMORY.md).
  if (Error e = variables.copyFromSources(*missing))
    return e;
  size_t loaded = model - missing->size();
  auto copies = std::remove_if(missing->begin(), missing->end(), [&](const std::string &name) {
    return startsWith(variables.find(name)->init, "copy:");
  });
  size_t copied = size_t(missing->end() - copies);
  missing->erase(copies, missing->end());
  std::string fresh;
  for (size_t i = 0; i < missing->size() && i < 4; ++i)
    fresh += (i ? ", " : " (") + (*missing)[i];
  fresh += missing->empty() ? "" : missing->size() > 4 ? ", ...)" : ")";
  std::string copiedText =
      copied ? "; " + std::to_string(copied) + " EMA copies of them" : std::string();
  std::printf("loaded %zu tensors from %s%s; %zu start fresh%s\n", loaded, path.c_str(),
              copiedText.c_str(), missing->size(), fresh.c_str());
  return Error::success();
}

/// --teacher: every variable of the teacher, from the teacher network's own names.
Error loadTeacher(VariableTable &variables, const TrainingOptions &options,
                  const std::string &stage) {
  const std::string &path = options.teacherPath;
  bool hasTeacher = variables.has(Role::Teacher);
  if (path.empty()) {
    if (hasTeacher && options.resumePath.empty())
      std::fprintf(stderr, "warning: no --teacher: distilling from a randomly initialised "
                           "teacher\n");
    return Error::success();
  }
  if (!hasTeacher)
    return makeError(path + ": error: --teacher given, but the " + stage +
                     " network has no teacher");
  auto checkpoint = readSafetensors(path);
  if (!checkpoint)
    return checkpoint.takeError();
  auto missing = variables.load(*checkpoint, path, {Role::Teacher},
                                VariableTable::Naming::OwnNetwork);
  if (!missing)
    return missing.takeError();
  if (!missing->empty())
    return makeError(path + ": error: the teacher's '" +
                     variables.find(missing->front())->key + "' is missing (" +
                     std::to_string(missing->size()) + " tensors in all)");
  return Error::success();
}

} // namespace

Expected<RunPosition> runtime::loadCheckpoints(VariableTable &variables,
                                               const TrainingOptions &options,
                                               const std::string &stage, bool continueRun) {
  RunPosition position;
  if (!options.resumePath.empty()) {
    auto resumed = loadResume(variables, options, stage, continueRun);
    if (!resumed)
      return resumed.takeError();
    position = *resumed;
  }
  if (!options.initPath.empty())
    if (Error e = loadInit(variables, options))
      return e;
  if (Error e = loadTeacher(variables, options, stage))
    return e;
  return position;
}

Error runtime::writeCheckpoint(const VariableTable &variables, const TrainingOptions &options,
                               const std::string &stage, const RunPosition &position) {
  return writeSafetensors(options.checkpointPath, variables.save(),
                          {{"stage", stage},
                           {"step", std::to_string(position.step)},
                           {"total_steps", std::to_string(options.steps)},
                           {"seed", std::to_string(options.seed)},
                           {"sampler_epoch", std::to_string(position.samplerEpoch)},
                           {"sampler_offset", std::to_string(position.samplerOffset)}});
}

std::string runtime::saveNonFiniteStep(const VariableTable &variables,
                                       const TrainingOptions &options, const std::string &stage,
                                       int step, float loss) {
  std::string base = options.checkpointPath.empty() ? "simclr" : options.checkpointPath;
  if (endsWith(base, ".safetensors"))
    base.resize(base.size() - std::string(".safetensors").size());
  std::string saved = base + ".nan-step" + std::to_string(step) + ".safetensors";
  if (Error e = writeSafetensors(saved, variables.save(),
                                 {{"stage", stage},
                                  {"step", std::to_string(step)},
                                  {"loss", std::isnan(loss) ? "nan" : "inf"}}))
    return "(could not be saved)";
  return saved;
}
