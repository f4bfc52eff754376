//===- NcclCollectives.cpp - a GPU's collectives across replicas ----------===//

#include "runtime/cuda/NcclCollectives.h"
#include "runtime/cuda/CudaCheck.h"
#include "runtime/support/Strings.h"

#include <nccl.h>

#include <chrono>
#include <cstring>
#include <thread>

using namespace mlir::simclr;
using namespace mlir::simclr::cuda;
using runtime::Error;
using runtime::Expected;
using runtime::makeError;

struct NcclCollectives::Impl {
  ncclComm_t comm = nullptr;
  int32_t *rank = nullptr;       ///< this replica's index, in device memory
  cudaStream_t stream = nullptr; ///< the collectives' own
  cudaEvent_t issued = nullptr;  ///< the compute stream's work before a collective
  std::map<int, cudaEvent_t> inFlight; ///< each ticket's "done"
  std::vector<cudaEvent_t> spare;
  int nextTicket = 0;
  /// A collective failed or timed out: the run ends the job (MPI_Abort), which ends the
  /// GPU's work with the process. (ncclCommAbort is not called: NCCL 2.28 waits in it for
  /// every CUDA graph that captured a collective to be destroyed.)
  bool failed = false;
};

namespace {

std::string ncclFailure(ncclResult_t result, ncclComm_t comm, const std::string &what) {
  const char *last = ncclGetLastError(comm); // a null comm: the thread's last error
  std::string detail = last ? last : "";
  return what + ": " + ncclGetErrorString(result) + (detail.empty() ? "" : " (" + detail + ")");
}

} // namespace

Expected<std::unique_ptr<NcclCollectives>>
NcclCollectives::create(runtime::Communicator &host, cudaStream_t compute,
                        double timeoutSeconds) {
  std::unique_ptr<NcclCollectives> n(new NcclCollectives());
  n->impl = std::make_unique<Impl>();
  n->me = host.rank();
  n->count = host.size();
  n->timeout = timeoutSeconds;
  n->compute = compute;
  std::string where = "rank " + std::to_string(n->me) + " of " + std::to_string(n->count);
  // Rank 0's id, word by word over the host communicator.
  ncclUniqueId id;
  std::memset(&id, 0, sizeof id);
  if (n->me == 0)
    if (ncclResult_t r = ncclGetUniqueId(&id); r != ncclSuccess)
      return makeError("error: " + where + ": " + ncclFailure(r, nullptr, "ncclGetUniqueId"));
  static_assert(sizeof id % sizeof(uint64_t) == 0, "the id travels in 64-bit words");
  for (size_t offset = 0; offset < sizeof id; offset += sizeof(uint64_t)) {
    uint64_t word;
    std::memcpy(&word, id.internal + offset, sizeof word);
    auto words = host.gatherWords(word);
    if (!words)
      return words.takeError();
    std::memcpy(id.internal + offset, &(*words)[0], sizeof word);
  }
  if (ncclResult_t r = ncclCommInitRank(&n->impl->comm, n->count, id, n->me); r != ncclSuccess)
    return makeError("error: " + where + ": " +
                     ncclFailure(r, nullptr, "starting NCCL (one GPU per process)"));
  if (Error e = check(cudaStreamCreateWithFlags(&n->impl->stream, cudaStreamNonBlocking),
                      "the collectives' stream"))
    return e;
  if (Error e = check(cudaEventCreateWithFlags(&n->impl->issued, cudaEventDisableTiming),
                      "an event for the collectives"))
    return e;
  int32_t rank = n->me;
  if (Error e = check(cudaMalloc(&n->impl->rank, sizeof rank), "the replica index"))
    return e;
  if (Error e = check(cudaMemcpy(n->impl->rank, &rank, sizeof rank, cudaMemcpyHostToDevice),
                      "the replica index"))
    return e;
  return n;
}

NcclCollectives::~NcclCollectives() {
  if (!impl)
    return;
  if (impl->stream && !impl->failed)
    cudaStreamSynchronize(impl->stream);
  for (auto &[ticket, event] : impl->inFlight)
    cudaEventDestroy(event);
  for (cudaEvent_t event : impl->spare)
    cudaEventDestroy(event);
  if (impl->issued)
    cudaEventDestroy(impl->issued);
  if (impl->rank)
    cudaFree(impl->rank);
  if (impl->comm && !impl->failed) // after a failure the process is ending: leave it
    ncclCommDestroy(impl->comm);
  if (impl->stream)
    cudaStreamDestroy(impl->stream);
}

Expected<int> NcclCollectives::start(runtime::Collective kind, const float *in, float *out,
                                     size_t count, bool mean) {
  if (impl->failed)
    return makeError("error: rank " + std::to_string(me) + ": a GPU collective failed before");
  // After the compute stream's work so far.
  if (Error e = check(cudaEventRecord(impl->issued, compute), "ordering a collective"))
    return e;
  if (Error e = check(cudaStreamWaitEvent(impl->stream, impl->issued, 0), "ordering a collective"))
    return e;
  ncclResult_t r = ncclSuccess;
  const char *what = "";
  switch (kind) {
  case runtime::Collective::AllReduceSum:
    what = "ncclAllReduce";
    r = ncclAllReduce(in, out, count, ncclFloat, mean ? ncclAvg : ncclSum, impl->comm,
                      impl->stream);
    break;
  case runtime::Collective::AllGather:
    what = "ncclAllGather";
    r = ncclAllGather(in, out, count, ncclFloat, impl->comm, impl->stream);
    break;
  case runtime::Collective::ReduceScatterSum:
    what = "ncclReduceScatter";
    r = ncclReduceScatter(in, out, count, ncclFloat, ncclSum, impl->comm, impl->stream);
    break;
  }
  if (r != ncclSuccess)
    return makeError("error: rank " + std::to_string(me) + ": " +
                     ncclFailure(r, impl->comm, what));
  cudaEvent_t done = nullptr;
  if (!impl->spare.empty()) {
    done = impl->spare.back();
    impl->spare.pop_back();
  } else if (Error e = check(cudaEventCreateWithFlags(&done, cudaEventDisableTiming),
                             "an event for a collective")) {
    return e;
  }
  if (Error e = check(cudaEventRecord(done, impl->stream), "ordering a collective"))
    return e;
  int ticket = impl->nextTicket++;
  impl->inFlight[ticket] = done;
  return ticket;
}

Error NcclCollectives::wait(int ticket) {
  auto it = impl->inFlight.find(ticket);
  if (it == impl->inFlight.end())
    return makeError("error: rank " + std::to_string(me) + ": no collective has ticket " +
                     std::to_string(ticket));
  cudaEvent_t done = it->second;
  impl->inFlight.erase(it);
  impl->spare.push_back(done); // the wait below is enqueued: the event may be recorded anew
  return check(cudaStreamWaitEvent(compute, done, 0), "waiting for a collective");
}

Error NcclCollectives::writeRank(void *out) {
  return check(cudaMemcpyAsync(out, impl->rank, sizeof(int32_t), cudaMemcpyDeviceToDevice,
                               compute),
               "writing the replica index");
}

Error NcclCollectives::waitFor(cudaStream_t stream, const char *what) {
  auto started = std::chrono::steady_clock::now();
  std::string where = "rank " + std::to_string(me) + " of " + std::to_string(count);
  for (;;) {
    cudaError_t status = cudaStreamQuery(stream);
    if (status == cudaSuccess)
      return Error::success();
    if (status != cudaErrorNotReady)
      return makeError("error: " + where + ": " + cudaFailure(status, what));
    ncclResult_t async = ncclSuccess;
    if (ncclCommGetAsyncError(impl->comm, &async) == ncclSuccess && async != ncclSuccess &&
        async != ncclInProgress) {
      impl->failed = true;
      return makeError("error: " + where + ": " +
                       ncclFailure(async, impl->comm, "a GPU collective failed"));
    }
    double waited =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (timeout > 0 && waited > timeout) {
      impl->failed = true;
      return makeError(runtime::format(
          "error: %s: %s did not complete within %g s (--collective-timeout): another rank "
          "died or hangs; ending the job",
          where.c_str(), what, timeout));
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}
