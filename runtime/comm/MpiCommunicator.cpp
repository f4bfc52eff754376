//===- MpiCommunicator.cpp - replicas as the processes of an MPI job -------===//

#include "runtime/comm/MpiCommunicator.h"

#include <mpi.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

namespace {

const char *nameOf(Collective kind) {
  switch (kind) {
  case Collective::AllReduceSum: return "all_reduce";
  case Collective::AllGather: return "all_gather";
  case Collective::ReduceScatterSum: return "reduce_scatter";
  }
  return "collective";
}

class MpiCommunicator final : public Communicator {
public:
  MpiCommunicator(int rank, int size, double timeout)
      : me(rank), count(size), timeout(timeout) {}
  ~MpiCommunicator() override { MPI_Finalize(); }

  const char *name() const override { return "mpi"; }
  int rank() const override { return me; }
  int size() const override { return count; }
  double collectiveTimeout() const override { return timeout; }

  Error allReduceSum(const float *in, float *out, size_t n) override {
    return now(Collective::AllReduceSum, in, out, n);
  }
  Error allGather(const float *in, float *out, size_t n) override {
    return now(Collective::AllGather, in, out, n);
  }
  Error reduceScatterSum(const float *in, float *out, size_t n) override {
    return now(Collective::ReduceScatterSum, in, out, n);
  }
  Expected<std::vector<uint64_t>> gatherWords(uint64_t value) override {
    std::vector<uint64_t> all(static_cast<size_t>(count));
    Pending p{MPI_REQUEST_NULL, "start-up exchange", 1};
    int rc = MPI_Iallgather(&value, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T,
                            MPI_COMM_WORLD, &p.request);
    if (Error e = complete(rc, p))
      return e;
    return all;
  }

  Expected<int> start(Collective kind, const float *in, float *out, size_t n) override {
    if (blocking)
      return Communicator::start(kind, in, out, n);
    Pending p{MPI_REQUEST_NULL, nameOf(kind), n};
    int rc = issue(kind, in, out, n, p.request);
    if (rc != MPI_SUCCESS)
      return complete(rc, p); // ends the job
    int ticket = next++;
    pending.emplace(ticket, p);
    return ticket;
  }
  Error wait(int ticket) override {
    auto it = pending.find(ticket);
    if (it == pending.end())
      return Error::success(); // completed when issued
    Pending p = it->second;
    pending.erase(it);
    return complete(MPI_SUCCESS, p);
  }
  void progress() override {
    if (pending.empty())
      return;
    int done = 0; // any MPI call advances every issued collective
    MPI_Test(&pending.begin()->second.request, &done, MPI_STATUS_IGNORE);
  }

  [[noreturn]] void abort(int code) override {
    std::fflush(stdout);
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code); // MPI_Abort does not return; in case it does
  }

private:
  struct Pending {
    MPI_Request request;
    const char *what;
    size_t values;
  };

  static int issue(Collective kind, const float *in, float *out, size_t n,
                   MPI_Request &request) {
    switch (kind) {
    case Collective::AllReduceSum:
      return MPI_Iallreduce(in == out ? MPI_IN_PLACE : in, out, int(n), MPI_FLOAT, MPI_SUM,
                            MPI_COMM_WORLD, &request);
    case Collective::AllGather:
      return MPI_Iallgather(in, int(n), MPI_FLOAT, out, int(n), MPI_FLOAT, MPI_COMM_WORLD,
                            &request);
    case Collective::ReduceScatterSum:
      return MPI_Ireduce_scatter_block(in, out, int(n), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD,
                                       &request);
    }
    return MPI_ERR_OP;
  }

  Error now(Collective kind, const float *in, float *out, size_t n) {
    Pending p{MPI_REQUEST_NULL, nameOf(kind), n};
    return complete(issue(kind, in, out, n, p.request), p);
  }

  /// Polls `p` (issued with `rc`) until it completes; a failure or the timeout ends the job.
  Error complete(int rc, Pending &p) {
    auto begin = std::chrono::steady_clock::now();
    int done = 0;
    for (unsigned polls = 0; rc == MPI_SUCCESS; ++polls) {
      rc = MPI_Test(&p.request, &done, MPI_STATUS_IGNORE);
      if (rc != MPI_SUCCESS || done)
        break;
      double waited =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
      if (timeout > 0 && waited > timeout) {
        std::fprintf(stderr,
                     "error: rank %d of %d: the %s of %zu values did not complete within "
                     "%g s (--collective-timeout): another rank died or hangs; ending the "
                     "job\n",
                     me, count, p.what, p.values, timeout);
        abort(1);
      }
      // Spin briefly (a collective between busy replicas completes in microseconds),
      // then yield the core to the replicas still computing.
      if (polls > 200)
        std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
    if (rc != MPI_SUCCESS) {
      char text[MPI_MAX_ERROR_STRING];
      int length = 0;
      MPI_Error_string(rc, text, &length);
      std::fprintf(stderr, "error: rank %d of %d: the %s of %zu values failed: %.*s; ending "
                           "the job\n", me, count, p.what, p.values, length, text);
      abort(1);
    }
    return Error::success();
  }

  int me, count;
  double timeout;
  int next = 0;
  std::map<int, Pending> pending; ///< issued, not yet waited for
};

} // namespace

extern "C" Communicator *simclrMpiCommunicator(double timeoutSeconds, std::string *error) {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (initialised) {
    *error = "error: MPI is already initialised in this process";
    return nullptr;
  }
  int provided = 0;
  // The training thread alone calls MPI (the loader's threads never do).
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
    *error = "error: MPI_Init_thread failed: was this process started by mpirun?";
    return nullptr;
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return new MpiCommunicator(rank, size, timeoutSeconds);
}
