//===- Loader.h - batches made ahead of the step that uses them -*- C++ -*-===//
//
// Worker threads make the batches of the coming steps while the current one runs
// (docs/STAGES.md, "Loading ahead of compute"). Batches come out in step order and are
// the same whatever the number of threads: a worker draws a step's images from the
// sampler under a lock, in step order, and only then decodes and augments them.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_DATA_LOADER_H
#define SIMCLR_RUNTIME_DATA_LOADER_H

#include "runtime/data/Sampler.h"

#include "runtime/support/Error.h"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mlir::simclr::data {

/// One step's inputs.
struct Batch {
  int64_t step = 0;
  std::vector<int64_t> indices;      ///< the images drawn, in batch order
  std::vector<float> images;         ///< as `make` fills them
  std::vector<int32_t> labels;       ///< as `make` fills them
  uint64_t samplerEpoch = 0, samplerOffset = 0; ///< the sampler's position after the batch
  std::string error;                 ///< non-empty when `make` failed
};

/// Which part of the global batch a replica of a data-parallel run takes: every replica
/// draws the global batch (`replicas` x the batch size) from the same sampler, and
/// replica `rank` keeps images [rank x size, (rank + 1) x size) of it.
struct Slice {
  int rank = 0, replicas = 1;
};

class BatchLoader {
public:
  /// `make(batch)` fills `images` and `labels` of a batch whose step and indices are set;
  /// it runs on the workers, several at once, and reports failure in `batch.error`.
  using MakeFn = std::function<void(Batch &)>;

  /// Batches for steps [first, end), `batchSize` images each from `sampler` (which the
  /// loader advances), made by `workers` threads (0: by `next` itself); `slice` of a
  /// global batch of slice.replicas x batchSize images.
  BatchLoader(EpochSampler &sampler, int64_t batchSize, int64_t first, int64_t end,
              unsigned workers, MakeFn make, Slice slice = {});
  ~BatchLoader();
  BatchLoader(const BatchLoader &) = delete;
  BatchLoader &operator=(const BatchLoader &) = delete;

  /// The next step's batch, waiting for it; an error if making it failed.
  runtime::Expected<Batch> next();

private:
  void work();
  /// Claims the next step and draws its images (the lock held).
  Batch claim();

  EpochSampler &sampler;
  int64_t batchSize, nextToClaim, nextToTake, end;
  Slice slice;
  size_t depth;
  MakeFn make;
  std::mutex mutex;
  std::condition_variable changed;
  std::map<int64_t, Batch> ready;
  bool stopping = false;
  std::vector<std::thread> threads;
};

} // namespace mlir::simclr::data

#endif // SIMCLR_RUNTIME_DATA_LOADER_H
