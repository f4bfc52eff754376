//===- Sampler.h - the order in which a stage visits its images -*- C++ -*-===//
//
// Epoch by epoch: each epoch is a permutation of the images (all of them, or a labelled
// subset) drawn from (seed, epoch) alone, so a run that resumes at (epoch, offset) sees
// exactly the images it would have seen.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_DATA_SAMPLER_H
#define SIMCLR_RUNTIME_DATA_SAMPLER_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mlir::simclr::data {

class EpochSampler {
public:
  /// Visits `indices` (image numbers in the data set), reshuffled every epoch.
  EpochSampler(std::vector<int64_t> indices, uint64_t seed);

  /// The next image; moves into the next epoch after the last one. -1 if there are none.
  int64_t next();

  /// Images visited in every epoch.
  size_t size() const { return indices.size(); }
  uint64_t epoch() const { return currentEpoch; }
  uint64_t offset() const { return position; }
  /// Continues from a position `epoch()`/`offset()` reported.
  void seek(uint64_t epoch, uint64_t offset);

  /// The permutation of epoch `epoch`.
  std::vector<int64_t> order(uint64_t epoch) const;

private:
  std::vector<int64_t> indices, current;
  uint64_t seed, currentEpoch = 0, position = 0;
};

} // namespace mlir::simclr::data

#endif // SIMCLR_RUNTIME_DATA_SAMPLER_H
