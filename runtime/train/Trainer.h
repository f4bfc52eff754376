//===- Trainer.h - the training loop of the CPU runtime ---------*- C++ -*-===//
//
// Trains the `train_step` entry point of a module on an MNIST-style data set: draws
// batches, runs steps, prints and logs metrics, loads and saves checkpoints (safetensors).
// Shared by `simclr-train` (which compiles a description or loads a module file first)
// and by the training executables `simclrc --emit=executable` writes. No MLIR.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_TRAIN_TRAINER_H
#define SIMCLR_RUNTIME_TRAIN_TRAINER_H

#include "runtime/cpu/KernelAbi.h"
#include "runtime/module/Reader.h"

#include "llvm/Support/CommandLine.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mlir::simclr::runtime {

struct TrainingOptions {
  std::string dataDirectory = "/usr/share/datasets/fashion-mnist";
  int steps = 100;
  uint64_t seed = 1;
  std::string logPath;     ///< one JSON line per step
  std::string initPath;    ///< start from these weights (parameters and BN statistics)
  std::string teacherPath; ///< distillation: the teacher's weights
  std::string savePath;    ///< write every variable here at the end
  std::string resumePath;  ///< every variable, optimizer state included, from here
  bool profile = false;    ///< print where a step's time goes (steps after the first)
  bool evaluate = false;   ///< after training: test top-1 (top-5) through `predict`
  bool knn = false;        ///< after pretraining: kNN top-1 of `embed`'s features
  int knnEvery = 0;        ///< pretraining: the kNN monitor also every this many steps
  unsigned loaderThreads = 1; ///< threads making batches ahead (0: in the training thread)
  double labelFraction = 1; ///< labelled stages: train on this class-balanced fraction
  std::string labelsPath;   ///< labelled stages: train on the images this file lists
  /// Every variable and the position of the run (step, sampler epoch and offset, seed),
  /// written atomically every `checkpointEvery` steps (0: only at the end). `--resume`
  /// from such a file continues the run where it stopped, bitwise as if never stopped.
  std::string checkpointPath;
  int checkpointEvery = 0;
  /// One step on a batch from a file instead of training: `inputsPath` holds train_step's
  /// arguments as arg0, arg1, ...; its results are written to `outputsPath` as result0, ...
  std::string inputsPath, outputsPath;
};

/// Registers the training flags (--data, --steps, --seed, --log, --init, --teacher,
/// --resume, --save, --checkpoint, --checkpoint-every, --profile, --eval, --knn, --knn-every,
/// --label-fraction, --labels, --loader-threads, --inputs, --outputs) with llvm::cl, on first call; returns their category. Call before parsing.
llvm::cl::OptionCategory &trainingOptionCategory();

/// The training flags' values, once the command line is parsed.
TrainingOptions trainingOptionsFromCommandLine();

/// Gives the kernels of the module being trained (`[i]` runs its kernel i); called once,
/// after the data and the settings are checked, since building kernels takes a while.
using KernelProvider = std::function<llvm::Expected<std::vector<cpu::KernelFn>>()>;

/// Trains `module`'s train_step. Returns the exit code of a tool (0 on success; errors
/// are printed).
int train(const LoadedModule &module, const KernelProvider &kernels,
          const TrainingOptions &options);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_TRAIN_TRAINER_H
