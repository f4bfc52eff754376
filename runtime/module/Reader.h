//===- Reader.h - loading and verifying compiled modules --------*- C++ -*-===//
#ifndef SIMCLR_RUNTIME_MODULE_READER_H
#define SIMCLR_RUNTIME_MODULE_READER_H

#include "runtime/module/Module_generated.h"
#include "runtime/support/Error.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mlir::simclr::runtime {

/// A module file in memory, verified. `root()` stays valid as long as any copy lives.
class LoadedModule {
public:
  const format::Module &root() const { return *module; }
  const std::string &path() const { return source; }
  /// The entry point called `name`, or null.
  const format::EntryPoint *entryPoint(std::string_view name) const;
  /// The metadata value of `key` (`<entry>:<setting>`, docs/MODULE.md), or none.
  std::optional<std::string> metadata(const std::string &key) const;
  /// How many replicas the module's step is for (`replicas` in the metadata; 1 without).
  int64_t replicas() const { return replicaCount; }
  /// The header's checksum of the module's contents: the same module has the same one.
  uint32_t checksum() const;

private:
  friend Expected<LoadedModule> parseModule(std::vector<uint8_t> bytes,
                                            const std::string &path);
  std::shared_ptr<std::vector<uint8_t>> bytes;
  const format::Module *module = nullptr;
  std::string source;
  int64_t replicaCount = 1;
};

/// Verifies a module image: header (magic, version, length, checksum), the FlatBuffer
/// (identifier and structure) and its meaning (every index, enum and buffer in range,
/// names unique). Errors read "path: error: ...".
Expected<LoadedModule> parseModule(std::vector<uint8_t> bytes, const std::string &path);

/// Reads and verifies a module file.
Expected<LoadedModule> readModule(const std::string &path);

/// The op's name in the dialect ("simclr.conv2d", ...), for messages and tools.
const char *opName(format::Op op);

/// The code of `kernel` for `target`, or null when the module has none.
/// Bytes per element of `dtype`; 0 for a value outside the enum.
size_t elementBytes(format::DType dtype);

const format::KernelSource *kernelSource(const format::Kernel &kernel, format::Target target);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_MODULE_READER_H
