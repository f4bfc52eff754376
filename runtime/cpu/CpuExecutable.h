//===- CpuExecutable.h - main() of a CPU training executable -----*- C++ -*-===//
//
// What the `main` simclrc generates for `--emit=executable --target=cpu` calls: the module
// file and the kernels are linked into the executable, everything else is the runtime.
// Kept free of other headers so that the generated code compiles with the installed
// headers alone.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CPU_CPUEXECUTABLE_H
#define SIMCLR_RUNTIME_CPU_CPUEXECUTABLE_H

#include "runtime/cpu/KernelAbi.h"

#include <cstddef>
#include <cstdint>

namespace mlir::simclr::cpu {

/// Verifies the embedded module (`size` bytes at `module`), checks that `kernelCount`
/// kernels were linked for it, parses the training flags and trains on the CPU.
int executableMain(int argc, char **argv, const uint8_t *module, size_t size,
                   const KernelFn *kernels, size_t kernelCount);

} // namespace mlir::simclr::cpu

#endif // SIMCLR_RUNTIME_CPU_CPUEXECUTABLE_H
