//===- ImageFolderTarget.cpp - fuzzes ImageFolder trees --------------------===//
//
// Input: pieces (FuzzSupport.h) that make a tree under the data set's folder, two at a
// time: a path and what it is. The path's components are kept inside the tree ("", "."
// and ".." dropped, NUL made '_', each at most 64 bytes, at most 6 deep). The second
// piece is the file's contents; or "<dir>" for a folder; or "<link>TARGET" for a
// symbolic link to TARGET, a relative path that may use ".." but not leave the tree.
// Both splits are opened as ImageFolder and their first images read.
//
//===----------------------------------------------------------------------===//

#include "DatasetChecks.h"
#include "FuzzSupport.h"

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace fs = std::filesystem;
using namespace mlir::simclr;

namespace {

/// The components of `path` that stay inside the tree, NUL bytes replaced.
std::vector<std::string> components(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size() && out.size() < 6) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos)
      end = path.size();
    std::string part(path.substr(start, std::min<size_t>(end - start, 64)));
    for (char &c : part)
      if (c == '\0')
        c = '_';
    if (!part.empty() && part != "." && part != "..")
      out.push_back(part);
    start = end + 1;
  }
  return out;
}

/// Whether a link at `at` (components below the root) to `target` stays in the tree.
bool staysInside(const std::vector<std::string> &at, std::string_view target) {
  if (target.empty() || target.front() == '/' || target.find('\0') != std::string_view::npos)
    return false;
  long depth = long(at.size()) - 1; // the link's folder
  size_t start = 0;
  while (start <= target.size()) {
    size_t end = target.find('/', start);
    if (end == std::string_view::npos)
      end = target.size();
    std::string_view part = target.substr(start, end - start);
    if (part == "..")
      --depth;
    else if (!part.empty() && part != ".")
      ++depth;
    if (depth < 0)
      return false;
    start = end + 1;
  }
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string root = fuzz::freshDirectory("imagefolder");
  fuzz::Pieces pieces(data, size);
  for (int entries = 0; !pieces.empty() && entries < 64; ++entries) {
    std::vector<std::string> parts = components(pieces.next());
    std::string_view what = pieces.next();
    if (parts.empty())
      continue;
    fs::path path = root;
    for (const std::string &part : parts)
      path /= part;
    std::error_code ec;
    if (what == "<dir>") {
      fs::create_directories(path, ec);
    } else if (what.rfind("<link>", 0) == 0) {
      std::string_view target = what.substr(6);
      if (!staysInside(parts, target))
        continue;
      fs::create_directories(path.parent_path(), ec);
      fs::create_symlink(std::string(target), path, ec);
    } else if (!fs::is_directory(path.parent_path(), ec) &&
               fs::exists(path.parent_path(), ec)) {
      continue; // a file where a folder would have to be
    } else if (!fs::is_directory(path, ec)) {
      fs::create_directories(path.parent_path(), ec);
      if (!ec && !fs::is_symlink(path, ec))
        fuzz::writeBytes(path.string(), what);
    }
  }
  fuzz::exerciseDataset(root, 1 << 16);
  return 0;
}
