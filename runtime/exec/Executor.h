//===- Executor.h - running an entry point on a device ----------*- C++ -*-===//
//
// The one schedule walk every device shares: a Schedule (checked once), the variables it
// reads and writes in place (a VariableTable, shared with the other entry points), and a
// Device that runs each instruction. Operands are resolved to device addresses once, when
// the executor is made (arena + offset, constants, variables); only the arguments change
// from run to run. See docs/RUNTIME.md.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_EXEC_EXECUTOR_H
#define SIMCLR_RUNTIME_EXEC_EXECUTOR_H

#include "runtime/exec/Device.h"
#include "runtime/exec/Schedule.h"
#include "runtime/exec/VariableTable.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir::simclr::runtime {

class Executor {
public:
  /// Prepares entry point `entry` of `module` on `device`, over `variables` (which must
  /// outlive the executor): checks the schedule, allocates the arena and the constants.
  static Expected<std::unique_ptr<Executor>> create(const LoadedModule &module,
                                                    const std::string &entry, Device &device,
                                                    VariableTable &variables);
  ~Executor();
  Executor(const Executor &) = delete;
  Executor &operator=(const Executor &) = delete;

  const Schedule &schedule() const { return plan; }

  /// Runs the entry point once. `arguments` point at the arguments' data on the host
  /// (float32, or int32 for labels); returns the results (float32). The same as
  /// stage(), launch() and finish() one after the other.
  Expected<std::vector<std::vector<float>>> run(const std::vector<const void *> &arguments);

  /// A run in three parts, so that the next run's arguments go to the device while this
  /// one computes (the trainer: launch step t, stage the batch of step t + 1, finish step
  /// t). stage() hands the arguments to the device (Device::stageArgument); a device keeps
  /// two runs' staged arguments apart, so staging the next run never touches the one
  /// running. The host memory of the arguments must stay as it is until their run is
  /// launched (the CPU reads it in place). launch() issues the run and returns (a GPU has
  /// not finished it); finish() waits for it and returns its results. One run at a time
  /// between launch() and finish().
  struct Staged {
    std::vector<const void *> where; ///< each argument where the device reads it
  };
  Expected<Staged> stage(const std::vector<const void *> &arguments);
  Error launch(const Staged &staged);
  Expected<std::vector<std::vector<float>>> finish();

  /// Per-instruction wall time, when switched on (off by default: it costs a clock read
  /// and, on an asynchronous device, a wait per instruction).
  struct ProfileEntry {
    std::string what; ///< "3 simclr.conv2d 256x32x28x28" or "7 simclr.kernel train_step_kernel2"
    double seconds = 0;
    int64_t calls = 0;
  };
  void setProfiling(bool on);
  std::vector<ProfileEntry> profile() const;

private:
  Executor(Schedule plan, Device &device, VariableTable &variables)
      : plan(std::move(plan)), device(device), variables(variables) {}
  void *address(const Operand &operand, const std::vector<const void *> &staged) const;

  Schedule plan;
  Device &device;
  VariableTable &variables;
  void *arena = nullptr;
  std::vector<void *> constants;
  bool profiling = false;
  std::vector<double> seconds;
  int64_t runs = 0;
  Staged launched; ///< the arguments of the run between launch() and finish()
  bool running = false;
};

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_EXEC_EXECUTOR_H
