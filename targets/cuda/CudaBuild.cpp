//===- CudaBuild.cpp - a module's CUDA kernels into one fatbin -------------===//

#include "targets/cuda/CudaBuild.h"
#include "targets/cuda/CudaPrinter.h"
#include "runtime/support/Files.h"
#include "runtime/support/Installation.h"
#include "runtime/support/KernelCache.h"
#include "runtime/support/Process.h"
#include "runtime/support/Strings.h"

#include <cstdlib>

using namespace mlir::simclr;
using runtime::Error;
using runtime::Expected;
using runtime::makeError;

#ifndef SIMCLR_NVCC
#define SIMCLR_NVCC "nvcc"
#endif

runtime::Expected<std::vector<std::string>>
mlir::simclr::cudaArchitectureFlags(const std::string &architectures) {
  std::vector<std::string> flags;
  for (std::string_view name : runtime::split(architectures, ',')) {
    name = runtime::trim(name);
    std::string_view digits = name.substr(name.rfind('_') == std::string_view::npos ? 0 : 3);
    if (!runtime::startsWith(name, "sm_") || !runtime::parseInteger(digits) ||
        digits.size() < 2)
      return makeError("error: --cuda-arch takes sm_NN names separated by commas (sm_90, "
                       "sm_80,sm_90), not '" + architectures + "'");
    std::string number(digits);
    flags.push_back("-gencode");
    flags.push_back("arch=compute_" + number + ",code=[sm_" + number + ",compute_" + number + "]");
  }
  return flags;
}

std::string mlir::simclr::nvccPath() {
  if (const char *nvcc = std::getenv("SIMCLR_NVCC"); nvcc && *nvcc)
    return nvcc;
  return SIMCLR_NVCC;
}

namespace {
/// nvcc's own description of itself (its version), once per process.
const std::string &nvccVersion() {
  static const std::string version = [] {
    auto result = runtime::runProgram({nvccPath(), "--version"});
    return result && result->exitCode == 0 ? result->output : std::string();
  }();
  return version;
}
} // namespace

Expected<std::vector<uint8_t>> mlir::simclr::buildCudaFatbin(const std::string &source,
                                                            const std::string &architectures) {
  auto archFlags = cudaArchitectureFlags(architectures);
  if (!archFlags)
    return archFlags.takeError();
  std::string include = runtime::runtimeIncludeDirectory();
  std::vector<std::string> flags = {"-fatbin", "-std=c++17", "-O3", "-I" + include};
  flags.insert(flags.end(), archFlags->begin(), archFlags->end());
  if (nvccVersion().empty())
    return makeError("error: cannot run nvcc (" + nvccPath() +
                     "): the CUDA target needs the CUDA toolkit; set SIMCLR_NVCC to its nvcc");

  // Everything that makes the fatbin: the code, the headers it includes, nvcc, the flags.
  std::string key = source + nvccVersion();
  for (const std::string &flag : flags)
    key += " " + flag;
  bool headersRead = true;
  for (const std::string &header : cudaKernelHeaders()) {
    auto text = runtime::readFile(runtime::joinPath(include, "runtime/cuda/kernels/" + header));
    headersRead = headersRead && bool(text);
    key += text ? *text : "";
  }
  std::string cached = headersRead ? runtime::kernelCacheEntry(key, ".fatbin") : "";
  if (!cached.empty() && runtime::fileExists(cached))
    if (auto bytes = runtime::readFile(cached))
      return std::vector<uint8_t>(bytes->begin(), bytes->end());

  auto directory = runtime::TemporaryDirectory::create("simclr-cuda");
  if (!directory)
    return directory.takeError();
  std::string file = runtime::joinPath(directory->path(), "kernels.cu");
  std::string fatbin = runtime::joinPath(directory->path(), "kernels.fatbin");
  if (Error e = runtime::writeFileAtomically(file, source))
    return e;
  std::vector<std::string> argv = {nvccPath()};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.insert(argv.end(), {file, "-o", fatbin});
  if (Error e = runtime::runBuildTool(
          argv, "the CUDA kernels (simclrc --emit=cuda-kernels prints their source)"))
    return e;
  std::string built = runtime::addToKernelCache(fatbin, cached);
  auto bytes = runtime::readFile(built);
  if (!bytes)
    return bytes.takeError();
  return std::vector<uint8_t>(bytes->begin(), bytes->end());
}
