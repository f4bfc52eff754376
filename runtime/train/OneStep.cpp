//===- OneStep.cpp - one step on a batch from a file -----------------------===//

#include "runtime/train/OneStep.h"
#include "runtime/Safetensors.h"
#include "runtime/comm/Communicator.h"
#include "runtime/train/RunState.h"
#include "runtime/train/StepSettings.h"
#include "runtime/support/Strings.h"

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

Error runtime::runOneStep(const LoadedModule &module, const DeviceFactory &makeDevice,
                          const TrainingOptions &options) {
  const format::EntryPoint *entry = module.entryPoint("train_step");
  if (!entry)
    return makeError(module.path() + ": error: no entry point 'train_step'");
  auto file = readSafetensors(options.inputsPath);
  if (!file)
    return file.takeError();
  // Every argument, converted to the type the step takes (float32, or int32 labels).
  std::vector<std::vector<float>> floats;
  std::vector<std::vector<int32_t>> ints;
  std::vector<const void *> arguments;
  floats.reserve(entry->arguments()->size());
  ints.reserve(entry->arguments()->size());
  for (size_t i = 0; i < entry->arguments()->size(); ++i) {
    const format::ValueRef *arg = entry->arguments()->Get(i);
    std::string name = "arg" + std::to_string(i);
    auto it = file->find(name);
    std::vector<int64_t> shape(arg->shape()->begin(), arg->shape()->end());
    if (it == file->end())
      return makeError(options.inputsPath + ": error: no tensor '" + name + "' for argument " +
                       std::to_string(i) + " of train_step");
    if (it->second.shape != shape)
      return makeError(options.inputsPath + ": error: tensor '" + name +
                       "' has another shape than argument " + std::to_string(i) +
                       " of train_step");
    std::vector<double> values = it->second.toDoubles();
    if (arg->dtype() == format::DType::I32) {
      // Labels index the classifier's outputs (where the module says how many): one
      // beyond them is bad input, not a read past a row; -1 marks an unlabelled image.
      auto classes = module.metadata("train_step:simclr.input.num_classes");
      auto count = classes ? parseInteger(*classes) : std::nullopt;
      for (size_t e = 0; count && e < values.size(); ++e)
        if (values[e] < -1 || values[e] >= double(*count) ||
            values[e] != double(int32_t(values[e])))
          return makeError(options.inputsPath + ": error: tensor '" + name + "' holds label " +
                           runtime::format("%g", values[e]) + " at index " + std::to_string(e) +
                           ", outside the classifier's " + std::to_string(*count) +
                           " classes (or -1: unlabelled)");
      ints.emplace_back(values.begin(), values.end());
      arguments.push_back(ints.back().data());
    } else {
      floats.emplace_back(values.begin(), values.end());
      arguments.push_back(floats.back().data());
    }
  }
  // One replica's step: the run refuses --inputs for a module of several.
  std::unique_ptr<Communicator> alone = localCommunicator();
  auto run = prepareRun(module, makeDevice, *alone, options, stageOf(module),
                        /*continueRun=*/false);
  if (!run)
    return run.takeError();
  auto results = run->step->run(arguments);
  if (!results)
    return results.takeError();
  if (!options.outputsPath.empty()) {
    TensorMap out;
    for (size_t i = 0; i < results->size(); ++i)
      out["result" + std::to_string(i)] =
          Tensor::fromDoubles(DType::F32, run->step->schedule().results()[i].shape,
                              std::vector<double>((*results)[i].begin(), (*results)[i].end()));
    if (Error e = writeSafetensors(options.outputsPath, out))
      return e;
  }
  if (!options.savePath.empty())
    if (Error e = writeSafetensors(options.savePath, run->variables->save()))
      return e;
  return Error::success();
}
