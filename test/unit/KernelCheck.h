//===- KernelCheck.h - generated kernels vs the reference -------*- C++ -*-===//
//
// The check every target's kernel code goes through: each fused kernel of a module is
// walked, printed and built by a target's runner, run on random inputs, and compared with
// the float64 reference evaluator running the same kernel; also the modules the checks
// run on (the tiny steps of every stage, a selective-kernel ResNet-D, and a hand-written
// step with the ops networks do not produce).
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_TEST_UNIT_KERNELCHECK_H
#define SIMCLR_TEST_UNIT_KERNELCHECK_H

#include "TinyModels.h"
#include "targets/common/KernelWalk.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"

#include <string>
#include <vector>

namespace mlir::simclr::test {

/// Builds a target's code for kernels and runs them.
class KernelRunner {
public:
  virtual ~KernelRunner() = default;
  /// Builds the code of every program (a test failure and false if it cannot).
  virtual bool build(const std::vector<KernelProgram> &programs) = 0;
  /// Runs program `kernel` on operands in host memory, in the kernel's order.
  virtual void run(size_t kernel, const std::vector<const void *> &inputs,
                   const std::vector<void *> &outputs) = 0;
};

/// Every kernel of `module` through `runner` against the reference evaluator: the largest
/// error of each result, relative to the result's largest magnitude (at least 1), must
/// stay under `tolerance`.
void checkKernels(MLIRContext &context, ModuleOp module, KernelRunner &runner,
                  double tolerance);

/// The modules of the checks: a tiny network's step of `stage`, compiled; the
/// selective-kernel ResNet-D pretraining step; and a hand-written step with slices, max
/// reductions, both poolings and a trainable inference-mode batch norm, differentiated and
/// fused.
OwningOpRef<ModuleOp> stageModule(MLIRContext &context, const std::string &stage);
OwningOpRef<ModuleOp> selectiveKernelModule(MLIRContext &context);
OwningOpRef<ModuleOp> unusualOpsModule(MLIRContext &context);
/// Losses whose accuracies random inputs would leave at zero: NT-Xent over two identical
/// views (every positive is its row's most similar) and cross entropy against the logits'
/// own argmax as soft targets.
OwningOpRef<ModuleOp> accurateLossesModule(MLIRContext &context);

} // namespace mlir::simclr::test

#endif // SIMCLR_TEST_UNIT_KERNELCHECK_H
