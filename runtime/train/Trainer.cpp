//===- Trainer.cpp - the training loop of the CPU runtime ------------------===//

#include "runtime/train/Trainer.h"
#include "runtime/Safetensors.h"
#include "runtime/cpu/Executor.h"
#include "runtime/data/Augment.h"
#include "runtime/data/Dataset.h"
#include "runtime/data/Loader.h"
#include "runtime/data/Sampler.h"
#include "runtime/data/Subsets.h"
#include "runtime/train/ExecutableMain.h"
#include "runtime/train/Plot.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <chrono>
#include <map>
#include <numeric>
#include <cmath>

namespace cl = llvm::cl;
using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

namespace {

int fail(const llvm::Twine &message) {
  llvm::errs() << message << "\n";
  return 1;
}

/// The flags, created on first use so that tools linking the runtime without training
/// anything do not carry them.
struct Flags {
  cl::OptionCategory category{"training options"};
  cl::opt<std::string> data{"data", cl::desc("Directory of a data set: IDX (MNIST, Fashion-MNIST), "
                                               "CIFAR-10 binary, or ImageFolder (train/<class>/*.jpg)"),
                            cl::init(TrainingOptions().dataDirectory), cl::cat(category)};
  cl::opt<int> steps{"steps", cl::desc("Training steps"), cl::init(100), cl::cat(category)};
  cl::opt<uint64_t> seed{"seed", cl::desc("Seed of weights and batches"), cl::init(1),
                         cl::cat(category)};
  cl::opt<std::string> log{"log", cl::desc("Write one JSON line per step here"),
                           cl::value_desc("file"), cl::cat(category)};
  cl::opt<std::string> init{"init",
                            cl::desc("Start from these weights (safetensors): parameters and "
                                     "BN statistics of the same names"),
                            cl::value_desc("file"), cl::cat(category)};
  cl::opt<std::string> teacher{"teacher",
                               cl::desc("Distillation: the teacher's weights (safetensors, "
                                        "as a fine-tuning run saves them)"),
                               cl::value_desc("file"), cl::cat(category)};
  cl::opt<std::string> save{"save",
                            cl::desc("Write every parameter and state tensor here (safetensors) "
                                     "at the end"),
                            cl::value_desc("file"), cl::cat(category)};
  cl::opt<std::string> resume{"resume",
                              cl::desc("Start from every variable in this file (safetensors), "
                                       "optimizer state included; all must be there"),
                              cl::value_desc("file"), cl::cat(category)};
  cl::opt<std::string> inputs{"inputs",
                              cl::desc("Run one step on the arguments in this file (arg0, "
                                       "arg1, ...; safetensors) instead of training"),
                              cl::value_desc("file"), cl::cat(category)};
  cl::opt<std::string> outputs{"outputs",
                               cl::desc("With --inputs: write the step's results here "
                                        "(result0, result1, ...; float32 safetensors)"),
                               cl::value_desc("file"), cl::cat(category)};
  cl::opt<bool> evaluate{"eval",
                         cl::desc("After training, report test top-1 (and top-5 with more "
                                  "than 5 classes) on the data set's test split through the "
                                  "predict entry point"),
                         cl::cat(category)};
  cl::opt<double> labelFraction{
      "label-fraction",
      cl::desc("Fine-tuning, linear evaluation: train on this class-balanced fraction of the "
               "images (0.01, 0.1, ...; default 1, all)"),
      cl::init(1.0), cl::cat(category)};
  cl::opt<std::string> labels{"labels",
                              cl::desc("Fine-tuning, linear evaluation: train on the images "
                                       "this file lists (one per line: a 0-based image number, "
                                       "or an ImageFolder image's path or file name)"),
                              cl::value_desc("file"), cl::cat(category)};
  cl::opt<std::string> checkpoint{
      "checkpoint",
      cl::desc("Write every variable and the run's position here (safetensors, atomically): "
               "every --checkpoint-every steps and at the end; --resume continues from it"),
      cl::value_desc("file"), cl::cat(category)};
  cl::opt<int> checkpointEvery{"checkpoint-every",
                               cl::desc("Steps between checkpoints (0: only at the end)"),
                               cl::init(0), cl::cat(category)};
  cl::opt<bool> knn{"knn",
                    cl::desc("After pretraining, report the kNN top-1 of the backbone's "
                             "features (embed): 1,000 test images against 5,000 training "
                             "images, k = 20, cosine similarity"),
                    cl::cat(category)};
  cl::opt<int> knnEvery{"knn-every",
                        cl::desc("Pretraining: run the kNN monitor also every N steps"),
                        cl::init(0), cl::cat(category)};
  cl::opt<unsigned> loaderThreads{
      "loader-threads",
      cl::desc("Threads that decode and augment the next batches while a step runs (0: "
               "make each batch in the training thread)"),
      cl::init(1), cl::cat(category)};
  cl::opt<bool> profile{"profile",
                        cl::desc("Print where the steps' time goes (every step after the first)"),
                        cl::cat(category)};
};

Flags &flags() {
  static Flags instance;
  return instance;
}

/// A setting of the module's train_step (flattened metadata, see docs/MODULE.md).
llvm::Expected<double> setting(const LoadedModule &module, const std::string &key) {
  std::optional<std::string> text = module.metadata("train_step:" + key);
  double value = 0;
  if (!text || llvm::StringRef(*text).getAsDouble(value))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   module.path() + ": error: the module has no numeric setting "
                                                   "train_step:" +
                                       key);
  return value;
}

/// The augmentations of the module's stage (flat metadata train_step:simclr.augment.*;
/// the recipe's defaults where a module has none).
data::AugmentSettings augmentSettingsOf(const LoadedModule &module, const std::string &stage) {
  data::AugmentSettings settings;
  settings.pretraining = stage == "pretrain";
  auto text = [&](const char *key) {
    return module.metadata(std::string("train_step:simclr.augment.") + key).value_or("");
  };
  double number;
  if (!llvm::StringRef(text("crop_min_area")).getAsDouble(number))
    settings.cropMinArea = number;
  if (!llvm::StringRef(text("color_strength")).getAsDouble(number))
    settings.colorStrength = number;
  if (!text("flip").empty())
    settings.flip = text("flip") == "true";
  if (!text("blur").empty())
    settings.blur = text("blur") == "true";
  return settings;
}

std::string stageOf(const LoadedModule &module) {
  return module.metadata("train_step:simclr.stage").value_or("");
}

/// Time per step by kind of instruction, then the slowest instructions.
void printProfile(const std::vector<cpu::Executor::ProfileEntry> &entries,
                  llvm::raw_ostream &os) {
  if (entries.empty() || entries.front().calls == 0)
    return;
  double steps = double(entries.front().calls), total = 0;
  std::map<std::string, std::pair<double, int>> byKind;
  for (const auto &e : entries) {
    llvm::StringRef op = llvm::StringRef(e.what).split(' ').second.split(' ').first;
    byKind[op.str()].first += e.seconds / steps;
    byKind[op.str()].second += 1;
    total += e.seconds / steps;
  }
  os << llvm::format("profile: %.1f ms per step over %d steps\n", total * 1e3, int(steps));
  std::vector<std::pair<double, std::string>> kinds;
  for (auto &[op, v] : byKind)
    kinds.push_back({v.first, op + " (" + std::to_string(v.second) + ")"});
  std::sort(kinds.rbegin(), kinds.rend());
  for (auto &[seconds, op] : kinds)
    os << llvm::format("  %8.2f ms  %5.1f%%  ", seconds * 1e3, 100 * seconds / total) << op << "\n";
  std::vector<std::pair<double, std::string>> slowest;
  for (const auto &e : entries)
    slowest.push_back({e.seconds / steps, e.what});
  std::sort(slowest.rbegin(), slowest.rend());
  os << "slowest instructions:\n";
  for (size_t i = 0; i < slowest.size() && i < 15; ++i)
    os << llvm::format("  %8.2f ms  ", slowest[i].first * 1e3) << slowest[i].second << "\n";
}

/// Loads the checkpoints the options name (--resume, --init, --teacher) into `step`.
int loadCheckpoints(const LoadedModule &module, cpu::Executor &step,
                    const TrainingOptions &options, const std::string &stage,
                    std::map<std::string, std::string> *resumeMetadata = nullptr) {
  if (!options.resumePath.empty()) {
    auto checkpoint = readSafetensors(options.resumePath, resumeMetadata);
    if (!checkpoint)
      return fail(llvm::toString(checkpoint.takeError()));
    auto missing = step.loadVariables(*checkpoint, options.resumePath, "", true);
    if (!missing)
      return fail(llvm::toString(missing.takeError()));
    if (!missing->empty())
      return fail(options.resumePath + ": error: '" + missing->front() + "' is missing (" +
                  llvm::Twine(missing->size()) + " tensors in all)");
  }
  if (!options.initPath.empty()) {
    auto checkpoint = readSafetensors(options.initPath);
    if (!checkpoint)
      return fail(llvm::toString(checkpoint.takeError()));
    // A classifier for other classes (torchvision's 1000-class `fc`) is replaced, as when
    // fine-tuning a torchvision model; any other tensor of another shape is an error.
    for (const auto *v : *module.root().variables()) {
      llvm::StringRef name = v->name()->string_view();
      auto it = checkpoint->find(name.str());
      std::vector<int64_t> shape(v->shape()->begin(), v->shape()->end());
      if ((name == "fc.weight" || name == "fc.bias") && it != checkpoint->end() &&
          it->second.shape != shape) {
        llvm::outs() << options.initPath << ": " << name << " is for "
                     << it->second.shape.front() << " classes, this network has "
                     << shape.front() << ": its classifier starts fresh\n";
        checkpoint->erase(it);
      }
    }
    auto missing = step.loadVariables(*checkpoint, options.initPath);
    if (!missing)
      return fail(llvm::toString(missing.takeError()));
    size_t students = 0;
    for (const auto &[name, values] : step.variables)
      students += !llvm::StringRef(name).starts_with("teacher.") &&
                  !llvm::StringRef(name).starts_with("velocity.");
    if (missing->size() == students)
      return fail(options.initPath + ": error: has none of the network's tensors");
    llvm::outs() << "loaded " << (students - missing->size()) << " tensors from "
                 << options.initPath << "; " << missing->size() << " start fresh";
    for (size_t i = 0; i < missing->size() && i < 4; ++i)
      llvm::outs() << (i ? ", " : " (") << (*missing)[i];
    llvm::outs() << (missing->empty() ? "" : missing->size() > 4 ? ", ...)" : ")") << "\n";
  }
  bool hasTeacher = false;
  for (const auto &[name, values] : step.variables)
    hasTeacher |= llvm::StringRef(name).starts_with("teacher.");
  if (!options.teacherPath.empty()) {
    if (!hasTeacher)
      return fail(options.teacherPath + ": error: --teacher given, but the " + stage +
                  " network has no teacher");
    auto checkpoint = readSafetensors(options.teacherPath);
    if (!checkpoint)
      return fail(llvm::toString(checkpoint.takeError()));
    auto missing = step.loadVariables(*checkpoint, options.teacherPath, "teacher.");
    if (!missing)
      return fail(llvm::toString(missing.takeError()));
    if (!missing->empty())
      return fail(options.teacherPath + ": error: the teacher's '" +
                  llvm::StringRef(missing->front()).drop_front(8) + "' is missing (" +
                  llvm::Twine(missing->size()) + " tensors in all)");
  } else if (hasTeacher && options.resumePath.empty()) {
    llvm::errs() << "warning: no --teacher: distilling from a randomly initialised teacher\n";
  }
  return 0;
}

/// An executor of the evaluation entry point `name` holding the trained variables.
llvm::Expected<std::unique_ptr<cpu::Executor>>
evaluationExecutor(const LoadedModule &module, llvm::StringRef name,
                   const std::vector<cpu::KernelFn> &kernels, const cpu::Executor &trained) {
  auto created = cpu::Executor::create(module, name, kernels);
  if (created)
    (*created)->variables = trained.variables;
  return created;
}

/// The data set's `split` for a network taking `channels` x `height` x `width` images: an
/// array format must have that size (ImageFolder images are resized).
llvm::Expected<std::unique_ptr<data::Dataset>> openFor(const std::string &directory,
                                                       data::Split split, int64_t channels,
                                                       int64_t height, int64_t width,
                                                       const std::string &network) {
  auto set = data::openDataset(directory, split, int(channels));
  if (set && (*set)->imageHeight() &&
      ((*set)->imageHeight() != height || (*set)->imageWidth() != width))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        network + ": error: the network expects " + llvm::Twine(channels) + "x" +
            llvm::Twine(height) + "x" + llvm::Twine(width) + " images, the data set in " +
            directory + " has " + llvm::Twine((*set)->channels()) + "x" +
            llvm::Twine((*set)->imageHeight()) + "x" + llvm::Twine((*set)->imageWidth()));
  return set;
}

/// Image numbers 0 .. count - 1.
std::vector<int64_t> everyImage(int64_t count) {
  std::vector<int64_t> indices(size_t(std::max<int64_t>(count, 0)));
  std::iota(indices.begin(), indices.end(), int64_t(0));
  return indices;
}

/// An error for the first of `indices` whose label the classifier (`classes` outputs) has
/// no output for: it would index past the logits.
llvm::Error checkLabels(const data::Dataset &set, const std::vector<int64_t> &indices,
                        int64_t classes) {
  for (int64_t index : indices) {
    int32_t label = set.labels()[index];
    if (label < 0 || label >= classes)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          set.location() + ": error: image " + llvm::Twine(index) + " has label " +
              llvm::Twine(label) + ", the network's classifier has " + llvm::Twine(classes) +
              " classes (0-" + llvm::Twine(classes - 1) + ")");
  }
  return llvm::Error::success();
}

/// Runs `entry` (an image batch in, one result out) over `indices` of `set`, each image
/// as evaluation sees it (data::evaluationView), in batches of the entry's batch size, the
/// last one padded by repeating its last image; `use(position, row)` gets the result row
/// of each image.
llvm::Error runOverImages(cpu::Executor &executor, const format::EntryPoint &entry,
                          const data::Dataset &set, const std::vector<int64_t> &indices,
                          llvm::function_ref<void(size_t, const float *)> use) {
  auto in = entry.arguments()->Get(0)->shape(), out = entry.results()->Get(0)->shape();
  int64_t batch = in->Get(0), height = in->Get(2), width = in->Get(3);
  int64_t pixels = in->Get(1) * height * width;
  int64_t resultWidth = out->Get(1);
  std::vector<float> images(batch * pixels);
  for (size_t first = 0; first < indices.size(); first += size_t(batch)) {
    for (int64_t i = 0; i < batch; ++i) {
      auto image = set.image(indices[std::min(first + size_t(i), indices.size() - 1)]);
      if (!image)
        return image.takeError();
      data::Image view = data::evaluationView(*image, int(height), int(width));
      std::copy_n(view.pixels.data(), pixels, images.begin() + i * pixels);
    }
    auto results = executor.run({images.data()});
    if (!results)
      return results.takeError();
    for (int64_t i = 0; i < batch && first + size_t(i) < indices.size(); ++i)
      use(first + size_t(i), (*results)[0].data() + i * resultWidth);
  }
  return llvm::Error::success();
}

/// Test accuracy of `predict` on `test`.
int evaluateOnTestSet(const LoadedModule &module, const std::vector<cpu::KernelFn> &kernels,
                      const cpu::Executor &trained, const data::Dataset &test,
                      llvm::raw_ostream *log) {
  const format::EntryPoint &entry = *module.entryPoint("predict");
  auto predict = evaluationExecutor(module, "predict", kernels, trained);
  if (!predict)
    return fail(llvm::toString(predict.takeError()));
  int64_t classes = entry.results()->Get(0)->shape()->Get(1);
  const std::vector<int32_t> &labels = test.labels();
  std::vector<int64_t> all = everyImage(test.size());
  if (auto e = checkLabels(test, all, classes))
    return fail(llvm::toString(std::move(e)));
  int64_t top1 = 0, top5 = 0;
  if (auto e = runOverImages(**predict, entry, test, all,
                             [&](size_t image, const float *row) {
                               int32_t label = labels[image];
                               int64_t above = 0; // classes scored higher than the true one
                               for (int64_t c = 0; c < classes; ++c)
                                 above += row[c] > row[label];
                               top1 += above == 0;
                               top5 += above < 5;
                             }))
    return fail(llvm::toString(std::move(e)));
  int64_t count = test.size();
  double accuracy = double(top1) / count, accuracy5 = double(top5) / count;
  llvm::outs() << llvm::format("test top-1 %.4f", accuracy);
  if (classes > 5)
    llvm::outs() << llvm::format("  top-5 %.4f", accuracy5);
  llvm::outs() << " (" << count << " images of " << test.location() << ")\n";
  if (log) {
    *log << llvm::format("{\"test_top1\": %.6f", accuracy);
    if (classes > 5)
      *log << llvm::format(", \"test_top5\": %.6f", accuracy5);
    *log << llvm::format(", \"test_images\": %d}\n", int(count));
  }
  return 0;
}

/// The features `entry` gives `indices` of `set`, each row L2-normalised.
llvm::Expected<std::vector<float>> embedImages(cpu::Executor &embed,
                                               const format::EntryPoint &entry,
                                               const data::Dataset &set,
                                               const std::vector<int64_t> &indices) {
  int64_t dim = entry.results()->Get(0)->shape()->Get(1);
  std::vector<float> features(indices.size() * dim);
  if (auto e = runOverImages(embed, entry, set, indices, [&](size_t position, const float *row) {
        double norm = 0;
        for (int64_t d = 0; d < dim; ++d)
          norm += double(row[d]) * row[d];
        float scale = float(1.0 / std::max(std::sqrt(norm), 1e-12));
        for (int64_t d = 0; d < dim; ++d)
          features[position * dim + d] = row[d] * scale;
      }))
    return std::move(e);
  return features;
}

/// kNN monitor of pretraining: each of 1,000 test images takes the vote of its 20 most
/// similar (cosine) of 5,000 training images, weighted by exp(similarity / 0.07).
/// `step` > 0 marks a monitor during training (logged with its step).
int knnMonitor(const LoadedModule &module, const std::vector<cpu::KernelFn> &kernels,
               const cpu::Executor &trained, const data::Dataset &train,
               const data::Dataset &test, uint64_t seed, llvm::raw_ostream *log,
               int step = 0) {
  const format::EntryPoint &entry = *module.entryPoint("embed");
  auto embed = evaluationExecutor(module, "embed", kernels, trained);
  if (!embed)
    return fail(llvm::toString(embed.takeError()));
  int64_t dim = entry.results()->Get(0)->shape()->Get(1);
  std::vector<int64_t> bank = data::EpochSampler(everyImage(train.size()), seed).order(0);
  bank.resize(std::min<size_t>(bank.size(), 5000));
  // A spread of the test set (it may be sorted by class), the same every time.
  std::vector<int64_t> queries = data::EpochSampler(everyImage(test.size()), seed).order(0);
  queries.resize(std::min<size_t>(queries.size(), 1000));
  auto bankFeatures = embedImages(**embed, entry, train, bank);
  if (!bankFeatures)
    return fail(llvm::toString(bankFeatures.takeError()));
  auto queryFeatures = embedImages(**embed, entry, test, queries);
  if (!queryFeatures)
    return fail(llvm::toString(queryFeatures.takeError()));
  const int k = std::min<int>(20, int(bank.size()));
  int64_t correct = 0;
  std::vector<std::pair<float, int64_t>> similar(bank.size());
  for (size_t q = 0; q < queries.size(); ++q) {
    const float *a = queryFeatures->data() + q * dim;
    for (size_t b = 0; b < bank.size(); ++b) {
      const float *v = bankFeatures->data() + b * dim;
      float s = 0;
      for (int64_t d = 0; d < dim; ++d)
        s += a[d] * v[d];
      similar[b] = {s, int64_t(b)};
    }
    std::partial_sort(similar.begin(), similar.begin() + k, similar.end(),
                      [](const auto &x, const auto &y) { return x.first > y.first; });
    std::map<int32_t, double> votes;
    for (int j = 0; j < k; ++j)
      votes[train.labels()[bank[similar[j].second]]] += std::exp(similar[j].first / 0.07);
    int32_t best = std::max_element(votes.begin(), votes.end(), [](const auto &x, const auto &y) {
                     return x.second < y.second;
                   })->first;
    correct += best == test.labels()[queries[q]];
  }
  double accuracy = double(correct) / double(queries.size());
  if (step > 0)
    llvm::outs() << "step " << step << ": ";
  llvm::outs() << llvm::format("kNN top-1 %.4f (k=%d, %d training images, %d test images)\n",
                               accuracy, k, int(bank.size()), int(queries.size()));
  if (log) {
    if (step > 0)
      *log << llvm::format("{\"step\": %d, \"knn_top1\": %.6f}\n", step, accuracy);
    else
      *log << llvm::format("{\"knn_top1\": %.6f}\n", accuracy);
  }
  return 0;
}

/// --inputs: one step of train_step on the arguments in a file, results to --outputs.
int runOneStep(const LoadedModule &module, const KernelProvider &provideKernels,
               const TrainingOptions &options) {
  const format::EntryPoint *entry = module.entryPoint("train_step");
  if (!entry)
    return fail(module.path() + ": error: no entry point 'train_step'");
  auto file = readSafetensors(options.inputsPath);
  if (!file)
    return fail(llvm::toString(file.takeError()));
  // Every argument, converted to the type the step takes (float32, or int32 labels).
  std::vector<std::vector<float>> floats;
  std::vector<std::vector<int32_t>> ints;
  std::vector<const void *> arguments;
  floats.reserve(entry->arguments()->size());
  ints.reserve(entry->arguments()->size());
  for (auto [i, arg] : llvm::enumerate(*entry->arguments())) {
    std::string name = "arg" + std::to_string(i);
    auto it = file->find(name);
    std::vector<int64_t> shape(arg->shape()->begin(), arg->shape()->end());
    if (it == file->end())
      return fail(options.inputsPath + ": error: no tensor '" + name + "' for argument " +
                  llvm::Twine(i) + " of train_step");
    if (it->second.shape != shape)
      return fail(options.inputsPath + ": error: tensor '" + name +
                  "' has another shape than argument " + llvm::Twine(i) + " of train_step");
    std::vector<double> values = it->second.toDoubles();
    if (arg->dtype() == format::DType::I32) {
      ints.emplace_back(values.begin(), values.end());
      arguments.push_back(ints.back().data());
    } else {
      floats.emplace_back(values.begin(), values.end());
      arguments.push_back(floats.back().data());
    }
  }
  auto kernels = provideKernels();
  if (!kernels)
    return fail(llvm::toString(kernels.takeError()));
  auto executor = cpu::Executor::create(module, "train_step", std::move(*kernels));
  if (!executor)
    return fail(llvm::toString(executor.takeError()));
  cpu::Executor &step = **executor;
  if (auto e = step.initialize(options.seed))
    return fail(llvm::toString(std::move(e)));
  if (int rc = loadCheckpoints(module, step, options, stageOf(module)))
    return rc;
  auto results = step.run(arguments);
  if (!results)
    return fail(llvm::toString(results.takeError()));
  if (!options.outputsPath.empty()) {
    TensorMap out;
    for (auto [i, values] : llvm::enumerate(*results)) {
      const auto *ref = entry->results()->Get(i);
      out["result" + std::to_string(i)] = Tensor::fromDoubles(
          DType::F32, std::vector<int64_t>(ref->shape()->begin(), ref->shape()->end()),
          std::vector<double>(values.begin(), values.end()));
    }
    if (auto e = writeSafetensors(options.outputsPath, out))
      return fail(llvm::toString(std::move(e)));
  }
  if (!options.savePath.empty())
    if (auto e = writeSafetensors(options.savePath, step.saveVariables()))
      return fail(llvm::toString(std::move(e)));
  return 0;
}

} // namespace

llvm::cl::OptionCategory &runtime::trainingOptionCategory() { return flags().category; }

TrainingOptions runtime::trainingOptionsFromCommandLine() {
  Flags &f = flags();
  TrainingOptions options;
  options.dataDirectory = f.data;
  options.steps = f.steps;
  options.seed = f.seed;
  options.logPath = f.log;
  options.initPath = f.init;
  options.teacherPath = f.teacher;
  options.savePath = f.save;
  options.profile = f.profile;
  options.evaluate = f.evaluate;
  options.knn = f.knn;
  options.knnEvery = f.knnEvery;
  options.loaderThreads = f.loaderThreads;
  options.labelFraction = f.labelFraction;
  options.labelsPath = f.labels;
  options.checkpointPath = f.checkpoint;
  options.checkpointEvery = f.checkpointEvery;
  options.resumePath = f.resume;
  options.inputsPath = f.inputs;
  options.outputsPath = f.outputs;
  return options;
}

int runtime::train(const LoadedModule &module, const KernelProvider &provideKernels,
                   const TrainingOptions &options) {
  if (!options.inputsPath.empty())
    return runOneStep(module, provideKernels, options);
  if (!options.outputsPath.empty())
    return fail("--outputs needs --inputs");
  if (options.steps < 1)
    return fail("--steps must be at least 1");
  int64_t shape[5];
  const char *keys[5] = {"simclr.input.batch_size", "simclr.input.views", "simclr.input.channels",
                         "simclr.input.height", "simclr.input.width"};
  for (int i = 0; i < 5; ++i) {
    auto value = setting(module, keys[i]);
    if (!value)
      return fail(llvm::toString(value.takeError()));
    shape[i] = static_cast<int64_t>(*value);
  }
  auto [batch, views, channels, height, width] = shape;
  auto epochs = setting(module, "simclr.optimizer.epochs");
  auto warmupEpochs = setting(module, "simclr.optimizer.warmup_epochs");
  if (!epochs || !warmupEpochs) {
    llvm::consumeError(epochs.takeError());
    llvm::consumeError(warmupEpochs.takeError());
    return fail(module.path() + ": error: the module has no optimizer schedule settings");
  }
  std::string stage = stageOf(module);

  auto opened = openFor(options.dataDirectory, data::Split::Train, channels, height, width,
                        module.path());
  if (!opened)
    return fail(llvm::toString(opened.takeError()));
  const data::Dataset &set = **opened;
  bool hasPredict = module.entryPoint("predict") != nullptr;
  bool usesLabels = stage == "finetune" || stage == "linear_eval";
  if (!(options.labelFraction > 0 && options.labelFraction <= 1))
    return fail("--label-fraction must be in (0, 1]");
  if ((options.labelFraction < 1 || !options.labelsPath.empty()) && !usesLabels)
    return fail("--label-fraction and --labels choose labelled images; the " + stage +
                " stage uses no labels");
  if (options.labelFraction < 1 && !options.labelsPath.empty())
    return fail("give --label-fraction or --labels, not both");
  bool hasEmbed = module.entryPoint("embed") != nullptr;
  if ((options.knn || options.knnEvery) && !hasEmbed)
    return fail(module.path() + ": error: --knn needs an embed entry point, which only the "
                                "pretraining stage has");
  if (options.knnEvery < 0)
    return fail("--knn-every must be at least 0");
  if (options.loaderThreads > 64)
    return fail("--loader-threads must be at most 64");
  if (options.evaluate && !hasPredict)
    return fail(module.path() + ": error: --eval needs a predict entry point; the " + stage +
                " stage has none (its network ends in the projection head)");

  auto kernels = provideKernels();
  if (!kernels)
    return fail(llvm::toString(kernels.takeError()));
  auto executor = cpu::Executor::create(module, "train_step", *kernels);
  if (!executor)
    return fail(llvm::toString(executor.takeError()));
  cpu::Executor &step = **executor;
  if (auto e = step.initialize(options.seed))
    return fail(llvm::toString(std::move(e)));

  // Arguments: images, labels when the stage has them (int32), step, warmup, total.
  const format::EntryPoint *entry = module.entryPoint("train_step");
  size_t numArguments = entry->arguments()->size();
  bool labelled = numArguments == 5 && entry->arguments()->Get(1)->dtype() == format::DType::I32;
  if (numArguments != (labelled ? 5u : 4u) ||
      entry->arguments()->Get(0)->shape()->size() != 4 ||
      entry->arguments()->Get(0)->shape()->Get(0) != batch * views)
    return fail(module.path() + ": error: train_step does not take (images, [labels,] step, "
                                "warmup, total) for a batch of " +
                llvm::Twine(batch) + " x " + llvm::Twine(views) + " views");

  if (options.checkpointEvery < 0)
    return fail("--checkpoint-every must be at least 0");
  if (options.checkpointEvery > 0 && options.checkpointPath.empty())
    return fail("--checkpoint-every needs --checkpoint");
  std::map<std::string, std::string> resumed;
  if (int rc = loadCheckpoints(module, step, options, stage, &resumed))
    return rc;
  // A checkpoint of a run (--checkpoint) says where that run was; weights alone start at 0.
  int firstStep = 0;
  uint64_t resumeEpoch = 0, resumeOffset = 0;
  if (resumed.count("step")) {
    uint64_t seed = 0;
    if (llvm::StringRef(resumed["step"]).getAsInteger(10, firstStep) ||
        llvm::StringRef(resumed["sampler_epoch"]).getAsInteger(10, resumeEpoch) ||
        llvm::StringRef(resumed["sampler_offset"]).getAsInteger(10, resumeOffset) ||
        llvm::StringRef(resumed["seed"]).getAsInteger(10, seed) || firstStep < 0)
      return fail(options.resumePath + ": error: the run's position in its metadata is not valid");
    if (resumed["stage"] != stage)
      return fail(options.resumePath + ": error: a checkpoint of a " + resumed["stage"] +
                  " run, this is a " + stage + " run");
    if (seed != options.seed)
      return fail(options.resumePath + ": error: the run used --seed=" + llvm::Twine(seed) +
                  "; resume it with the same seed");
    if (resumed["total_steps"] != std::to_string(options.steps))
      return fail(options.resumePath + ": error: the run had --steps=" + resumed["total_steps"] +
                  "; resume it with the same number of steps");
    if (firstStep >= options.steps)
      return fail(options.resumePath + ": error: the run had finished (" +
                  llvm::Twine(firstStep) + " steps)");
    llvm::outs() << "resuming at step " << firstStep + 1 << " of " << options.steps << "\n";
  }

  std::error_code ec;
  std::unique_ptr<llvm::raw_fd_ostream> log;
  if (!options.logPath.empty()) {
    // A resumed run keeps the log's lines up to its checkpoint and drops the steps the
    // stopped run did after it, which are done again.
    std::string kept;
    if (firstStep > 0)
      if (auto old = llvm::MemoryBuffer::getFile(options.logPath)) {
        llvm::SmallVector<llvm::StringRef> lines;
        (*old)->getBuffer().split(lines, '\n', -1, false);
        for (llvm::StringRef line : lines) {
          auto value = llvm::json::parse(line);
          std::optional<int64_t> stepOfLine;
          if (!value)
            llvm::consumeError(value.takeError());
          else if (const llvm::json::Object *object = value->getAsObject())
            stepOfLine = object->getInteger("step");
          if (stepOfLine && *stepOfLine <= firstStep)
            kept += line.str() + "\n";
        }
      }
    log = std::make_unique<llvm::raw_fd_ostream>(options.logPath, ec);
    if (ec)
      return fail(options.logPath + ": error: " + ec.message());
    *log << kept;
  }
  double warmupFraction = *epochs > 0 ? *warmupEpochs / *epochs : 0.0;
  float total = float(options.steps), warmup = std::round(float(options.steps * warmupFraction));
  // Images in a fresh permutation every epoch; each view augmented as the stage's recipe
  // says, from a generator seeded by (seed, step, image, view).
  data::AugmentSettings augmentation = augmentSettingsOf(module, stage);
  std::vector<int64_t> subset;
  if (!options.labelsPath.empty()) {
    auto listed = data::subsetFromFile(options.labelsPath, set.size(), set.names());
    if (!listed)
      return fail(llvm::toString(listed.takeError()));
    subset = std::move(*listed);
  } else if (options.labelFraction < 1) {
    subset = data::classBalancedSubset(set.labels(), options.labelFraction, options.seed);
  } else {
    subset = everyImage(set.size());
  }
  if (int64_t(subset.size()) != set.size())
    llvm::outs() << "training on " << subset.size() << " labelled images of " << set.size()
                 << (options.labelsPath.empty() ? " (class-balanced)" : " (from the list)")
                 << "\n";
  if (labelled) {
    auto classes = setting(module, "simclr.input.num_classes");
    if (!classes)
      return fail(llvm::toString(classes.takeError()));
    if (auto e = checkLabels(set, subset, int64_t(*classes)))
      return fail(llvm::toString(std::move(e)));
  }
  data::EpochSampler sampler(std::move(subset), options.seed);
  if (firstStep > 0)
    sampler.seek(resumeEpoch, resumeOffset);
  // The sampler runs ahead with the loader: a checkpoint records the position after the
  // batch of the step it follows.
  auto writeCheckpoint = [&](const data::Batch &batch) -> llvm::Error {
    return writeSafetensors(options.checkpointPath, step.saveVariables(),
                            {{"stage", stage},
                             {"step", std::to_string(batch.step + 1)},
                             {"total_steps", std::to_string(options.steps)},
                             {"seed", std::to_string(options.seed)},
                             {"sampler_epoch", std::to_string(batch.samplerEpoch)},
                             {"sampler_offset", std::to_string(batch.samplerOffset)}});
  };
  // Testing hook: SIMCLR_KILL_AFTER_STEP=N kills the process (SIGKILL, no clean-up) once
  // step N and its checkpoint are done, as a crash or an operator would.
  int killAfter = 0, poisonStep = 0;
  if (const char *kill = std::getenv("SIMCLR_KILL_AFTER_STEP"))
    killAfter = std::atoi(kill);
  // Testing hook: SIMCLR_NAN_IMAGES_AT_STEP=N feeds step N images of NaN, as corrupt data
  // would, to exercise what happens when the loss stops being finite.
  if (const char *poison = std::getenv("SIMCLR_NAN_IMAGES_AT_STEP"))
    poisonStep = std::atoi(poison);
  // The test split, opened when evaluation first needs it and kept for the rest of the run.
  std::unique_ptr<data::Dataset> testSet;
  auto testSplit = [&]() -> const data::Dataset * {
    if (!testSet) {
      auto opened = openFor(options.dataDirectory, data::Split::Test, channels, height, width,
                            module.path());
      if (!opened) {
        fail(llvm::toString(opened.takeError()));
        return nullptr;
      }
      testSet = std::move(*opened);
    }
    return testSet.get();
  };
  auto monitor = [&](int stepNumber) {
    const data::Dataset *test = testSplit();
    return test ? knnMonitor(module, *kernels, step, set, *test, options.seed, log.get(),
                             stepNumber)
                : 1;
  };
  // Batches are made on the loader's threads: each image decoded, each view augmented.
  int64_t viewPixels = channels * height * width;
  data::BatchLoader loader(
      sampler, batch, firstStep, options.steps, options.loaderThreads,
      [&](data::Batch &made) {
        made.images.resize(batch * views * viewPixels);
        made.labels.resize(batch);
        for (int64_t i = 0; i < batch; ++i) {
          int64_t index = made.indices[i];
          made.labels[i] = set.labels()[index];
          auto source = set.image(index);
          if (!source) {
            made.error = llvm::toString(source.takeError());
            return;
          }
          for (int64_t v = 0; v < views; ++v) {
            data::Random random = data::Random::forView(options.seed, uint64_t(made.step),
                                                        uint64_t(index), uint64_t(v));
            data::Image view =
                data::augment(*source, int(height), int(width), augmentation, random);
            std::copy(view.pixels.begin(), view.pixels.end(),
                      made.images.begin() + (v * batch + i) * viewPixels);
          }
        }
      });
  double firstLosses = 0, lastLosses = 0;
  int window = std::max(1, std::min(10, options.steps / 2));
  auto start = std::chrono::steady_clock::now();
  for (int t = firstStep; t < options.steps; ++t) {
    auto next = loader.next();
    if (!next)
      return fail("step " + llvm::Twine(t + 1) + ": " + llvm::toString(next.takeError()));
    data::Batch &current = *next;
    std::vector<float> &images = current.images;
    std::vector<int32_t> &labels = current.labels;
    if (poisonStep == t + 1)
      std::fill(images.begin(), images.end(), std::nanf(""));
    float stepNumber = float(t);
    std::vector<const void *> args = {images.data()};
    if (labelled)
      args.push_back(labels.data());
    args.insert(args.end(), {&stepNumber, &warmup, &total});
    auto results = step.run(args);
    if (!results)
      return fail(llvm::toString(results.takeError()));
    float loss = (*results)[0][0], accuracy = (*results)[1][0], lr = (*results)[2][0];
    if (!std::isfinite(loss)) {
      // Keep what there is for inspection, beside the checkpoint (or here), and stop.
      std::string base = options.checkpointPath.empty() ? "simclr" : options.checkpointPath;
      if (llvm::StringRef(base).ends_with(".safetensors"))
        base.resize(base.size() - std::strlen(".safetensors"));
      std::string saved = base + ".nan-step" + std::to_string(t + 1) + ".safetensors";
      if (auto e = writeSafetensors(saved, step.saveVariables(),
                                    {{"stage", stage}, {"step", std::to_string(t + 1)},
                                     {"loss", std::isnan(loss) ? "nan" : "inf"}}))
        llvm::consumeError(std::move(e)), saved = "(could not be saved)";
      return fail("step " + llvm::Twine(t + 1) + ": the loss is " +
                  (std::isnan(loss) ? "NaN" : "infinite") + "; stopping. The variables after " +
                  "this step are in " + saved + (options.checkpointPath.empty() ? "" :
                  "; the last good checkpoint is " + options.checkpointPath) +
                  ". A lower learning rate may help.");
    }
    if (t - firstStep < window)
      firstLosses += loss / window;
    if (t >= options.steps - window)
      lastLosses += loss / window;
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double perStep = seconds / double(t + 1 - firstStep);
    int eta = int(std::lround(perStep * double(options.steps - t - 1)));
    int percent = int(100 * (t + 1) / options.steps);
    std::string bar = "[" + std::string(size_t(percent / 5), '#') +
                      std::string(size_t(20 - percent / 5), '.') + "]";
    llvm::outs() << llvm::format("step %d/%d  loss %.4f  accuracy %.3f  lr %.5f  %.1f images/s"
                                 "  %s %3d%%  ETA %d:%02d\n",
                                 t + 1, options.steps, loss, accuracy, lr,
                                 (t + 1 - firstStep) * batch / seconds, bar.c_str(), percent,
                                 eta / 60, eta % 60);
    llvm::outs().flush();
    if (options.profile && t == 0)
      step.setProfiling(true); // the first step creates oneDNN primitives: left out
    if (log) {
      *log << llvm::format("{\"step\": %d, \"loss\": %.6f, \"accuracy\": %.6f, \"lr\": %.6f}\n",
                           t + 1, loss, accuracy, lr);
      log->flush();
    }
    bool last = t + 1 == options.steps;
    if (!options.checkpointPath.empty() &&
        (last || (options.checkpointEvery > 0 && (t + 1) % options.checkpointEvery == 0)))
      if (auto e = writeCheckpoint(current))
        return fail(llvm::toString(std::move(e)));
    if (options.knnEvery > 0 && (t + 1) % options.knnEvery == 0 && !last)
      if (int rc = monitor(t + 1))
        return rc;
    if (killAfter == t + 1)
      std::raise(SIGKILL);
  }
  llvm::outs() << llvm::format("mean loss of the first %d steps %.4f, of the last %d %.4f\n",
                               window, firstLosses, window, lastLosses);
  if (options.profile && options.steps > 1)
    printProfile(step.profile(), llvm::outs());
  if (options.evaluate) {
    const data::Dataset *test = testSplit();
    if (!test)
      return 1;
    if (int rc = evaluateOnTestSet(module, *kernels, step, *test, log.get()))
      return rc;
  }
  if (options.knn || options.knnEvery > 0)
    if (int rc = monitor(0))
      return rc;
  if (log) { // the curves beside the log: run.jsonl -> run.svg
    log->close();
    llvm::StringRef logPath = options.logPath;
    std::string svg = (logPath.ends_with(".jsonl") ? logPath.drop_back(6) : logPath).str() + ".svg";
    if (auto e = plotLog(options.logPath, svg, module.root().name()
                                                   ? module.root().name()->str() + " (" + stage + ")"
                                                   : stage))
      return fail(llvm::toString(std::move(e)));
  }
  if (!options.savePath.empty()) {
    if (auto e = writeSafetensors(options.savePath, step.saveVariables(),
                                  {{"stage", stage}, {"steps", std::to_string(options.steps)}}))
      return fail(llvm::toString(std::move(e)));
    llvm::outs() << "saved " << options.savePath << "\n";
  }
  return 0;
}

int runtime::executableMain(int argc, char **argv, const uint8_t *bytes, size_t size,
                            const cpu::KernelFn *kernels, size_t kernelCount) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions({&trainingOptionCategory()});
  cl::ParseCommandLineOptions(argc, argv,
                              "A SimCLRv2 training step compiled by simclrc, on the CPU\n");
  auto module = parseModule(std::vector<uint8_t>(bytes, bytes + size),
                            std::string(argv[0]) + " (embedded module)");
  if (!module)
    return fail(llvm::toString(module.takeError()));
  size_t expected = module->root().kernels() ? module->root().kernels()->size() : 0;
  if (kernelCount != expected)
    return fail(module->path() + ": error: " + llvm::Twine(kernelCount) +
                " kernels are linked, the module has " + llvm::Twine(expected));
  return train(
      *module,
      [&]() -> llvm::Expected<std::vector<cpu::KernelFn>> {
        return std::vector<cpu::KernelFn>(kernels, kernels + kernelCount);
      },
      trainingOptionsFromCommandLine());
}
