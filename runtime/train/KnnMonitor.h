//===- KnnMonitor.h - how good pretraining's features are -------*- C++ -*-===//
//
// The kNN monitor of pretraining (--knn, --knn-every): each of up to 1,000 query images
// takes the vote of its 20 most similar (cosine) of up to 5,000 training images, weighted
// by exp(similarity / 0.07), on the backbone's features (`embed`). The queries are the test
// split's, or the validation split's (--validation: the training images held out, which
// the bank then leaves out), the split on which to choose a recipe. The images are a
// seeded spread of each, the same every time.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_TRAIN_KNNMONITOR_H
#define SIMCLR_RUNTIME_TRAIN_KNNMONITOR_H

#include "runtime/data/Dataset.h"
#include "runtime/exec/Executor.h"
#include "runtime/train/RunLog.h"

namespace mlir::simclr::runtime {

/// Where the monitor's queries come from: `images` of `set`, named `split` ("test",
/// "validation") in what is printed and logged.
struct KnnQueries {
  const data::Dataset &set;
  std::vector<int64_t> images;
  std::string split;
};

/// kNN top-1 of `embed`'s features, printed and logged (`knn_top1` for the test split,
/// `knn_<split>_top1` otherwise), the bank drawn from `bankImages` of `train`; `step` > 0
/// marks a monitor during training (logged with its step). With several replicas each
/// embeds its share of the images (embedImages).
Error knnMonitor(Executor &embed, const data::Dataset &train,
                 const std::vector<int64_t> &bankImages, const KnnQueries &queries,
                 uint64_t seed, RunLog &log, Communicator &comm, int step = 0);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_TRAIN_KNNMONITOR_H
