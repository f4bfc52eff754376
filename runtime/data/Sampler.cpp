//===- Sampler.cpp - the order in which a stage visits its images ----------===//

#include "runtime/data/Sampler.h"
#include "runtime/data/Augment.h"

#include <utility>

using namespace mlir::simclr;
using namespace mlir::simclr::data;

EpochSampler::EpochSampler(std::vector<int64_t> indices, uint64_t seed)
    : indices(std::move(indices)), seed(seed) {
  current = order(0);
}

std::vector<int64_t> EpochSampler::order(uint64_t epoch) const {
  std::vector<int64_t> permutation = indices;
  // Fisher-Yates with explicit draws: the same order with every standard library.
  Random random = Random::forView(seed, epoch, ~uint64_t(0), ~uint64_t(0));
  for (size_t i = permutation.size(); i > 1; --i)
    std::swap(permutation[i - 1], permutation[random.below(i)]);
  return permutation;
}

int64_t EpochSampler::next() {
  if (indices.empty())
    return -1;
  if (position >= current.size())
    seek(currentEpoch + 1, 0);
  return current[position++];
}

void EpochSampler::seek(uint64_t epoch, uint64_t offset) {
  if (epoch != currentEpoch || current.empty())
    current = order(epoch);
  currentEpoch = epoch;
  position = offset;
}
