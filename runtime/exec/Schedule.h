//===- Schedule.h - an entry point's instructions, checked once -*- C++ -*-===//
//
// A module's entry point as the executor runs it: every instruction decoded from the
// module (runtime/module/Module.fbs) into an op, its operands and what its library call
// needs, and checked once, before anything runs: the op's arity, the operands' element
// types, and shapes that make the op (a convolution's geometry, a product's dimensions, a
// store of the variable's size). Device-independent: operands say where a value lives
// (an argument, a variable, a constant, an arena offset), not at which address.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_EXEC_SCHEDULE_H
#define SIMCLR_RUNTIME_EXEC_SCHEDULE_H

#include "runtime/exec/Device.h"
#include "runtime/module/Reader.h"

#include <string>
#include <vector>

namespace mlir::simclr::runtime {

/// Where a value of the schedule lives.
struct Operand {
  enum class Kind { Argument, Variable, Constant, Arena };
  Kind kind = Kind::Arena;
  int index = -1;      ///< argument, variable or constant index
  int64_t offset = 0;  ///< Arena: byte offset
  int64_t count = 0;   ///< elements
  format::DType dtype = format::DType::F32;
  std::vector<int64_t> shape;

  size_t bytes() const { return size_t(count) * elementBytes(dtype); }
};

struct Instruction {
  format::Op op;
  std::vector<Operand> inputs, outputs;
  Convolution convolution{};   ///< Conv2D and its gradients
  MatrixProduct product;       ///< Dense, Matmul
  int kernel = -1;             ///< Kernel: the module's kernel index
  bool mean = false;           ///< AllReduce: the mean over the replicas, not the sum
  /// A collective: the first later instruction that reads or writes its operands' memory,
  /// before which it must have completed (the number of instructions: none).
  size_t waitBefore = 0;
  std::string what;            ///< for profiles: "3 simclr.conv2d 256x32x28x28"
};

class Schedule {
public:
  /// Decodes and checks entry point `entry` of `module`. Errors read "<module>: error:
  /// entry point '<entry>', instruction N (<op>): ...".
  static Expected<Schedule> create(const LoadedModule &module, const std::string &entry);

  const std::string &entry() const { return name; }
  int64_t arenaBytes() const { return arena; }
  /// The arguments a run takes (float32, or int32 labels), in order.
  const std::vector<Operand> &arguments() const { return args; }
  const std::vector<Operand> &results() const { return outs; }
  const std::vector<Instruction> &instructions() const { return steps; }

private:
  std::string name;
  int64_t arena = 0;
  std::vector<Operand> args, outs;
  std::vector<Instruction> steps;
};

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_EXEC_SCHEDULE_H
