//===- Options.h - the training flags ---------------------------*- C++ -*-===//
//
// Every flag `simclr-train` and a training executable take (docs/RUNTIME.md has the
// table), parsed into one TrainingOptions.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_TRAIN_OPTIONS_H
#define SIMCLR_RUNTIME_TRAIN_OPTIONS_H

#include "runtime/data/Dataset.h"
#include "runtime/support/CommandLine.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::simclr::runtime {

struct TrainingOptions {
  std::string dataDirectory = "/usr/share/datasets/fashion-mnist";
  uint64_t maxImagePixels = data::kDefaultMaxImagePixels;
  int steps = 100;
  uint64_t seed = 1;
  std::string logPath;     ///< one JSON line per step
  std::string initPath;    ///< start from these weights (parameters and BN statistics)
  std::string teacherPath; ///< distillation: the teacher's weights
  std::string savePath;    ///< write every variable here at the end
  std::string resumePath;  ///< every variable, optimizer state included, from here
  bool profile = false;    ///< print where a step's time goes (steps after the first)
  bool noCudaGraph = false; ///< a GPU issues every run anew instead of replaying a graph
  bool evaluate = false;   ///< after training: test top-1 (top-5) through `predict`
  bool knn = false;        ///< after pretraining: kNN top-1 of `embed`'s features
  int knnEvery = 0;        ///< pretraining: the kNN monitor also every this many steps
  unsigned loaderThreads = 1; ///< threads making batches ahead (0: in the training thread)
  double labelFraction = 1;   ///< labelled stages: train on this class-balanced fraction
  std::string labelsPath;     ///< labelled stages: train on the images this file lists
  /// Hold this many labelled training images out of every stage's training (the
  /// validation split, data::validationSubset); with --eval, report their top-1 too.
  int validation = 0;
  /// Choose the steps on the validation split: its top-1 every `selectEvery` steps and at
  /// the end; the best step's weights are what --eval measures and --save writes. After
  /// `selectPatience` evaluations in a row without a better one the run stops (0: never).
  int selectEvery = 0;
  int selectPatience = 0;
  /// Every variable and the position of the run (step, sampler epoch and offset, seed),
  /// written atomically every `checkpointEvery` steps (0: only at the end). `--resume`
  /// from such a file continues the run where it stopped, bitwise as if never stopped.
  std::string checkpointPath;
  int checkpointEvery = 0;
  /// One step on a batch from a file instead of training: `inputsPath` holds train_step's
  /// arguments as arg0, arg1, ...; its results are written to `outputsPath` as result0, ...
  std::string inputsPath, outputsPath;
  /// Under mpirun: seconds a collective may take before the job ends (0: no bound).
  double collectiveTimeout = 300;
  /// Under mpirun: complete each collective where the step issues it, instead of
  /// overlapping it with the computation after it (to measure what the overlap hides).
  bool blockingCollectives = false;
};

/// Adds the training flags (--data, --steps, --seed, --log, --init, --teacher, --resume,
/// --save, --checkpoint, --checkpoint-every, --profile, --no-cuda-graph, --eval, --knn,
/// --knn-every, --label-fraction, --labels, --validation, --select-every, --select-patience,
/// --loader-threads, --inputs, --outputs, --collective-timeout, --blocking-collectives) to
/// `flags`, writing into `options`.
void addTrainingFlags(FlagSet &flags, TrainingOptions &options);

/// The options' own consistency (ranges, flags that need each other); an error names
/// the flag.
Error checkTrainingOptions(const TrainingOptions &options);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_TRAIN_OPTIONS_H
