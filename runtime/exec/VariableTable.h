//===- VariableTable.h - parameters and state on a device -------*- C++ -*-===//
//
// Every variable of a module (parameters, BN statistics, optimizer velocities, a
// distillation teacher's weights) in device memory, where the schedule reads and writes
// them in place between steps. One table serves every entry point: the evaluation
// executors (embed, predict) read the weights the training step updates. Checkpoints go
// in and out by name, choosing variables by their role (format::VariableRole), never by
// their names.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_EXEC_VARIABLETABLE_H
#define SIMCLR_RUNTIME_EXEC_VARIABLETABLE_H

#include "runtime/Tensor.h"
#include "runtime/exec/Device.h"
#include "runtime/module/Reader.h"

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace mlir::simclr::runtime {

class VariableTable {
public:
  struct Variable {
    std::string name;
    /// The name it has in its own network's checkpoint: its name, or for a teacher's
    /// variable the name without "teacher.".
    std::string key;
    std::vector<int64_t> shape;
    int64_t count = 0;
    format::VariableRole role = format::VariableRole::Model;
    std::string group; ///< backbone, head, classifier, teacher.*, optimizer
    std::string init;
    double initStd = 0;
    void *memory = nullptr; ///< count float32 values on the device
  };

  /// A zeroed variable for each of the module's, in module order. Errors for a variable
  /// the runtime cannot hold (not float32) or device memory that runs out.
  static Expected<std::unique_ptr<VariableTable>> create(const LoadedModule &module,
                                                         Device &device);
  ~VariableTable();
  VariableTable(const VariableTable &) = delete;
  VariableTable &operator=(const VariableTable &) = delete;

  const std::vector<Variable> &variables() const { return table; }
  /// The variable called `name`, or null.
  const Variable *find(const std::string &name) const;
  /// Whether any variable has `role`.
  bool has(format::VariableRole role) const;

  /// Sets every variable as its declaration says (runtime/Initializers.h); a copy
  /// (`copy:<parameter>`) after every other.
  Error initialize(uint64_t seed);
  /// Sets those of `names` whose init is `copy:<parameter>` to their parameter's current
  /// values (after a checkpoint without them gave the parameters theirs). An error for a
  /// copy of a variable the table lacks or of another shape.
  Error copyFromSources(const std::vector<std::string> &names);

  /// Every variable as a float32 tensor, by name (what a checkpoint holds).
  TensorMap save() const;
  /// A copy of one variable's values; empty for an unknown name.
  std::vector<float> values(const std::string &name) const;
  /// Overwrites a variable; an error for an unknown name or another size.
  Error setValues(const std::string &name, const std::vector<float> &values);

  /// How a checkpoint names a variable: as this network saves it (its name), or as the
  /// network it belongs to saved it (its key: a teacher's variable under the name it had
  /// in the fine-tuned network).
  enum class Naming { Saved, OwnNetwork };

  /// Copies the tensors of `checkpoint` (read from `path`, named in errors) into the
  /// variables of `roles`. A tensor whose shape differs from its variable's is an error (a
  /// checkpoint of another network). Returns the names of the variables of those roles
  /// that the checkpoint did not have.
  Expected<std::vector<std::string>> load(const TensorMap &checkpoint, const std::string &path,
                                          std::initializer_list<format::VariableRole> roles,
                                          Naming naming = Naming::Saved);

private:
  explicit VariableTable(Device &device) : device(device) {}
  Device &device;
  std::vector<Variable> table;
};

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_EXEC_VARIABLETABLE_H
