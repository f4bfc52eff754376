//===- KernelBuild.h - building and loading a module's CPU kernels -*- C++ -*-===//
//
// The CPU kernels of a module are C++ (targets/cpu/EmitKernels.cpp writes them, the
// module keeps them as each Kernel's cpu_source). A runtime either builds them into a
// shared object with the host compiler and loads it (`buildModuleKernels`), or, in a
// compiled training executable, has them linked in (runtime/train/ExecutableMain.h).
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CPU_KERNELBUILD_H
#define SIMCLR_RUNTIME_CPU_KERNELBUILD_H

#include "runtime/cpu/KernelAbi.h"
#include "runtime/module/Reader.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir::simclr::cpu {

/// The lines every file of emitted kernels starts with.
std::string cpuKernelPrelude();

/// The flags the host compiler builds kernels with (C++17, -O3 -march=native, OpenMP, the
/// source tree on the include path for runtime/cpu/KernelLibrary.h).
std::vector<std::string> cpuKernelCompileFlags();

/// The flags that link a program against libsimclr_runtime where it was built.
std::vector<std::string> runtimeLinkFlags();

/// The host compiler the project was built with.
std::string hostCompiler();

/// Runs the host compiler with `arguments`; the error carries its diagnostics.
llvm::Error runHostCompiler(const std::vector<std::string> &arguments, llvm::StringRef what);

/// Builds a file of emitted kernels into a shared object.
llvm::Error buildCpuKernels(llvm::StringRef source, llvm::StringRef library);

/// The kernels of a module, built and loaded; `functions[i]` is module kernel i.
class LoadedKernels {
public:
  ~LoadedKernels();
  std::vector<KernelFn> functions;

private:
  friend llvm::Expected<std::unique_ptr<LoadedKernels>>
  buildModuleKernels(const runtime::LoadedModule &module);
  void *handle = nullptr;
};

/// Where built kernel libraries are kept, by a hash of their code, KernelLibrary.h, the
/// compiler and its flags: $SIMCLR_KERNEL_CACHE ("off": nowhere), else
/// $XDG_CACHE_HOME/simclr/kernels, else ~/.cache/simclr/kernels. "" for none.
std::string kernelCacheDirectory();

/// Loads the module's kernels from the kernel cache, or writes every kernel's cpu_source
/// to a file in a fresh temporary directory, builds it, adds it to the cache (atomically;
/// a cache that cannot be written is skipped) and loads it; then resolves each kernel by
/// name.
llvm::Expected<std::unique_ptr<LoadedKernels>>
buildModuleKernels(const runtime::LoadedModule &module);

} // namespace mlir::simclr::cpu

#endif // SIMCLR_RUNTIME_CPU_KERNELBUILD_H
