//===- EmitExecutable.h - a compiled training executable --------*- C++ -*-===//
#ifndef SIMCLR_TARGETS_MODULE_EMITEXECUTABLE_H
#define SIMCLR_TARGETS_MODULE_EMITEXECUTABLE_H

#include "runtime/module/Module_generated.h"
#include "runtime/support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::simclr {

/// The C++ `main` of a training executable for a module on `target`: the module file
/// embedded with `.incbin` from `modulePath` and a call to the target's executableMain
/// (runtime/cpu/CpuExecutable.h, runtime/cuda/CudaExecutable.h); for the CPU also the
/// module's kernels (their CPU source) and a table of them in the module's order.
runtime::Expected<std::string> trainingExecutableSource(const std::vector<uint8_t> &module,
                                                       const std::string &modulePath,
                                                       format::Target target);

/// Builds a training executable for `module` (a module image, as serializeModule writes
/// it) at `output` with the host compiler, linked against the installed runtime (the
/// target's device library and libsimclr_runtime). The file appears only when the build
/// succeeded.
runtime::Error writeTrainingExecutable(const std::vector<uint8_t> &module,
                                       const std::string &output, format::Target target);

} // namespace mlir::simclr

#endif // SIMCLR_TARGETS_MODULE_EMITEXECUTABLE_H
