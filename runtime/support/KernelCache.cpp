//===- KernelCache.cpp - built kernel code, kept by a hash -----------------===//

#include "runtime/support/KernelCache.h"
#include "runtime/support/Files.h"
#include "runtime/support/Strings.h"

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

using namespace mlir::simclr;
namespace fs = std::filesystem;

std::string runtime::kernelCacheDirectory() {
  if (const char *dir = std::getenv("SIMCLR_KERNEL_CACHE"))
    return std::string(dir) == "off" ? "" : dir;
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return joinPath(joinPath(xdg, "simclr"), "kernels");
  if (const char *home = std::getenv("HOME"); home && *home)
    return joinPath(joinPath(joinPath(home, ".cache"), "simclr"), "kernels");
  return "";
}

std::string runtime::kernelCacheEntry(const std::string &key, const std::string &suffix) {
  std::string directory = kernelCacheDirectory();
  if (directory.empty())
    return "";
  return joinPath(directory, format("%016llx", (unsigned long long)hash64(key)) + suffix);
}

std::string runtime::addToKernelCache(const std::string &built, const std::string &entry) {
  if (entry.empty())
    return built;
  std::error_code ec;
  fs::create_directories(parentPath(entry), ec);
  if (ec)
    return built;
  std::string partial = entry + ".partial-" + std::to_string(::getpid());
  fs::copy_file(built, partial, fs::copy_options::overwrite_existing, ec);
  if (!ec)
    fs::rename(partial, entry, ec);
  if (ec) {
    fs::remove(partial, ec);
    return built;
  }
  return entry;
}
