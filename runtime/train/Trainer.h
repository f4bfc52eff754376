//===- Trainer.h - the training loop ----------------------------*- C++ -*-===//
//
// Trains the `train_step` entry point of a module: get the batch, step, log, maybe
// checkpoint or evaluate. Shared by `simclr-train` (which compiles a description or loads
// a module file first) and by the training executables `simclrc --emit=executable`
// writes; which device runs the step is the caller's choice (a DeviceFactory).
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_TRAIN_TRAINER_H
#define SIMCLR_RUNTIME_TRAIN_TRAINER_H

#include "runtime/comm/Communicator.h"
#include "runtime/exec/Device.h"
#include "runtime/module/Reader.h"
#include "runtime/train/Options.h"

namespace mlir::simclr::runtime {

/// Trains `module`'s train_step on the device `makeDevice` makes (or runs one step, with
/// --inputs), as replica comm.rank() of comm.size() (docs/DISTRIBUTED.md: the module must
/// be for that many replicas; rank 0 alone prints and writes files). Returns the exit code
/// of a tool: 0 on success, 1 after printing the error (with several replicas, the error
/// ends the whole job).
int train(const LoadedModule &module, const DeviceFactory &makeDevice,
          const TrainingOptions &options, Communicator &comm);

/// The communicator of this process's launch (launchCommunicator, with the options'
/// --collective-timeout), for a tool's main; null after printing the error.
std::unique_ptr<Communicator> launchReplicas(const TrainingOptions &options);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_TRAIN_TRAINER_H
