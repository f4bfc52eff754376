//===- Trainer.cpp - the training loop -------------------------------------===//

#include "runtime/train/Trainer.h"
#include "runtime/Safetensors.h"
#include "runtime/data/Loader.h"
#include "runtime/data/Sampler.h"
#include "runtime/data/Subsets.h"
#include "runtime/exec/Executor.h"
#include "runtime/support/Strings.h"
#include "runtime/train/Checkpoints.h"
#include "runtime/train/Evaluation.h"
#include "runtime/train/KnnMonitor.h"
#include "runtime/train/OneStep.h"
#include "runtime/train/RunLog.h"
#include "runtime/train/RunState.h"
#include "runtime/train/StepSettings.h"
#include "runtime/train/TrainingData.h"

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

namespace {

/// The option checks that depend on the module's stage and entry points.
Error checkOptionsFor(const LoadedModule &module, const StepSettings &settings,
                      const TrainingOptions &options) {
  if ((options.labelFraction < 1 || !options.labelsPath.empty()) && !settings.labelled)
    return makeError("--label-fraction and --labels choose labelled images; the " +
                     settings.stage + " stage uses no labels" +
                     (settings.stage == "distill"
                          ? std::string(" (a description with 'loss: label_weight' adds them)")
                          : std::string()));
  if ((options.knn || options.knnEvery) && !module.entryPoint("embed"))
    return makeError(module.path() + ": error: --knn needs an embed entry point, which only "
                                     "the pretraining stage has");
  if (options.selectEvery > 0 && !module.entryPoint("predict"))
    return makeError(module.path() + ": error: --select-every needs a predict entry point; "
                                     "the " + settings.stage + " stage has none");
  if (options.evaluate && !module.entryPoint("predict"))
    return makeError(module.path() + ": error: --eval needs a predict entry point; the " +
                     settings.stage +
                     " stage has none (its network ends in the projection head)");
  return Error::success();
}

/// The evaluations a run makes with the weights it trains: the kNN monitor (`embed`) and
/// accuracy (`predict`), on the test split, opened when first needed and kept, and on the
/// validation split of the training images; with several replicas, each evaluates its
/// share of the images.
class Evaluations {
public:
  Evaluations(const LoadedModule &module, Device &device, VariableTable &variables,
              const data::Dataset &train, const StepSettings &settings,
              const TrainingOptions &options, RunLog &log, Communicator &comm)
      : module(module), device(device), variables(variables), train(train),
        settings(settings), options(options), log(log), comm(comm) {}

  /// The kNN monitor after step `step` (0: after the training): on the validation split
  /// when there is one (the figure to choose a recipe on), and on the test split at the end
  /// or without one. The bank leaves the validation images out.
  Error knn(int step, const std::vector<int64_t> &validation) {
    auto embed = executor(embedExecutor, "embed");
    if (!embed)
      return embed.takeError();
    std::vector<int64_t> bank = data::imagesOutside(train.size(), validation);
    if (!validation.empty())
      if (Error e = knnMonitor(**embed, train, bank, {train, validation, "validation"},
                               options.seed, log, comm, step))
        return e;
    if (step > 0 && !validation.empty())
      return Error::success();
    auto test = testSplit();
    if (!test)
      return test.takeError();
    return knnMonitor(**embed, train, bank,
                      {**test, data::imagesOutside((*test)->size(), {}), "test"}, options.seed,
                      log, comm, step);
  }

  Error testAccuracy() {
    auto test = testSplit();
    if (!test)
      return test.takeError();
    auto predict = executor(predictExecutor, "predict");
    if (!predict)
      return predict.takeError();
    auto top1 = evaluateAccuracy(**predict, **test, data::imagesOutside((*test)->size(), {}),
                                 "test", log, comm);
    return top1 ? Error::success() : top1.takeError();
  }

  /// Top-1 on the training split's held-out images (--validation), after step `step` of
  /// the training (0: after the training).
  Expected<double> validationAccuracy(const std::vector<int64_t> &validation, int step = 0) {
    auto predict = executor(predictExecutor, "predict");
    if (!predict)
      return predict.takeError();
    return evaluateAccuracy(**predict, train, validation, "validation", log, comm, step);
  }

private:
  /// The executor of entry point `entry`, made when first needed and kept in `slot`: with
  /// --select-every or --knn-every an evaluation comes every few steps, and each would
  /// otherwise allocate its arena and constants anew.
  Expected<Executor *> executor(std::unique_ptr<Executor> &slot, const char *entry) {
    if (!slot) {
      auto made = Executor::create(module, entry, device, variables);
      if (!made)
        return made.takeError();
      slot = std::move(*made);
    }
    return slot.get();
  }

  Expected<const data::Dataset *> testSplit() {
    if (!test) {
      auto opened = openSplit(options.dataDirectory, data::Split::Test, settings, module.path(),
                              options.maxImagePixels);
      if (!opened)
        return opened.takeError();
      test = std::move(*opened);
    }
    return test.get();
  }

  const LoadedModule &module;
  Device &device;
  VariableTable &variables;
  const data::Dataset &train;
  const StepSettings &settings;
  const TrainingOptions &options;
  RunLog &log;
  Communicator &comm;
  std::unique_ptr<data::Dataset> test;
  std::unique_ptr<Executor> embedExecutor;
  std::unique_ptr<Executor> predictExecutor;
};

/// --select-every: the validation top-1 every N steps and at the end, and the weights
/// of the best step (the earliest of equal ones), which the run ends with; the same rule
/// for every arm of a comparison, so that each gets its steps chosen on the validation
/// split, never on the test set. Every replica sees the same top-1 and decides alike.
class StepSelection {
public:
  explicit StepSelection(const TrainingOptions &options)
      : every(options.selectEvery), patience(options.selectPatience) {}

  bool due(int step, bool last) const { return every > 0 && (last || step % every == 0); }

  /// Records the top-1 after `step`; whether the run should stop (its patience spent).
  bool record(int step, double top1, const VariableTable &variables) {
    if (top1 > bestTop1) {
      bestTop1 = top1, bestStep = step, best = variables.save(), worse = 0;
      return false;
    }
    return patience > 0 && ++worse >= patience;
  }

  /// The step whose weights the run ends with, of `trained`.
  int chosen(int trained) const { return every > 0 ? bestStep : trained; }

  /// Puts the best step's weights (optimizer state included) back, and says so.
  Error restore(VariableTable &variables, int trained, RunLog &log) {
    if (every == 0)
      return Error::success();
    if (bestStep != trained) {
      std::string what = "the weights of step " + std::to_string(bestStep);
      auto missing = variables.load(best, what, {format::VariableRole::Model,
                                                 format::VariableRole::Optimizer});
      if (!missing)
        return missing.takeError();
    }
    std::printf("chose step %d of %d on the validation split (top-1 %.4f)\n", bestStep,
                trained, bestTop1);
    log.write(runtime::format("{\"selected_step\": %d, \"trained_steps\": %d, "
                     "\"selected_validation_top1\": %.6f}",
                     bestStep, trained, bestTop1));
    return Error::success();
  }

private:
  int every, patience;
  int bestStep = 0, worse = 0;
  double bestTop1 = -1;
  TensorMap best;
};

/// A step whose loss is NaN or infinite ends the run: its variables are kept for
/// inspection and the last good checkpoint is left as it was.
Error stopOnNonFiniteLoss(const VariableTable &variables, const TrainingOptions &options,
                          const std::string &stage, int step, float loss,
                          const Communicator &comm) {
  if (comm.rank() != 0) // rank 0 keeps the variables and says so
    return makeError("step " + std::to_string(step) + ": the loss is not finite; stopping");
  std::string saved = saveNonFiniteStep(variables, options, stage, step, loss);
  return makeError("step " + std::to_string(step) + ": the loss is " +
                   (std::isnan(loss) ? "NaN" : "infinite") +
                   "; stopping. The variables after this step are in " + saved +
                   (options.checkpointPath.empty()
                        ? ""
                        : "; the last good checkpoint is " + options.checkpointPath) +
                   ". A lower learning rate may help.");
}

/// A run of several replicas: the module's count must be the launch's, and every rank
/// must run the same module with the same seed and steps.
Error checkReplicas(const LoadedModule &module, const TrainingOptions &options,
                    Communicator &comm) {
  if (module.replicas() != comm.size())
    return makeError(module.path() + ": error: the module is compiled for " +
                     std::to_string(module.replicas()) + " replica" +
                     (module.replicas() == 1 ? "" : "s") + ", but this launch has " +
                     std::to_string(comm.size()) + " process" + (comm.size() == 1 ? "" : "es") +
                     " (launch mpirun -np " + std::to_string(module.replicas()) +
                     ", or compile with --replicas=" + std::to_string(comm.size()) + ")");
  if (comm.size() == 1)
    return Error::success();
  if (!options.inputsPath.empty())
    return makeError("--inputs runs one replica's step; it cannot run under mpirun with " +
                     std::to_string(comm.size()) + " processes");
  return checkSameOnEveryRank(comm, {"module (its checksum)", "--seed", "--steps"},
                              {module.checksum(), options.seed, uint64_t(options.steps)});
}

/// What this rank writes: rank 0 everything; the others no log, checkpoint or weights.
TrainingOptions writtenBy(const TrainingOptions &options, const Communicator &comm) {
  TrainingOptions own = options;
  if (comm.rank() != 0)
    own.logPath.clear(), own.savePath.clear(), own.checkpointPath.clear();
  return own;
}

/// SIGTERM or SIGINT received during the run (0: none). The run stops after the step in
/// progress, with a checkpoint (StopRequests); a second signal ends the process at once.
volatile std::sig_atomic_t stopSignal = 0;
/// The signal the run stopped on (0: it ran to its end); the exit code is 128 + it.
int stoppedBy = 0;

void requestStop(int signal) { stopSignal = signal; }

/// Routes SIGTERM and SIGINT to requestStop while it lives (each once: SA_RESETHAND).
class StopRequests {
public:
  StopRequests() {
    struct sigaction action {};
    action.sa_handler = requestStop;
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    for (int i = 0; i < 2; ++i)
      sigaction(kSignals[i], &action, &previous[i]);
  }
  ~StopRequests() {
    for (int i = 0; i < 2; ++i)
      sigaction(kSignals[i], &previous[i], nullptr);
  }

private:
  static constexpr int kSignals[2] = {SIGTERM, SIGINT};
  struct sigaction previous[2];
};

Error trainSteps(const LoadedModule &module, const DeviceFactory &makeDevice,
                 const TrainingOptions &options, Communicator &comm) {
  if (!options.inputsPath.empty())
    return runOneStep(module, makeDevice, options);
  auto settings = readStepSettings(module);
  if (!settings)
    return settings.takeError();
  auto train = openSplit(options.dataDirectory, data::Split::Train, *settings, module.path(),
                         options.maxImagePixels);
  if (!train)
    return train.takeError();
  if (Error e = checkOptionsFor(module, *settings, options))
    return e;
  const data::Dataset &set = **train;

  // The step on the device, from fresh or loaded variables.
  auto run = prepareRun(module, makeDevice, comm, options, settings->stage,
                        /*continueRun=*/true);
  if (!run)
    return run.takeError();
  Device &device = *run->device;
  VariableTable &variables = *run->variables;
  Executor &step = *run->step;
  const RunPosition &start = run->start;
  auto log = RunLog::open(options.logPath, start.step);
  if (!log)
    return log.takeError();

  // The images, in a fresh permutation every epoch, made into batches ahead of the step.
  auto validation = validationImages(set, options);
  if (!validation)
    return validation.takeError();
  auto images = trainingImages(set, *settings, options, *validation);
  if (!images)
    return images.takeError();
  std::vector<bool> labelled = std::move(images->labelled);
  data::EpochSampler sampler(std::move(images->images), options.seed);
  if (start.step > 0) {
    // An offset past this run's images: the checkpoint is of a run on other images.
    if (start.samplerOffset > sampler.size())
      return makeError(options.resumePath + ": error: the run stopped at image " +
                       std::to_string(start.samplerOffset) + " of an epoch; this run has " +
                       std::to_string(sampler.size()) +
                       " images: resume it on the data (and labels) it was trained on");
    sampler.seek(start.samplerEpoch, start.samplerOffset);
  }
  data::BatchLoader loader(
      sampler, settings->batch, start.step, options.steps, options.loaderThreads,
      [&](data::Batch &batch) {
        makeTrainingBatch(set, *settings, options.seed, labelled, batch);
      },
      data::Slice{comm.rank(), comm.size()});
  Evaluations evaluations(module, device, variables, set, *settings, options, **log, comm);
  StepSelection selection(options);
  int trained = options.steps; // fewer when the selection's patience ends the run
  Progress progress(start.step, options.steps, settings->batch * comm.size());

  // Testing hooks: SIMCLR_KILL_AFTER_STEP=N kills the process (SIGKILL, no clean-up) once
  // step N and its checkpoint are done, as a crash or an operator would;
  // SIMCLR_HANG_AFTER_STEP=N stops it there for good, as a hung process would;
  // SIMCLR_TERM_AFTER_STEP=N and SIMCLR_INT_AFTER_STEP=N raise SIGTERM or SIGINT after
  // step N (under mpirun these only on rank SIMCLR_FAULT_RANK, when set);
  // SIMCLR_NAN_IMAGES_AT_STEP=N feeds step N images of NaN, as corrupt data would.
  const char *faultRank = std::getenv("SIMCLR_FAULT_RANK");
  bool faulty = !faultRank || std::atoi(faultRank) == comm.rank();
  auto hook = [&](const char *name) {
    const char *value = std::getenv(name);
    return value && faulty ? std::atoi(value) : 0;
  };
  int killAfter = hook("SIMCLR_KILL_AFTER_STEP"), hangAfter = hook("SIMCLR_HANG_AFTER_STEP");
  int termAfter = hook("SIMCLR_TERM_AFTER_STEP"), interruptAfter = hook("SIMCLR_INT_AFTER_STEP");
  const char *poison = std::getenv("SIMCLR_NAN_IMAGES_AT_STEP");
  int poisonStep = poison ? std::atoi(poison) : 0;

  float total = float(options.steps), warmup = settings->warmupSteps(options.steps);
  // Step t is launched, then the batch of step t + 1 is staged (a GPU copies it up while
  // step t computes), then step t is finished. A step's batch and scalars stay untouched
  // until it is launched: two of them, in turn.
  struct Next {
    data::Batch batch;
    float stepNumber = 0;
    Executor::Staged staged;
  };
  Next slots[2];
  auto prepare = [&](int t, Next &next) -> Error {
    auto batch = loader.next();
    if (!batch)
      return makeError("step " + std::to_string(t + 1) + ": " + batch.errorMessage());
    next.batch = std::move(*batch);
    if (poisonStep == t + 1)
      std::fill(next.batch.images.begin(), next.batch.images.end(), std::nanf(""));
    next.stepNumber = float(t);
    std::vector<const void *> arguments = {next.batch.images.data()};
    if (settings->labelled)
      arguments.push_back(next.batch.labels.data());
    arguments.insert(arguments.end(), {&next.stepNumber, &warmup, &total});
    auto staged = step.stage(arguments);
    if (!staged)
      return staged.takeError();
    next.staged = std::move(*staged);
    return Error::success();
  };
  if (start.step < options.steps)
    if (Error e = prepare(start.step, slots[start.step % 2]))
      return e;
  StopRequests stopRequests;
  for (int t = start.step; t < options.steps; ++t) {
    Next &current = slots[t % 2];
    if (Error e = step.launch(current.staged))
      return e;
    Error staging = t + 1 < options.steps ? prepare(t + 1, slots[(t + 1) % 2]) : Error::success();
    auto results = step.finish();
    if (!results)
      return results.takeError();
    float loss = (*results)[0][0], accuracy = (*results)[1][0], lr = (*results)[2][0];
    int stopping = stopSignal; // with several replicas: any replica's, so that all stop here
    if (comm.size() > 1) {
      // Each replica's loss and accuracy are over its slice: their mean is the global one.
      float both[3] = {loss, accuracy, float(stopping)};
      if (Error e = comm.allReduceSum(both, both, 3))
        return e;
      loss = both[0] / float(comm.size()), accuracy = both[1] / float(comm.size());
      stopping = both[2] > 0 ? (stopping ? stopping : SIGTERM) : 0;
    }
    if (!std::isfinite(loss)) // every replica sees it: the loss is the replicas' mean
      return stopOnNonFiniteLoss(variables, options, settings->stage, t + 1, loss, comm);

    progress.step(t, loss, accuracy, lr);
    if (options.profile && t == 0)
      step.setProfiling(true); // the first step creates oneDNN's primitives: left out
    (*log)->step(t + 1, loss, accuracy, lr);
    bool last = t + 1 == options.steps;
    // The testing hooks raise the signals a user would send. With several replicas a
    // signal arriving now travels with the next step's all-reduce.
    if (termAfter == t + 1)
      std::raise(SIGTERM);
    if (interruptAfter == t + 1)
      std::raise(SIGINT);
    if (comm.size() == 1)
      stopping = stopSignal;
    // The sampler runs ahead with the loader: a checkpoint records the position after the
    // batch of the step it follows.
    if (!options.checkpointPath.empty() &&
        (last || stopping ||
         (options.checkpointEvery > 0 && (t + 1) % options.checkpointEvery == 0)))
      if (Error e = writeCheckpoint(variables, options, settings->stage,
                                    {t + 1, current.batch.samplerEpoch,
                                     current.batch.samplerOffset}))
        return e;
    if (stopping && !last) {
      // The others wait for rank 0's checkpoint: a rank that exits first makes mpirun end
      // the job, perhaps in the middle of writing it.
      float written = 0;
      if (comm.size() > 1)
        if (Error e = comm.allReduceSum(&written, &written, 1))
          return e;
      std::printf("stopped by %s after step %d of %d: %s\n",
                  stopping == SIGINT ? "SIGINT" : "SIGTERM", t + 1, options.steps,
                  options.checkpointPath.empty()
                      ? "nothing saved (no --checkpoint)"
                      : ("checkpoint " + options.checkpointPath +
                         "; --resume=" + options.checkpointPath + " continues the run")
                            .c_str());
      std::fflush(stdout);
      stoppedBy = stopping;
      return Error::success();
    }
    if (options.knnEvery > 0 && (t + 1) % options.knnEvery == 0 && !last)
      if (Error e = evaluations.knn(t + 1, *validation))
        return e;
    bool patienceSpent = false;
    if (selection.due(t + 1, last)) {
      auto top1 = evaluations.validationAccuracy(*validation, t + 1);
      if (!top1)
        return top1.takeError();
      patienceSpent = selection.record(t + 1, *top1, variables) && !last;
    }
    if (killAfter == t + 1)
      std::raise(SIGKILL);
    while (hangAfter == t + 1)
      std::this_thread::sleep_for(std::chrono::seconds(1));
    // A batch that could not be made stops the run after the step before it is complete
    // (logged, checkpointed), as when batches were made one step at a time.
    if (staging)
      return staging;
    if (patienceSpent) {
      trained = t + 1;
      std::printf("stopping after step %d: %d validation evaluations in a row without a "
                  "better top-1 (--select-patience)\n",
                  trained, options.selectPatience);
      break;
    }
  }
  progress.printSummary();
  if (options.profile && options.steps > 1)
    printProfile(step.profile());

  if (Error e = selection.restore(variables, trained, **log))
    return e;
  if (options.evaluate && !validation->empty())
    if (auto top1 = evaluations.validationAccuracy(*validation); !top1)
      return top1.takeError();
  if (options.evaluate)
    if (Error e = evaluations.testAccuracy())
      return e;
  if (options.knn || options.knnEvery > 0)
    if (Error e = evaluations.knn(0, *validation))
      return e;
  const flatbuffers::String *name = module.root().name();
  if (Error e = (*log)->finish(name ? name->str() + " (" + settings->stage + ")" : settings->stage))
    return e;
  if (!options.savePath.empty()) {
    if (Error e = writeSafetensors(options.savePath, variables.save(),
                                   {{"stage", settings->stage},
                                    {"steps", std::to_string(selection.chosen(trained))}}))
      return e;
    std::printf("saved %s\n", options.savePath.c_str());
  }
  return Error::success();
}

} // namespace

int runtime::train(const LoadedModule &module, const DeviceFactory &makeDevice,
                   const TrainingOptions &options, Communicator &comm) {
  // A file size limit (ulimit -f) makes writes fail (EFBIG) as a full disk would, and the
  // run stops with that error, instead of the process being killed mid-write.
  std::signal(SIGXFSZ, SIG_IGN);
  // Rank 0 prints the run's progress; the others print only their errors.
  if (comm.rank() != 0 && !std::freopen("/dev/null", "w", stdout))
    std::fprintf(stderr, "rank %d: warning: could not silence standard output\n", comm.rank());
  Error e = checkTrainingOptions(options);
  if (!e)
    e = checkReplicas(module, options, comm);
  if (!e)
    e = trainSteps(module, makeDevice, writtenBy(options, comm), comm);
  if (!e)
    return stoppedBy ? 128 + stoppedBy : 0; // a stop on request exits as the signal would
  std::fflush(stdout);
  if (comm.size() == 1) {
    std::fprintf(stderr, "%s\n", e.message().c_str());
    return 1;
  }
  // The other replicas would wait for this one in their next collective: end them all.
  std::fprintf(stderr, "rank %d: %s\n", comm.rank(), e.message().c_str());
  comm.abort(1);
  return 1; // abort ends the job; a communicator that cannot still fails the run
}

std::unique_ptr<Communicator> runtime::launchReplicas(const TrainingOptions &options) {
  auto comm = launchCommunicator(options.collectiveTimeout);
  if (!comm) {
    std::fprintf(stderr, "%s\n", comm.errorMessage().c_str());
    return nullptr;
  }
  (*comm)->setBlocking(options.blockingCollectives);
  return std::move(*comm);
}
