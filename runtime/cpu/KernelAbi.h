//===- KernelAbi.h - how the runtime calls a fused CPU kernel ---*- C++ -*-===//
#ifndef SIMCLR_RUNTIME_CPU_KERNELABI_H
#define SIMCLR_RUNTIME_CPU_KERNELABI_H

namespace mlir::simclr::cpu {

/// A fused kernel: `extern "C" void name(const void *const *inputs, void *const *outputs)`,
/// inputs and outputs in the order of the kernel's operands and results.
using KernelFn = void (*)(const void *const *inputs, void *const *outputs);

} // namespace mlir::simclr::cpu

#endif // SIMCLR_RUNTIME_CPU_KERNELABI_H
