//===- Staging.h - where a GPU run's arguments are staged -------*- C++ -*-===//
//
// Each argument of each executor is staged through pinned host memory into GPU memory,
// in two slots used in turn, so that the next run's batch is copied (on the copy stream)
// while this run computes (docs/CUDA.md, "Memory").
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CUDA_STAGING_H
#define SIMCLR_RUNTIME_CUDA_STAGING_H

#include <cuda_runtime.h>

#include <cstddef>
#include <vector>

namespace mlir::simclr::cuda {

/// One slot: pinned host memory, its copy on the GPU, and the event that says the copy is
/// done.
struct Staging {
  void *device = nullptr, *host = nullptr;
  size_t bytes = 0;
  cudaEvent_t copied = nullptr;
};

/// An argument's two slots, and which the next run takes.
struct ArgumentSlots {
  Staging slot[2];
  int next = 0;
};

inline void freeSlot(Staging &s) {
  if (s.device)
    cudaFree(s.device);
  if (s.host)
    cudaFreeHost(s.host);
  if (s.copied)
    cudaEventDestroy(s.copied);
  s = Staging{};
}

inline void freeStaging(std::vector<ArgumentSlots> &arguments) {
  for (ArgumentSlots &slots : arguments)
    for (Staging &s : slots.slot)
      freeSlot(s);
}

} // namespace mlir::simclr::cuda

#endif // SIMCLR_RUNTIME_CUDA_STAGING_H
