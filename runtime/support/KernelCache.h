//===- KernelCache.h - built kernel code, kept by a hash --------*- C++ -*-===//
//
// Building kernels takes seconds; the same code built the same way gives the same file.
// So built files are kept under a hash of everything that makes them (the code, the
// headers it includes, the compiler and its flags): CPU kernel libraries when a runtime
// builds a module's kernels, CUDA fatbins when simclrc compiles a module for a GPU.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_SUPPORT_KERNELCACHE_H
#define SIMCLR_RUNTIME_SUPPORT_KERNELCACHE_H

#include <string>

namespace mlir::simclr::runtime {

/// Where built kernels are kept: $SIMCLR_KERNEL_CACHE ("off": nowhere), else
/// $XDG_CACHE_HOME/simclr/kernels, else ~/.cache/simclr/kernels. "" for none.
std::string kernelCacheDirectory();

/// The cache entry for `key` (everything that makes the file) with `suffix` (".so",
/// ".fatbin"), or "" when there is no cache.
std::string kernelCacheEntry(const std::string &key, const std::string &suffix);

/// Copies the built file `built` into the cache entry `entry`, atomically (copy beside it,
/// then rename), and returns the path to use from now on: the entry, or `built` when the
/// cache cannot be written (the cache is a convenience, never a reason to fail).
std::string addToKernelCache(const std::string &built, const std::string &entry);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_SUPPORT_KERNELCACHE_H
