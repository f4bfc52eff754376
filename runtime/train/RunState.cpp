//===- RunState.cpp - what a run trains, made ready -----------------------===//

#include "runtime/train/RunState.h"

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

Expected<RunState> runtime::prepareRun(const LoadedModule &module,
                                       const DeviceFactory &makeDevice, Communicator &comm,
                                       const TrainingOptions &options,
                                       const std::string &stage, bool continueRun) {
  RunState state;
  auto device = makeDevice(module);
  if (!device)
    return device.takeError();
  state.device = std::move(*device);
  state.device->allowRecording(!options.noCudaGraph);
  if (Error e = state.device->setCommunicator(&comm))
    return e;
  // Everything the run will hold at once, checked before anything large is allocated: the
  // step, and the evaluation entry points it will run (counted together: conservative).
  std::vector<std::string> entries = {"train_step"};
  if ((options.knn || options.knnEvery > 0) && module.entryPoint("embed"))
    entries.push_back("embed");
  if (options.evaluate && module.entryPoint("predict"))
    entries.push_back("predict");
  if (Error e = state.device->checkFits(module, entries))
    return e;
  auto variables = VariableTable::create(module, *state.device);
  if (!variables)
    return variables.takeError();
  state.variables = std::move(*variables);
  auto step = Executor::create(module, "train_step", *state.device, *state.variables);
  if (!step)
    return step.takeError();
  state.step = std::move(*step);
  if (Error e = state.variables->initialize(options.seed))
    return e;
  auto start = loadCheckpoints(*state.variables, options, stage, continueRun);
  if (!start)
    return start.takeError();
  state.start = *start;
  return state;
}
