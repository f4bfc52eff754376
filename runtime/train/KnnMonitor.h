//===- KnnMonitor.h - how good pretraining's features are -------*- C++ -*-===//
//
// The kNN monitor of pretraining (--knn, --knn-every): each of 1,000 test images takes
// the vote of its 20 most similar (cosine) of 5,000 training images, weighted by
// exp(similarity / 0.07), on the backbone's features (`embed`). The images are a seeded
// spread of each split, the same every time.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_TRAIN_KNNMONITOR_H
#define SIMCLR_RUNTIME_TRAIN_KNNMONITOR_H

#include "runtime/data/Dataset.h"
#include "runtime/exec/Executor.h"
#include "runtime/train/RunLog.h"

namespace mlir::simclr::runtime {

/// kNN top-1 of `embed`'s features, printed and logged; `step` > 0 marks a monitor during
/// training (logged with its step). With several replicas each embeds its share of the
/// images (embedImages).
Error knnMonitor(Executor &embed, const data::Dataset &train, const data::Dataset &test,
                 uint64_t seed, RunLog &log, Communicator &comm, int step = 0);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_TRAIN_KNNMONITOR_H
