//===- Evaluator.h - float64 reference interpreter of the simclr dialect -*- C++ -*-===//
//
// Runs a function of a simclr module on the host in double precision, one plain loop nest
// per op. It is slow on purpose: it is the independent reference that PyTorch checks, that
// finite-difference gradient checks run on, and that fast kernels are compared with.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_REFERENCE_EVALUATOR_H
#define SIMCLR_REFERENCE_EVALUATOR_H

#include "mlir/IR/Block.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <map>
#include <string>
#include <vector>

namespace mlir::simclr::reference {

/// A dense row-major array of doubles.
struct Array {
  std::vector<int64_t> shape;
  std::vector<double> data;

  Array() = default;
  Array(std::vector<int64_t> shape, double fill = 0.0);
  Array(std::vector<int64_t> shape, std::vector<double> data)
      : shape(std::move(shape)), data(std::move(data)) {}
  int64_t size() const { return static_cast<int64_t>(data.size()); }
  int64_t dim(size_t i) const { return shape[i]; }
};

class Evaluator {
public:
  explicit Evaluator(mlir::ModuleOp module) : module(module) {}

  /// Values of the module's parameters and state, by symbol name. `run` reads them with
  /// simclr.load and replaces them with simclr.store.
  std::map<std::string, Array> variables;

  /// Runs `function` on `args` and returns its results. Errors name the op that failed.
  llvm::Expected<std::vector<Array>> run(llvm::StringRef function,
                                         const std::vector<Array> &args);

  /// Runs `function` as `args.size()` replicas of a data-parallel step, replica r on
  /// args[r], and returns each replica's results. The replicas run unrolled into one
  /// function: each op once per replica, each collective as what it means across them
  /// (all_reduce: the sum, or mean, of every replica's operand; all_gather: their
  /// concatenation along dimension 0; reduce_scatter: replica r's rows of the sum). They
  /// share `variables`; a variable several replicas store keeps the last replica's value.
  llvm::Expected<std::vector<std::vector<Array>>>
  runReplicas(llvm::StringRef function, const std::vector<std::vector<Array>> &args);

private:
  /// Runs a block whose arguments take `args`; returns the operands of its terminator
  /// (func.return or simclr.yield).
  llvm::Expected<std::vector<Array>> runBlock(mlir::Block &block,
                                              const std::vector<Array> &args);
  /// Runs a `channels_last` op as its NCHW form (a clone without the attribute, on
  /// transposed operands) and transposes its rank-4 results back: the layout's meaning
  /// stated once, on top of the NCHW reference kernels.
  llvm::Expected<std::vector<Array>> runChannelsLast(mlir::Operation &op,
                                                     const std::vector<Array> &operands);

  mlir::ModuleOp module;
};

} // namespace mlir::simclr::reference

#endif // SIMCLR_REFERENCE_EVALUATOR_H
