//===- Files.h - reading files, writing them without tearing ----*- C++ -*-===//
#ifndef SIMCLR_RUNTIME_SUPPORT_FILES_H
#define SIMCLR_RUNTIME_SUPPORT_FILES_H

#include "runtime/support/Error.h"

#include <string>
#include <string_view>
#include <vector>

namespace mlir::simclr::runtime {

/// The bytes of `path`; errors read "path: error: cannot read file: <reason>".
Expected<std::string> readFile(const std::string &path);

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`: a reader
/// sees the old file or the new one, never a torn one, and a failed write leaves nothing.
Error writeFileAtomically(const std::string &path, std::string_view bytes);

bool fileExists(const std::string &path);
bool isDirectory(const std::string &path);
/// `directory` + "/" + `name` ("name" alone for an empty directory).
std::string joinPath(const std::string &directory, const std::string &name);
/// The last component of `path`, and everything before it ("" when there is none).
std::string fileName(const std::string &path);
std::string parentPath(const std::string &path);
/// The names in `directory` (not "." and ".."), sorted; an error when it cannot be read.
Expected<std::vector<std::string>> listDirectory(const std::string &directory);

/// A fresh directory under $TMPDIR (or /tmp), removed with everything in it when the
/// object goes.
class TemporaryDirectory {
public:
  static Expected<TemporaryDirectory> create(const std::string &prefix);
  TemporaryDirectory(TemporaryDirectory &&other) noexcept;
  TemporaryDirectory &operator=(TemporaryDirectory &&) = delete;
  ~TemporaryDirectory();
  const std::string &path() const { return directory; }

private:
  TemporaryDirectory() = default;
  std::string directory;
};

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_SUPPORT_FILES_H
