//===- KernelBuild.h - building and loading a module's CPU kernels -*- C++ -*-===//
//
// The CPU kernels of a module are C++ (targets/cpu/CpuPrinter.cpp writes them, the
// module keeps them as each kernel's CPU source). A runtime either builds them into a
// shared object with the host compiler and loads it (`buildModuleKernels`), or, in a
// compiled training executable, has them linked in (CpuExecutable.h). Both compile
// against the installed headers (runtime/cpu/kernels/*.h, Installation.h).
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CPU_KERNELBUILD_H
#define SIMCLR_RUNTIME_CPU_KERNELBUILD_H

#include "runtime/cpu/KernelAbi.h"
#include "runtime/module/Reader.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir::simclr::cpu {

/// The lines every file of emitted kernels starts with.
std::string cpuKernelPrelude();

/// The flags the host compiler builds kernels with (C++17, -O3 -march=native, OpenMP, the
/// installed headers on the include path).
std::vector<std::string> cpuKernelCompileFlags();

/// Builds a file of emitted kernels into a shared object.
runtime::Error buildCpuKernels(const std::string &source, const std::string &library);

/// The kernels of a module, built and loaded; `functions[i]` is module kernel i.
class LoadedKernels {
public:
  ~LoadedKernels();
  std::vector<KernelFn> functions;

private:
  friend runtime::Expected<std::unique_ptr<LoadedKernels>>
  buildModuleKernels(const runtime::LoadedModule &module);
  void *handle = nullptr;
};

/// Loads the module's kernels from the kernel cache (runtime/support/KernelCache.h, keyed
/// by the code, the kernel headers, the compiler and its flags), or writes every kernel's
/// CPU source to a file in a fresh temporary directory, builds it, adds it to the cache
/// and loads it; then resolves each kernel by name.
runtime::Expected<std::unique_ptr<LoadedKernels>>
buildModuleKernels(const runtime::LoadedModule &module);

} // namespace mlir::simclr::cpu

#endif // SIMCLR_RUNTIME_CPU_KERNELBUILD_H
