//===- Writer.h - compiled simclr modules -> module files -------*- C++ -*-===//
#ifndef SIMCLR_RUNTIME_MODULE_WRITER_H
#define SIMCLR_RUNTIME_MODULE_WRITER_H

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <vector>

namespace mlir::simclr {

/// Serialises `module` (its step compiled by simclr-training-step; other functions are
/// taken op by op) into the module file format of runtime/module/Format.h. Every function
/// becomes an entry point with its own memory plan. Problems are reported as diagnostics
/// on the offending op.
FailureOr<std::vector<uint8_t>> serializeModule(ModuleOp module);

} // namespace mlir::simclr

#endif // SIMCLR_RUNTIME_MODULE_WRITER_H
