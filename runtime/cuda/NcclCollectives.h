//===- NcclCollectives.h - a GPU's collectives across replicas --*- C++ -*-===//
//
// docs/DISTRIBUTED.md, "NCCL". One GPU per process. The NCCL communicator is bootstrapped
// over the run's host communicator (MPI under mpirun): rank 0 makes the ncclUniqueId and
// every rank takes rank 0's. Collectives run on a stream of their own: each waits (on the
// GPU, through an event) for the compute stream's work issued before it, and the compute
// stream waits for it (another event) where the executor waits for it, so the work in
// between overlaps it; both streams' work lands in a CUDA graph the device captures.
// A GPU cannot time out by itself: waiting on the host polls the stream and NCCL's
// asynchronous errors, and past the timeout reports which rank waited; the run then ends
// the job (MPI_Abort), which ends the GPU's work with the processes.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CUDA_NCCLCOLLECTIVES_H
#define SIMCLR_RUNTIME_CUDA_NCCLCOLLECTIVES_H

#include "runtime/comm/Communicator.h"

#include <cuda_runtime.h>

#include <map>
#include <memory>
#include <vector>

namespace mlir::simclr::cuda {

class NcclCollectives {
public:
  /// NCCL among `host`'s replicas, this process's GPU being the current device, issuing
  /// after `compute`'s work. `timeoutSeconds` bounds a host wait (0: never). An error in
  /// words when NCCL cannot start (every rank gets one, or the host communicator ends the
  /// job).
  static runtime::Expected<std::unique_ptr<NcclCollectives>>
  create(runtime::Communicator &host, cudaStream_t compute, double timeoutSeconds);
  ~NcclCollectives();

  int rank() const { return me; }
  int size() const { return count; }

  /// Issues `kind` on device memory after the compute stream's work so far (`count` as
  /// Device::startCollective); `mean` averages an all-reduce (ncclAvg). Returns its ticket.
  runtime::Expected<int> start(runtime::Collective kind, const float *in, float *out,
                               size_t count, bool mean);
  /// Makes the compute stream wait (on the GPU) for the collective of `ticket`.
  runtime::Error wait(int ticket);
  /// Writes this replica's index (int32) at `out` on the compute stream, from device
  /// memory (so that a CUDA graph holds the copy).
  runtime::Error writeRank(void *out);
  /// Waits on the host until `stream` has finished everything issued to it, polling
  /// NCCL's errors; after the timeout (counted from the call), or on NCCL's error, returns
  /// an error naming this rank, and every later collective fails.
  runtime::Error waitFor(cudaStream_t stream, const char *what);

private:
  NcclCollectives() = default;
  struct Impl;
  std::unique_ptr<Impl> impl;
  int me = 0, count = 1;
  double timeout = 0;
  cudaStream_t compute = nullptr;
};

} // namespace mlir::simclr::cuda

#endif // SIMCLR_RUNTIME_CUDA_NCCLCOLLECTIVES_H
