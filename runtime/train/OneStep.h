//===- OneStep.h - one step on a batch from a file --------------*- C++ -*-===//
//
// --inputs: instead of training, run train_step once on the arguments in a safetensors
// file (arg0, arg1, ...: images, labels, step, warmup, total) from the variables --resume
// gives, and write the results (result0, ...) to --outputs and the variables to --save.
// External tools check the runtime step for step this way (test/Runtime/step-vs-pytorch.test).
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_TRAIN_ONESTEP_H
#define SIMCLR_RUNTIME_TRAIN_ONESTEP_H

#include "runtime/exec/Device.h"
#include "runtime/module/Reader.h"
#include "runtime/train/Options.h"

namespace mlir::simclr::runtime {

Error runOneStep(const LoadedModule &module, const DeviceFactory &makeDevice,
                 const TrainingOptions &options);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_TRAIN_ONESTEP_H
