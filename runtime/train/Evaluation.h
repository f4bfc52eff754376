//===- Evaluation.h - a network's accuracy on held-out images ---*- C++ -*-===//
//
// The evaluation entry points run over images as evaluation sees them (a centre crop at
// the network's size, data::evaluationView), in batches of the entry's batch size: top-1
// and top-5 through `predict` on the test split or the validation split (--eval), and the
// features `embed` gives, which the kNN monitor compares (KnnMonitor.h).
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_TRAIN_EVALUATION_H
#define SIMCLR_RUNTIME_TRAIN_EVALUATION_H

#include "runtime/comm/Communicator.h"
#include "runtime/data/Dataset.h"
#include "runtime/exec/Executor.h"
#include "runtime/train/RunLog.h"

#include <functional>
#include <string>
#include <vector>

namespace mlir::simclr::runtime {

/// Runs `executor` (an image batch in, one result [batch, width] out) over `indices` of
/// `set`, the last batch padded by repeating its last image; `use(position, row)` gets the
/// result row of each image.
Error runOverImages(Executor &executor, const data::Dataset &set,
                    const std::vector<int64_t> &indices,
                    const std::function<void(size_t, const float *)> &use);

/// The features `embed` gives `indices` of `set`, each row L2-normalised. With several
/// replicas each embeds its share of `indices` and every replica gets all the rows.
Expected<std::vector<float>> embedImages(Executor &embed, const data::Dataset &set,
                                         const std::vector<int64_t> &indices,
                                         Communicator &comm);

/// Top-1 (and top-5 with more than 5 classes) of `predict` on `indices` of `set`,
/// printed as "<split> top-1 ..." and logged as "<split>_top1" (split: "test",
/// "validation"), with "step" first when `step` > 0 (an evaluation during training);
/// each replica evaluates its share of the images and the counts are summed. Returns the
/// top-1, the same on every replica.
Expected<double> evaluateAccuracy(Executor &predict, const data::Dataset &set,
                                  const std::vector<int64_t> &indices, const std::string &split,
                                  RunLog &log, Communicator &comm, int step = 0);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_TRAIN_EVALUATION_H
