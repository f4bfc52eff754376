//===- RunState.h - what a run trains, made ready -------------*- C++ -*-===//
//
// A run's train_step on a device: the device, the module's variables (initialised from the
// seed, then loaded from the checkpoints the options name) and the step's executor. The
// training loop and one-step mode both start here.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_TRAIN_RUNSTATE_H
#define SIMCLR_RUNTIME_TRAIN_RUNSTATE_H

#include "runtime/exec/Executor.h"
#include "runtime/train/Checkpoints.h"

#include <memory>

namespace mlir::simclr::runtime {

struct RunState {
  std::unique_ptr<Device> device;
  std::unique_ptr<VariableTable> variables;
  std::unique_ptr<Executor> step;
  RunPosition start; ///< where a resumed run continues
};

/// Makes the device (its collectives reaching the replicas of `comm`), the variables and
/// the train_step executor of `module`, and sets the variables from the seed and the
/// checkpoints (loadCheckpoints, `continueRun` as there).
Expected<RunState> prepareRun(const LoadedModule &module, const DeviceFactory &makeDevice,
                              Communicator &comm, const TrainingOptions &options,
                              const std::string &stage, bool continueRun);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_TRAIN_RUNSTATE_H
