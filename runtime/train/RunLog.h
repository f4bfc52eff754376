//===- RunLog.h - what a run reports while it runs --------------*- C++ -*-===//
//
// The JSON lines of --log (one per step, then the evaluations'), the curves drawn beside
// them at the end (Plot.h), and the console: a line per step with loss, accuracy,
// learning rate, speed, progress and ETA, the mean loss of the first and last steps, and
// where the time went (--profile).
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_TRAIN_RUNLOG_H
#define SIMCLR_RUNTIME_TRAIN_RUNLOG_H

#include "runtime/exec/Executor.h"
#include "runtime/support/Error.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace mlir::simclr::runtime {

class RunLog {
public:
  /// The log at `path` ("": none, and writing does nothing). A run resumed after step
  /// `firstStep` keeps the lines of the steps up to it and drops those the stopped run did
  /// after it, which are done again.
  static Expected<std::unique_ptr<RunLog>> open(const std::string &path, int firstStep);
  ~RunLog();

  /// One line (a JSON object), flushed.
  void write(const std::string &line);
  void step(int step, float loss, float accuracy, float lr);
  /// Closes the log and draws its curves beside it: run.jsonl -> run.svg.
  Error finish(const std::string &title);

private:
  std::string path;
  std::FILE *file = nullptr;
};

/// The console's view of a run.
class Progress {
public:
  Progress(int firstStep, int steps, int64_t batch);
  /// Prints the line of step `t` (0-based).
  void step(int t, float loss, float accuracy, float lr);
  /// "mean loss of the first N steps ..., of the last N ...".
  void printSummary() const;

private:
  int firstStep, steps, window;
  int64_t batch;
  double firstLosses = 0;
  std::vector<float> recent; ///< the last `window` losses (a run may stop before its end)
  std::chrono::steady_clock::time_point start;
};

/// --profile: the time per step of each kind of instruction, then the slowest ones.
void printProfile(const std::vector<Executor::ProfileEntry> &entries);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_TRAIN_RUNLOG_H
