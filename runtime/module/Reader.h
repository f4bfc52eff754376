//===- Reader.h - loading and verifying compiled modules --------*- C++ -*-===//
#ifndef SIMCLR_RUNTIME_MODULE_READER_H
#define SIMCLR_RUNTIME_MODULE_READER_H

#include "runtime/module/Module_generated.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlir::simclr::runtime {

/// A module file in memory, verified. `root()` stays valid as long as the object lives.
class LoadedModule {
public:
  const format::Module &root() const { return *module; }
  const std::string &path() const { return source; }
  /// The entry point called `name`, or null.
  const format::EntryPoint *entryPoint(llvm::StringRef name) const;
  /// The metadata value of `key` (`<entry>:<setting>`, docs/MODULE.md), or none.
  std::optional<std::string> metadata(llvm::StringRef key) const;

private:
  friend llvm::Expected<LoadedModule> parseModule(std::vector<uint8_t> bytes,
                                                  llvm::StringRef path);
  std::shared_ptr<std::vector<uint8_t>> bytes;
  const format::Module *module = nullptr;
  std::string source;
};

/// Verifies a module image: header (magic, version, length, checksum), the FlatBuffer
/// (identifier and structure) and its meaning (every index and buffer in range, names
/// unique). Errors read "path: error: ...".
llvm::Expected<LoadedModule> parseModule(std::vector<uint8_t> bytes, llvm::StringRef path);

/// Reads and verifies a module file.
llvm::Expected<LoadedModule> readModule(llvm::StringRef path);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_MODULE_READER_H
