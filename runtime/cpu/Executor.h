//===- Executor.h - running a compiled step on the CPU ----------*- C++ -*-===//
//
// First version of the CPU runtime: runs a function of a compiled module (after
// simclr-training-step) in float32. Convolutions and GEMMs go to oneDNN (LibraryCalls),
// each simclr.kernel to its generated C++ (targets/cpu/EmitKernels.cpp, built with the host
// compiler when the executor is created), intermediates to one arena at the offsets of the
// memory plan, parameters and state to their own buffers, used in place.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CPU_EXECUTOR_H
#define SIMCLR_RUNTIME_CPU_EXECUTOR_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mlir::simclr::cpu {

class Executor {
public:
  /// Prepares `function` of `module` (which must outlive the executor): plans its memory,
  /// emits and builds its kernels in `workDirectory`, and declares its variables.
  static llvm::Expected<std::unique_ptr<Executor>>
  create(ModuleOp module, llvm::StringRef function, llvm::StringRef workDirectory);
  ~Executor();

  /// Parameters and state by symbol name, float32, read and written in place by `run`.
  std::map<std::string, std::vector<float>> variables;

  /// Sets every variable as its declaration says (see runtime/Initializers.h).
  llvm::Error initialize(uint64_t seed);

  /// Runs the function once. `arguments` point at the arguments' data (float32, or int32
  /// for labels); returns the results (float32).
  llvm::Expected<std::vector<std::vector<float>>> run(const std::vector<const void *> &arguments);

private:
  Executor();
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace mlir::simclr::cpu

#endif // SIMCLR_RUNTIME_CPU_EXECUTOR_H
