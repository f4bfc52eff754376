//===- Installation.cpp - where the runtime is installed -------------------===//

#include "runtime/support/Installation.h"

#include <cstdlib>
#include <dlfcn.h>
#include <filesystem>

using namespace mlir::simclr;

std::string runtime::runtimeLibraryDirectory() {
  static const std::string directory = [] {
    Dl_info info{};
    if (!dladdr(reinterpret_cast<void *>(&runtimeLibraryDirectory), &info) || !info.dli_fname)
      return std::string(".");
    std::error_code ec;
    std::filesystem::path library = std::filesystem::canonical(info.dli_fname, ec);
    if (ec)
      library = info.dli_fname;
    return library.parent_path().string();
  }();
  return directory;
}

std::string runtime::runtimeIncludeDirectory() {
  std::filesystem::path include =
      std::filesystem::path(runtimeLibraryDirectory()).parent_path() / "include" / "simclr";
  return include.lexically_normal().string();
}

std::vector<std::string> runtime::runtimeLinkFlags(const std::string &device) {
  std::string lib = runtimeLibraryDirectory();
  std::vector<std::string> flags = {"-L" + lib, "-l" + device, "-lsimclr_runtime",
                                    "-Wl,-rpath," + lib};
#ifdef SIMCLR_SANITIZE
  // A runtime built with the sanitizers (SIMCLR_SANITIZE) needs their runtime in the
  // executable, first.
  flags.push_back("-fsanitize=address,undefined");
#endif
  return flags;
}

std::string runtime::hostCompiler() {
  if (const char *compiler = std::getenv("SIMCLR_CXX"); compiler && *compiler)
    return compiler;
  return SIMCLR_CXX_COMPILER;
}
