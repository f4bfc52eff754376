//===- CpuPrinter.h - fused kernels as C++ for the CPU ----------*- C++ -*-===//
#ifndef SIMCLR_TARGETS_CPU_CPUPRINTER_H
#define SIMCLR_TARGETS_CPU_CPUPRINTER_H

#include "targets/common/KernelWalk.h"

#include <string>

namespace mlir::simclr {

/// `program` as C++: `extern "C" void <name>(const void *const *inputs, void *const
/// *outputs)` (runtime/cpu/KernelAbi.h), inputs and outputs in the kernel's operand and
/// result order; element-wise loops vectorised and spread over threads with OpenMP, every
/// other statement a call into runtime/cpu/kernels/*.h.
std::string printCpuKernel(const KernelProgram &program);

/// walkKernel, then printCpuKernel.
FailureOr<std::string> emitCpuKernel(KernelOp kernel, llvm::StringRef name);

} // namespace mlir::simclr

#endif // SIMCLR_TARGETS_CPU_CPUPRINTER_H
