//===- ExecutableMain.h - what a training executable's main does -*- C++ -*-===//
//
// The target-independent part of a compiled training executable's `main`: parse the
// training flags, verify the embedded module like any module file, and train on the
// device the target's part makes (runtime/cpu/CpuExecutable.h for the CPU).
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_TRAIN_EXECUTABLEMAIN_H
#define SIMCLR_RUNTIME_TRAIN_EXECUTABLEMAIN_H

#include "runtime/exec/Device.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace mlir::simclr::runtime {

/// `where` completes the --help overview ("on the CPU").
int runTrainingExecutable(int argc, char **argv, const uint8_t *module, size_t size,
                          const std::string &where, const DeviceFactory &makeDevice);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_TRAIN_EXECUTABLEMAIN_H
