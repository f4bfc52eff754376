//===- Loader.cpp - batches made ahead of the step that uses them ----------===//

#include "runtime/data/Loader.h"

using namespace mlir::simclr;
using namespace mlir::simclr::data;

BatchLoader::BatchLoader(EpochSampler &sampler, int64_t batchSize, int64_t first, int64_t end,
                         unsigned workers, MakeFn make, Slice slice)
    : sampler(sampler), batchSize(batchSize), nextToClaim(first), nextToTake(first), end(end),
      slice(slice), depth(workers + 1), make(std::move(make)) {
  for (unsigned w = 0; w < workers; ++w)
    threads.emplace_back([this] { work(); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  changed.notify_all();
  for (std::thread &thread : threads)
    thread.join();
}

Batch BatchLoader::claim() {
  Batch batch;
  batch.step = nextToClaim++;
  batch.indices.resize(batchSize);
  for (int r = 0; r < slice.replicas; ++r)
    for (int64_t i = 0; i < batchSize; ++i) {
      int64_t index = sampler.next();
      if (r == slice.rank)
        batch.indices[i] = index;
    }
  batch.samplerEpoch = sampler.epoch();
  batch.samplerOffset = sampler.offset();
  return batch;
}

void BatchLoader::work() {
  std::unique_lock<std::mutex> lock(mutex);
  while (true) {
    // At most `depth` batches claimed and not yet taken.
    changed.wait(lock, [&] {
      return stopping || nextToClaim >= end || size_t(nextToClaim - nextToTake) < depth;
    });
    if (stopping || nextToClaim >= end)
      return;
    Batch batch = claim();
    lock.unlock();
    make(batch);
    lock.lock();
    int64_t step = batch.step;
    ready.emplace(step, std::move(batch));
    changed.notify_all();
  }
}

runtime::Expected<Batch> BatchLoader::next() {
  Batch batch;
  if (threads.empty()) {
    if (nextToTake >= end)
      return runtime::makeError("no more batches");
    batch = claim();
    make(batch);
  } else {
    std::unique_lock<std::mutex> lock(mutex);
    if (nextToTake >= end)
      return runtime::makeError("no more batches");
    changed.wait(lock, [&] { return ready.count(nextToTake) != 0; });
    auto it = ready.find(nextToTake);
    batch = std::move(it->second);
    ready.erase(it);
  }
  ++nextToTake;
  changed.notify_all();
  if (!batch.error.empty())
    return runtime::makeError(batch.error);
  return batch;
}
