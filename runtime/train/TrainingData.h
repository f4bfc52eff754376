//===- TrainingData.h - the data a run trains and evaluates on --*- C++ -*-===//
//
// The data set's splits opened for a network (array formats must have its image size),
// the images a labelled stage trains on, and the batches of a step: each image drawn by
// the sampler, decoded, and augmented once per view as the stage's recipe says, from a
// generator seeded by (seed, step, image, view).
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_TRAIN_TRAININGDATA_H
#define SIMCLR_RUNTIME_TRAIN_TRAININGDATA_H

#include "runtime/data/Dataset.h"
#include "runtime/data/Loader.h"
#include "runtime/train/Options.h"
#include "runtime/train/StepSettings.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir::simclr::runtime {

/// The data set's `split` for the network of `settings`; `network` names the module in
/// errors (an array format of another image size). JPEGs of more than `maxImagePixels`
/// are refused.
Expected<std::unique_ptr<data::Dataset>> openSplit(const std::string &directory,
                                                   data::Split split,
                                                   const StepSettings &settings,
                                                   const std::string &network,
                                                   uint64_t maxImagePixels);

/// An error for the first of `indices` whose label the classifier (`classes` outputs) has
/// no output for: it would index past the logits.
Error checkLabels(const data::Dataset &set, const std::vector<int64_t> &indices,
                  int64_t classes);

/// The validation split of `set` (--validation): none, or that many class-balanced
/// labelled images held out of training; an error when it would hold out every image.
Expected<std::vector<int64_t>> validationImages(const data::Dataset &set,
                                                const TrainingOptions &options);

/// The images a run trains on, and which of them carry their label into the step.
struct TrainingImages {
  std::vector<int64_t> images;
  /// Per image of the set: whether its label reaches the step (-1 goes instead); empty
  /// when every image's does.
  std::vector<bool> labelled;
};

/// The images a run trains on, never one of `validation` (sorted; a listed one is an
/// error). The labelled images are the class-balanced fraction or the listed images
/// (--label-fraction, --labels), else all: fine-tuning and linear evaluation train on them
/// alone, a labelled distillation step on every image with the others' labels hidden.
/// Says so when it is a subset.
Expected<TrainingImages> trainingImages(const data::Dataset &set, const StepSettings &settings,
                                        const TrainingOptions &options,
                                        const std::vector<int64_t> &validation);

/// Fills `batch` (its step and images drawn): every view of every image, augmented, in
/// the layout train_step takes ([views x batch, C, H, W]), and the labels (-1 for an image
/// that `labelled`, when not empty, says carries none).
void makeTrainingBatch(const data::Dataset &set, const StepSettings &settings, uint64_t seed,
                       const std::vector<bool> &labelled, data::Batch &batch);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_TRAIN_TRAININGDATA_H
