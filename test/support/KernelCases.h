//===- KernelCases.h - fused kernels on random inputs, with expected results -*- C++ -*-===//
//
// What every target's kernel check runs: each fused kernel of a module, walked (the
// program a target's printer prints), random inputs for it, and the float64 reference
// evaluator's results for the same kernel on them. The unit tests run the cases through a
// target's runner in process (test/unit/KernelCheck.h); simclr-gpu-cases writes them to
// files for the GPU checks (docs/GPU.md).
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_TEST_SUPPORT_KERNELCASES_H
#define SIMCLR_TEST_SUPPORT_KERNELCASES_H

#include "ErrorMeasures.h"
#include "runtime/Tensor.h"
#include "targets/common/KernelWalk.h"

#include "mlir/IR/BuiltinOps.h"

#include "llvm/Support/Error.h"

#include <vector>

namespace mlir::simclr::test {

struct KernelCase {
  KernelProgram program;
  /// The kernel's operands in its order: F32 values drawn from [0.5, 1.5) (BF16 ones the
  /// same, rounded), I32 labels from {0, 1, 2}.
  std::vector<runtime::Tensor> inputs;
  /// The reference evaluator's results (F64), in the kernel's order.
  std::vector<runtime::Tensor> expected;
  /// The element type the kernel writes each result in (F32, or BF16 in a bf16 step).
  std::vector<runtime::DType> resultTypes;
};

/// A case for every kernel of `module`, in module order (namedKernels: the order of the
/// kernels in a module file), inputs drawn from `seed`.
llvm::Expected<std::vector<KernelCase>> kernelCases(MLIRContext &context, ModuleOp module,
                                                    unsigned seed = 11);

} // namespace mlir::simclr::test

#endif // SIMCLR_TEST_SUPPORT_KERNELCASES_H
