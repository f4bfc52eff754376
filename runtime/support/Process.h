//===- Process.h - running another program ----------------------*- C++ -*-===//
#ifndef SIMCLR_RUNTIME_SUPPORT_PROCESS_H
#define SIMCLR_RUNTIME_SUPPORT_PROCESS_H

#include "runtime/support/Error.h"

#include <string>
#include <vector>

namespace mlir::simclr::runtime {

struct ProgramResult {
  int exitCode = 0;   ///< the program's exit status, or 128 + the signal that ended it
  std::string output; ///< what it printed (standard output and error), at most the last 8 KiB
};

/// Runs `argv[0]` (searched on PATH when it has no '/') with `argv`, waits for it and
/// captures what it prints. An error only when it could not be started.
Expected<ProgramResult> runProgram(const std::vector<std::string> &argv);

/// Runs a build tool: success when it exits with 0, else an error "building <what> with
/// <program> failed" followed by the end of its output.
Error runBuildTool(const std::vector<std::string> &argv, const std::string &what);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_SUPPORT_PROCESS_H
