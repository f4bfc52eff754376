//===- Executor.h - running a module's entry point on the CPU ---*- C++ -*-===//
//
// The CPU runtime: runs an entry point of a loaded module file (runtime/module/Reader.h)
// in float32. Convolutions and GEMMs go to oneDNN (LibraryCalls), each kernel launch to
// the module's kernel as built for the CPU (runtime/cpu/KernelBuild.h, or linked into a
// compiled training executable), intermediates to one arena at the offsets of the memory
// plan, parameters and state to their own buffers, used in place. No MLIR: everything
// comes from the module. See docs/RUNTIME.md.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CPU_EXECUTOR_H
#define SIMCLR_RUNTIME_CPU_EXECUTOR_H

#include "runtime/Tensor.h"
#include "runtime/cpu/KernelAbi.h"
#include "runtime/module/Reader.h"

#include "llvm/Support/Error.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mlir::simclr::cpu {

class Executor {
public:
  /// Prepares entry point `entry` of `module`; `kernels[i]` runs the module's kernel i.
  /// Checks every instruction against what the CPU runtime can run (op, arity, dtypes,
  /// shapes, convolution geometry); errors read "<module>: error: entry point '...',
  /// instruction N (op): ...".
  static llvm::Expected<std::unique_ptr<Executor>>
  create(runtime::LoadedModule module, llvm::StringRef entry, std::vector<KernelFn> kernels);
  ~Executor();

  /// Parameters and state by name, float32, read and written in place by `run`. Resizing
  /// one is an error that `run` reports.
  std::map<std::string, std::vector<float>> variables;

  /// Sets every variable as its declaration says (see runtime/Initializers.h).
  llvm::Error initialize(uint64_t seed);

  /// Every variable as a float32 tensor, by name (what a checkpoint holds).
  runtime::TensorMap saveVariables() const;

  /// Copies tensors of `checkpoint` (read from `path`, named in errors) into variables:
  /// the variable `prefix + key` takes tensor `key`. Variables whose name starts with
  /// `velocity.` (optimizer state) are taken only with `optimizerState`. A tensor whose
  /// shape differs from its variable's is an error (a checkpoint of another network).
  /// Returns the names of the variables under `prefix` that the checkpoint did not have.
  llvm::Expected<std::vector<std::string>>
  loadVariables(const runtime::TensorMap &checkpoint, llvm::StringRef path,
                llvm::StringRef prefix = "", bool optimizerState = false);

  /// Runs the entry point once. `arguments` point at the arguments' data (float32, or
  /// int32 for labels); returns the results (float32).
  llvm::Expected<std::vector<std::vector<float>>> run(const std::vector<const void *> &arguments);

  /// Per-instruction wall time, when switched on (off by default: it costs a clock read
  /// per instruction).
  struct ProfileEntry {
    std::string what; ///< "3 simclr.conv2d 256x32x28x28" or "7 simclr.kernel train_step_kernel2"
    double seconds = 0;
    int64_t calls = 0;
  };
  void setProfiling(bool on);
  std::vector<ProfileEntry> profile() const;

private:
  Executor();
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace mlir::simclr::cpu

#endif // SIMCLR_RUNTIME_CPU_EXECUTOR_H
