//===- simclr-train.cpp - train a description on the CPU -------------------===//
//
//   simclr-train model.yaml --data=/usr/share/datasets/fashion-mnist --steps=100
//
// Compiles the description's step (simclr-training-step), runs it with the float32 CPU
// executor from freshly initialised weights on batches drawn from an MNIST-style data set,
// and prints one line per step (and, with --log, writes them as JSON lines). Views are a
// random shift of up to two pixels and a random horizontal flip; the full SimCLR
// augmentation recipe is the data-pipeline issue's.
//
//===----------------------------------------------------------------------===//

#include "dialects/simclr/IR/SimclrOps.h"
#include "frontend/LoadModule.h"
#include "passes/Passes.h"
#include "runtime/cpu/Executor.h"
#include "runtime/data/Idx.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <random>

namespace cl = llvm::cl;
using namespace mlir;
using namespace mlir::simclr;

static cl::OptionCategory category("simclr-train options");
static cl::opt<std::string> descriptionPath(cl::Positional, cl::desc("<description.yaml>"),
                                            cl::Required, cl::cat(category));
static cl::opt<std::string> dataDir("data", cl::desc("Directory of an MNIST-style data set"),
                                    cl::init("/usr/share/datasets/fashion-mnist"),
                                    cl::cat(category));
static cl::opt<int> steps("steps", cl::desc("Training steps"), cl::init(100), cl::cat(category));
static cl::opt<uint64_t> seed("seed", cl::desc("Seed of weights and batches"), cl::init(1),
                              cl::cat(category));
static cl::opt<std::string> logPath("log", cl::desc("Write one JSON line per step here"),
                                    cl::cat(category));

static int fail(const llvm::Twine &message) {
  llvm::errs() << message << "\n";
  return 1;
}

/// Writes image `index` of `set`, shifted by (dy, dx) with zero fill and optionally
/// mirrored, to `out`.
static void view(const data::ImageSet &set, int64_t index, int dy, int dx, bool flip,
                 float *out) {
  int64_t H = set.height, W = set.width;
  const float *image = set.images.data() + index * H * W;
  for (int64_t y = 0; y < H; ++y)
    for (int64_t x = 0; x < W; ++x) {
      int64_t sy = y + dy, sx = (flip ? W - 1 - x : x) + dx;
      out[y * W + x] = sy >= 0 && sy < H && sx >= 0 && sx < W ? image[sy * W + sx] : 0.f;
    }
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions({&category});
  cl::ParseCommandLineOptions(argc, argv, "Trains a description on the CPU\n");
  if (steps < 1)
    return fail("--steps must be at least 1");

  MLIRContext context;
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  auto module = frontend::loadModule(descriptionPath, context, sourceMgr);
  if (!module)
    return 1;
  auto step = module->lookupSymbol<func::FuncOp>("train_step");
  auto input = step ? step->getAttrOfType<DictionaryAttr>("simclr.input") : DictionaryAttr();
  auto settings = step ? step->getAttrOfType<DictionaryAttr>("simclr.optimizer") : DictionaryAttr();
  if (!input || !settings)
    return fail(descriptionPath + ": error: no training step with input and optimizer settings");
  int64_t batch = int64_t(numberSetting(input, "batch_size"));
  int64_t views = int64_t(numberSetting(input, "views"));
  int64_t channels = int64_t(numberSetting(input, "channels"));
  int64_t height = int64_t(numberSetting(input, "height"));
  int64_t width = int64_t(numberSetting(input, "width"));
  bool labelled = step.getNumArguments() == 2; // images and labels (finetune, linear eval)

  auto set = data::readMnistStyle(dataDir, "train");
  if (!set)
    return fail(llvm::toString(set.takeError()));
  if (channels != 1 || set->height != height || set->width != width)
    return fail(descriptionPath + ": error: the description expects " + llvm::Twine(channels) +
                "x" + llvm::Twine(height) + "x" + llvm::Twine(width) + " images, the data set in " +
                dataDir + " has 1x" + llvm::Twine(set->height) + "x" + llvm::Twine(set->width));

  PassManager pm(&context);
  buildTrainingStepPipeline(pm);
  if (failed(pm.run(*module)))
    return 1;
  llvm::SmallString<128> work;
  if (llvm::sys::fs::createUniqueDirectory("simclr-train", work))
    return fail("cannot create a working directory");
  auto executor = cpu::Executor::create(*module, "train_step", work);
  if (!executor)
    return fail(llvm::toString(executor.takeError()));
  if (auto e = (*executor)->initialize(seed))
    return fail(llvm::toString(std::move(e)));

  std::error_code ec;
  std::unique_ptr<llvm::raw_fd_ostream> log;
  if (!logPath.empty()) {
    log = std::make_unique<llvm::raw_fd_ostream>(logPath, ec);
    if (ec)
      return fail(logPath + ": error: " + ec.message());
  }
  double warmupFraction = numberSetting(settings, "epochs") > 0
                              ? numberSetting(settings, "warmup_epochs") / numberSetting(settings, "epochs")
                              : 0.0;
  float total = float(steps), warmup = std::round(float(steps * warmupFraction));
  std::mt19937_64 rng(seed);
  std::vector<float> images(batch * views * height * width);
  std::vector<int32_t> labels(batch);
  double firstLosses = 0, lastLosses = 0;
  int window = std::max(1, std::min(10, int(steps) / 2));
  auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < steps; ++t) {
    for (int64_t i = 0; i < batch; ++i) {
      int64_t index = int64_t(rng() % uint64_t(set->count));
      labels[i] = set->labels[index];
      for (int64_t v = 0; v < views; ++v)
        view(*set, index, int(rng() % 5) - 2, int(rng() % 5) - 2, rng() % 2,
             images.data() + (v * batch + i) * height * width);
    }
    float stepNumber = float(t);
    std::vector<const void *> args = {images.data()};
    if (labelled)
      args.push_back(labels.data());
    args.insert(args.end(), {&stepNumber, &warmup, &total});
    auto results = (*executor)->run(args);
    if (!results)
      return fail(llvm::toString(results.takeError()));
    float loss = (*results)[0][0], accuracy = (*results)[1][0], lr = (*results)[2][0];
    if (!std::isfinite(loss))
      return fail("step " + llvm::Twine(t) + ": the loss is not finite; stopping");
    if (t < window)
      firstLosses += loss / window;
    if (t >= steps - window)
      lastLosses += loss / window;
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    llvm::outs() << llvm::format("step %d/%d  loss %.4f  accuracy %.3f  lr %.5f  %.1f images/s\n",
                                 t + 1, int(steps), loss, accuracy, lr,
                                 (t + 1) * batch / seconds);
    if (log)
      *log << llvm::format("{\"step\": %d, \"loss\": %.6f, \"accuracy\": %.6f, \"lr\": %.6f}\n",
                           t + 1, loss, accuracy, lr);
  }
  llvm::outs() << llvm::format("mean loss of the first %d steps %.4f, of the last %d %.4f\n",
                               window, firstLosses, window, lastLosses);
  llvm::sys::fs::remove_directories(work);
  return 0;
}
