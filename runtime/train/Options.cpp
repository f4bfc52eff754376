//===- Options.cpp - the training flags ------------------------------------===//

#include "runtime/train/Options.h"

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

void runtime::addTrainingFlags(FlagSet &flags, TrainingOptions &o) {
  flags.add("data", &o.dataDirectory,
            "Directory of a data set: IDX (MNIST, Fashion-MNIST), CIFAR-10 binary, or "
            "ImageFolder (train/<class>/*.jpg)",
            "dir");
  flags.add("max-image-pixels", &o.maxImagePixels,
            "ImageFolder: refuse a JPEG whose header claims more pixels than this, before "
            "decoding it");
  flags.add("steps", &o.steps, "Training steps");
  flags.add("seed", &o.seed, "Seed of weights and batches");
  flags.add("log", &o.logPath, "Write one JSON line per step here");
  flags.add("init", &o.initPath,
            "Start from these weights (safetensors): parameters and BN statistics of the "
            "same names");
  flags.add("teacher", &o.teacherPath,
            "Distillation: the teacher's weights (safetensors, as a fine-tuning run saves them)");
  flags.add("save", &o.savePath,
            "Write every parameter and state tensor here (safetensors) at the end");
  flags.add("resume", &o.resumePath,
            "Start from every variable in this file (safetensors), optimizer state "
            "included; all must be there");
  flags.add("inputs", &o.inputsPath,
            "Run one step on the arguments in this file (arg0, arg1, ...; safetensors) "
            "instead of training");
  flags.add("outputs", &o.outputsPath,
            "With --inputs: write the step's results here (result0, result1, ...; float32 "
            "safetensors)");
  flags.add("eval", &o.evaluate,
            "After training, report test top-1 (and top-5 with more than 5 classes) on the "
            "data set's test split through the predict entry point");
  flags.add("label-fraction", &o.labelFraction,
            "Fine-tuning, linear evaluation: train on this class-balanced fraction of the "
            "images (0.01, 0.1, ...; 1: all)");
  flags.add("labels", &o.labelsPath,
            "Fine-tuning, linear evaluation: train on the images this file lists (one per "
            "line: a 0-based image number, or an ImageFolder image's path or file name)");
  flags.add("validation", &o.validation,
            "Hold this many labelled training images out of training (class-balanced, the "
            "same images for every seed and stage) and, with --eval, report their top-1: "
            "the split on which to choose steps and rates, never the test set");
  flags.add("select-every", &o.selectEvery,
            "With --validation: the validation top-1 every N steps and at the end; the "
            "best step's weights are the ones --eval measures and --save writes (steps "
            "chosen on the validation split)");
  flags.add("select-patience", &o.selectPatience,
            "With --select-every: stop after this many evaluations in a row without a "
            "better validation top-1 (0: run every step)");
  flags.add("checkpoint", &o.checkpointPath,
            "Write every variable and the run's position here (safetensors, atomically): "
            "every --checkpoint-every steps and at the end; --resume continues from it");
  flags.add("checkpoint-every", &o.checkpointEvery,
            "Steps between checkpoints (0: only at the end)");
  flags.add("knn", &o.knn,
            "After pretraining, report the kNN top-1 of the backbone's features (embed): "
            "1,000 test images against 5,000 training images, k = 20, cosine similarity");
  flags.add("knn-every", &o.knnEvery, "Pretraining: run the kNN monitor also every N steps");
  flags.add("loader-threads", &o.loaderThreads,
            "Threads that decode and augment the next batches while a step runs (0: make "
            "each batch in the training thread)");
  flags.add("profile", &o.profile,
            "Print where the steps' time goes (every step after the first)");
  flags.add("no-cuda-graph", &o.noCudaGraph,
            "On a GPU: issue every step's work anew instead of replaying the CUDA graph "
            "captured from the second step (the results are the same bits)");
  flags.add("collective-timeout", &o.collectiveTimeout,
            "Under mpirun: end the job, naming the rank, when a collective has not "
            "completed after this many seconds (a rank died or hangs; 0: wait forever)");
  flags.add("blocking-collectives", &o.blockingCollectives,
            "Under mpirun: complete each collective where the step issues it instead of "
            "overlapping it with the work after it (to measure what the overlap hides)");
}

Error runtime::checkTrainingOptions(const TrainingOptions &o) {
  if (!o.outputsPath.empty() && o.inputsPath.empty())
    return makeError("--outputs needs --inputs");
  if (o.steps < 1)
    return makeError("--steps must be at least 1");
  if (!(o.labelFraction > 0 && o.labelFraction <= 1))
    return makeError("--label-fraction must be in (0, 1]");
  if (o.labelFraction < 1 && !o.labelsPath.empty())
    return makeError("give --label-fraction or --labels, not both");
  if (o.validation < 0)
    return makeError("--validation must be at least 0");
  if (o.selectEvery < 0 || o.selectPatience < 0)
    return makeError("--select-every and --select-patience must be at least 0");
  if (o.selectPatience > 0 && o.selectEvery == 0)
    return makeError("--select-patience needs --select-every");
  if (o.selectEvery > 0 && o.validation == 0)
    return makeError("--select-every chooses the steps on the validation split: give "
                     "--validation=N too");
  if (o.selectEvery > 0 && (!o.checkpointPath.empty() || !o.resumePath.empty()))
    return makeError("--select-every keeps the best step's weights in memory, which a "
                     "checkpoint does not hold: it cannot be combined with --checkpoint or "
                     "--resume");
  if (o.knnEvery < 0)
    return makeError("--knn-every must be at least 0");
  if (o.loaderThreads > 64)
    return makeError("--loader-threads must be at most 64");
  if (o.checkpointEvery < 0)
    return makeError("--checkpoint-every must be at least 0");
  if (o.checkpointEvery > 0 && o.checkpointPath.empty())
    return makeError("--checkpoint-every needs --checkpoint");
  if (!(o.collectiveTimeout >= 0))
    return makeError("--collective-timeout must be at least 0");
  return Error::success();
}
