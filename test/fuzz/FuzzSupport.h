//===- FuzzSupport.h - what the fuzz targets share ---------------*- C++ -*-===//
//
// Every target is one LLVMFuzzerTestOneInput: built with libFuzzer (SIMCLR_FUZZ, clang) it
// fuzzes; built with ReplayMain.cpp it replays files, in every build and in ctest. The
// readers under test take paths, so the targets write their inputs to a scratch folder
// that belongs to the process and is removed when it exits. A reader's error is the
// expected outcome for most inputs; a crash, an abort, a sanitizer report, a hang or an
// allocation past libFuzzer's limit is a finding.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_TEST_FUZZ_FUZZSUPPORT_H
#define SIMCLR_TEST_FUZZ_FUZZSUPPORT_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mlir::simclr::fuzz {

/// Notes what became of an input: a reader's error message, or how far it got. Printed
/// to stderr when SIMCLR_FUZZ_VERBOSE is set (to check that seeds reach deep), else
/// dropped.
void note(const std::string &what);

/// The process's scratch folder (made on first use, removed at exit).
const std::string &scratchDirectory();

/// An empty folder `name` in the scratch folder (emptied if it was there).
std::string freshDirectory(const std::string &name);

/// Writes `bytes` to `path` (the parent folders made); aborts if it cannot, which is the
/// harness failing, not the code under test.
void writeBytes(const std::string &path, std::string_view bytes);

/// Splits a fuzzer input into pieces: each piece is the bytes up to the next separator
/// line "\n--\n" (so seeds stay readable and the fuzzer can add or drop pieces).
class Pieces {
public:
  Pieces(const uint8_t *data, size_t size)
      : rest(reinterpret_cast<const char *>(data), size) {}
  bool empty() const { return rest.empty() && !trailing; }
  /// The next piece; "" once there are none.
  std::string_view next();

private:
  std::string_view rest;
  bool trailing = true;
};

} // namespace mlir::simclr::fuzz

#endif // SIMCLR_TEST_FUZZ_FUZZSUPPORT_H
