//===- ExecutableMain.h - main() of a compiled training executable -*- C++ -*-===//
//
// What the `main` simclrc generates for `--emit=executable` calls: the module file and
// the kernels are linked into the executable, everything else is libsimclr_runtime.
// Kept free of other headers so that the generated code compiles with the source tree on
// its include path and nothing else.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_TRAIN_EXECUTABLEMAIN_H
#define SIMCLR_RUNTIME_TRAIN_EXECUTABLEMAIN_H

#include "runtime/cpu/KernelAbi.h"

#include <cstddef>
#include <cstdint>

namespace mlir::simclr::runtime {

/// Verifies the embedded module (`size` bytes at `module`), checks that `kernelCount`
/// kernels were linked for it, parses the training flags and trains.
int executableMain(int argc, char **argv, const uint8_t *module, size_t size,
                   const cpu::KernelFn *kernels, size_t kernelCount);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_TRAIN_EXECUTABLEMAIN_H
