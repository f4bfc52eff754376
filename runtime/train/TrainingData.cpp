//===- TrainingData.cpp - the data a run trains and evaluates on -----------===//

#include "runtime/train/TrainingData.h"
#include "runtime/data/Subsets.h"

#include <algorithm>
#include <cstdio>

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

Expected<std::unique_ptr<data::Dataset>> runtime::openSplit(const std::string &directory,
                                                            data::Split split,
                                                            const StepSettings &settings,
                                                            const std::string &network,
                                                            uint64_t maxImagePixels) {
  auto set = data::openDataset(directory, split, int(settings.channels),
                               int64_t(std::min<uint64_t>(maxImagePixels, INT64_MAX)));
  if (set && (*set)->imageHeight() &&
      ((*set)->imageHeight() != settings.height || (*set)->imageWidth() != settings.width))
    return makeError(network + ": error: the network expects " +
                     std::to_string(settings.channels) + "x" + std::to_string(settings.height) +
                     "x" + std::to_string(settings.width) + " images, the data set in " +
                     directory + " has " + std::to_string((*set)->channels()) + "x" +
                     std::to_string((*set)->imageHeight()) + "x" +
                     std::to_string((*set)->imageWidth()));
  return set;
}

Error runtime::checkLabels(const data::Dataset &set, const std::vector<int64_t> &indices,
                           int64_t classes) {
  for (int64_t index : indices) {
    int32_t label = set.labels()[index];
    if (label < 0 || label >= classes)
      return makeError(set.location() + ": error: image " + std::to_string(index) +
                       " has label " + std::to_string(label) + ", the network's classifier has " +
                       std::to_string(classes) + " classes (0-" + std::to_string(classes - 1) +
                       ")");
  }
  return Error::success();
}

Expected<std::vector<int64_t>> runtime::validationImages(const data::Dataset &set,
                                                         const TrainingOptions &options) {
  if (options.validation == 0)
    return std::vector<int64_t>();
  if (options.validation >= set.size())
    return makeError(set.location() + ": error: --validation=" +
                     std::to_string(options.validation) + " holds out every image; the split has " +
                     std::to_string(set.size()));
  return data::validationSubset(set.labels(), options.validation);
}

Expected<TrainingImages> runtime::trainingImages(const data::Dataset &set,
                                                 const StepSettings &settings,
                                                 const TrainingOptions &options,
                                                 const std::vector<int64_t> &validation) {
  std::vector<int64_t> subset;
  if (!options.labelsPath.empty()) {
    auto listed = data::subsetFromFile(options.labelsPath, set.size(), set.names());
    if (!listed)
      return listed.takeError();
    subset = std::move(*listed);
    for (int64_t index : subset)
      if (std::binary_search(validation.begin(), validation.end(), index))
        return makeError(options.labelsPath + ": error: image " + std::to_string(index) +
                         " is in the validation split (--validation=" +
                         std::to_string(options.validation) + "); train on other images");
  } else if (options.labelFraction < 1) {
    subset = data::classBalancedSubset(set.labels(), options.labelFraction, options.seed,
                                       validation);
  } else {
    subset = data::imagesOutside(set.size(), validation);
  }
  if (settings.labelled)
    if (Error e = checkLabels(set, subset, settings.classes))
      return e;
  bool partly = settings.labelled && !settings.labelledImagesOnly();
  if (int64_t(subset.size()) != set.size()) {
    std::printf("training on %zu %simages of %lld", subset.size(),
                settings.labelled ? "labelled " : "", (long long)set.size());
    if (options.labelFraction < 1 || !options.labelsPath.empty())
      std::printf(options.labelsPath.empty() ? " (class-balanced)" : " (from the list)");
    if (partly)
      std::printf(" and %lld unlabelled",
                  (long long)(set.size() - int64_t(validation.size()) - int64_t(subset.size())));
    if (!validation.empty())
      std::printf("; %zu held out for validation", validation.size());
    std::printf("\n");
  }
  if (!partly)
    return TrainingImages{std::move(subset), {}};
  TrainingImages all{data::imagesOutside(set.size(), validation),
                     std::vector<bool>(size_t(set.size()), false)};
  for (int64_t index : subset)
    all.labelled[size_t(index)] = true;
  return all;
}

void runtime::makeTrainingBatch(const data::Dataset &set, const StepSettings &settings,
                                uint64_t seed, const std::vector<bool> &labelled,
                                data::Batch &made) {
  int64_t batch = settings.batch, views = settings.views;
  int64_t viewPixels = settings.channels * settings.height * settings.width;
  made.images.resize(batch * views * viewPixels);
  made.labels.resize(batch);
  for (int64_t i = 0; i < batch; ++i) {
    int64_t index = made.indices[i];
    made.labels[i] = labelled.empty() || labelled[size_t(index)] ? set.labels()[index] : -1;
    auto source = set.image(index);
    if (!source) {
      made.error = source.errorMessage();
      return;
    }
    for (int64_t v = 0; v < views; ++v) {
      data::Random random =
          data::Random::forView(seed, uint64_t(made.step), uint64_t(index), uint64_t(v));
      data::Image view = data::augment(*source, int(settings.height), int(settings.width),
                                       settings.augment, random);
      std::copy(view.pixels.begin(), view.pixels.end(),
                made.images.begin() + (v * batch + i) * viewPixels);
    }
  }
}
