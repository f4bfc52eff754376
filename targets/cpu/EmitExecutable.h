//===- EmitExecutable.h - a compiled training executable --------*- C++ -*-===//
#ifndef SIMCLR_TARGETS_CPU_EMITEXECUTABLE_H
#define SIMCLR_TARGETS_CPU_EMITEXECUTABLE_H

#include "runtime/support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::simclr {

/// The C++ `main` of a training executable for a module: the module's kernels (their CPU
/// source), a table of them in the module's order, the module file embedded with
/// `.incbin` from `modulePath`, and a call to cpu::executableMain.
runtime::Expected<std::string> trainingExecutableSource(const std::vector<uint8_t> &module,
                                                       const std::string &modulePath);

/// Builds a training executable for `module` (a module image, as serializeModule writes
/// it) at `output` with the host compiler, linked against the installed runtime
/// (libsimclr_cpu, libsimclr_runtime). The file appears only when the build succeeded.
runtime::Error writeTrainingExecutable(const std::vector<uint8_t> &module,
                                       const std::string &output);

} // namespace mlir::simclr

#endif // SIMCLR_TARGETS_CPU_EMITEXECUTABLE_H
