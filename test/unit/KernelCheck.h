//===- KernelCheck.h - generated kernels vs the reference -------*- C++ -*-===//
//
// The check every target's kernel code goes through in the unit tests: the cases of a
// module (test/support/KernelCases.h: each fused kernel walked, random inputs, the float64
// reference evaluator's results) built and run by a target's runner, and compared.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_TEST_UNIT_KERNELCHECK_H
#define SIMCLR_TEST_UNIT_KERNELCHECK_H

#include "KernelCases.h"
#include "OrFail.h"
#include "TestModels.h"

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

} // namespace mlir::simclr::test

#endif // SIMCLR_TEST_UNIT_KERNELCHECK_H
