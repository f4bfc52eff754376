//===- EmitKernels.h - fused kernels as C++ for the CPU ---------*- C++ -*-===//
#ifndef SIMCLR_TARGETS_CPU_EMITKERNELS_H
#define SIMCLR_TARGETS_CPU_EMITKERNELS_H

#include "dialects/simclr/IR/SimclrOps.h"

#include "llvm/Support/Error.h"

#include <string>

namespace mlir::simclr {

/// C++ source of `kernel` as `extern "C" void <name>(const void *const *inputs,
/// void *const *outputs)`, one call into runtime/cpu/KernelLibrary.h per op. Inputs and
/// outputs are in the kernel's operand and result order. Fails, with a diagnostic on the
/// op, for ops the CPU emitter does not cover yet.
FailureOr<std::string> emitCpuKernel(KernelOp kernel, llvm::StringRef name);

} // namespace mlir::simclr

#endif // SIMCLR_TARGETS_CPU_EMITKERNELS_H
