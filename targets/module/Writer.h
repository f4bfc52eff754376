//===- Writer.h - compiled simclr modules -> module files -------*- C++ -*-===//
#ifndef SIMCLR_TARGETS_MODULE_WRITER_H
#define SIMCLR_TARGETS_MODULE_WRITER_H

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::simclr {

/// The targets a module carries kernels for besides the CPU (whose C++ every module
/// carries, so that any module runs on the CPU).
struct ModuleTargets {
  bool cuda = false;                         ///< CUDA sources, launch plans and a fatbin
  std::string cudaArchitectures = "sm_90";   ///< what the fatbin is built for
  bool cudaBinary = true; ///< build the fatbin (off: sources and plans only, no nvcc)
};

/// Serialises `module`, compiled by simclr-training-step (compileTrainingStep), into the
/// module file format of runtime/module/Format.h. Every function becomes an entry point;
/// its buffers sit at the arena offsets simclr-plan-memory recorded (`simclr.offsets`,
/// `simclr.arena_bytes`), which the writer reads and never recomputes. Problems are
/// reported as diagnostics on the offending op.
FailureOr<std::vector<uint8_t>> serializeModule(ModuleOp module,
                                                const ModuleTargets &targets = {});

} // namespace mlir::simclr

#endif // SIMCLR_TARGETS_MODULE_WRITER_H
