//===- FuzzSupport.cpp - what the fuzz targets share -----------------------===//

#include "FuzzSupport.h"
#include "runtime/support/Files.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace fs = std::filesystem;
using namespace mlir::simclr;

const std::string &fuzz::scratchDirectory() {
  // Removed at exit by its destructor (a crash leaves it, in TMPDIR).
  static const runtime::TemporaryDirectory scratch = [] {
    auto made = runtime::TemporaryDirectory::create("simclr-fuzz");
    if (!made) {
      std::fprintf(stderr, "simclr fuzz: %s\n", runtime::toString(made.takeError()).c_str());
      std::abort();
    }
    return std::move(*made);
  }();
  return scratch.path();
}

void fuzz::note(const std::string &what) {
  static const bool verbose = std::getenv("SIMCLR_FUZZ_VERBOSE") != nullptr;
  if (verbose)
    std::fprintf(stderr, "  %s\n", what.c_str());
}

std::string fuzz::freshDirectory(const std::string &name) {
  fs::path dir = fs::path(scratchDirectory()) / name;
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "simclr fuzz: cannot make %s: %s\n", dir.c_str(), ec.message().c_str());
    std::abort();
  }
  return dir.string();
}

void fuzz::writeBytes(const std::string &path, std::string_view bytes) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  out.close();
  if (!out) {
    std::fprintf(stderr, "simclr fuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
}

std::string_view fuzz::Pieces::next() {
  static constexpr std::string_view separator = "\n--\n";
  size_t at = rest.find(separator);
  if (at == std::string_view::npos) {
    std::string_view piece = rest;
    rest = {};
    trailing = false;
    return piece;
  }
  std::string_view piece = rest.substr(0, at);
  rest.remove_prefix(at + separator.size());
  return piece;
}
