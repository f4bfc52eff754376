//===- MpiCommunicator.cpp - replicas as the processes of an MPI job -------===//

#include "runtime/comm/MpiCommunicator.h"

#include <mpi.h>

#include <chrono>
#include <cstdio>
#include <thread>

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

namespace {

class MpiCommunicator final : public Communicator {
public:
  MpiCommunicator(int rank, int size, double timeout)
      : me(rank), count(size), timeout(timeout) {}
  ~MpiCommunicator() override { MPI_Finalize(); }

  const char *name() const override { return "mpi"; }
  int rank() const override { return me; }
  int size() const override { return count; }

  Error allReduceSum(const float *in, float *out, size_t n) override {
    MPI_Request request;
    int rc = MPI_Iallreduce(in == out ? MPI_IN_PLACE : in, out, int(n), MPI_FLOAT, MPI_SUM,
                            MPI_COMM_WORLD, &request);
    return wait(rc, request, "all_reduce", n);
  }
  Error allGather(const float *in, float *out, size_t n) override {
    MPI_Request request;
    int rc = MPI_Iallgather(in, int(n), MPI_FLOAT, out, int(n), MPI_FLOAT, MPI_COMM_WORLD,
                            &request);
    return wait(rc, request, "all_gather", n);
  }
  Error reduceScatterSum(const float *in, float *out, size_t n) override {
    MPI_Request request;
    int rc = MPI_Ireduce_scatter_block(in, out, int(n), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD,
                                       &request);
    return wait(rc, request, "reduce_scatter", n);
  }
  Expected<std::vector<uint64_t>> gatherWords(uint64_t value) override {
    std::vector<uint64_t> all(static_cast<size_t>(count));
    MPI_Request request;
    int rc = MPI_Iallgather(&value, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T,
                            MPI_COMM_WORLD, &request);
    if (Error e = wait(rc, request, "start-up exchange", 1))
      return e;
    return all;
  }
  [[noreturn]] void abort(int code) override {
    std::fflush(stdout);
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code); // MPI_Abort does not return; in case it does
  }

private:
  /// Polls `request` until it completes; a failure or the timeout ends the job.
  Error wait(int rc, MPI_Request &request, const char *what, size_t n) {
    auto start = std::chrono::steady_clock::now();
    int done = 0;
    for (unsigned polls = 0; rc == MPI_SUCCESS; ++polls) {
      rc = MPI_Test(&request, &done, MPI_STATUS_IGNORE);
      if (rc != MPI_SUCCESS || done)
        break;
      double waited =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (timeout > 0 && waited > timeout) {
        std::fprintf(stderr,
                     "error: rank %d of %d: the %s of %zu values did not complete within "
                     "%g s (--collective-timeout): another rank died or hangs; ending the "
                     "job\n",
                     me, count, what, n, timeout);
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
                           "the job\n", me, count, what, n, length, text);
      abort(1);
    }
    return Error::success();
  }

  int me, count;
  double timeout;
};

} // namespace

Expected<std::unique_ptr<Communicator>> runtime::mpiCommunicator(double timeoutSeconds) {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (initialised)
    return makeError("error: MPI is already initialised in this process");
  int provided = 0;
  // The training thread alone calls MPI (the loader's threads never do).
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
    return makeError("error: MPI_Init_thread failed: was this process started by mpirun?");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return std::unique_ptr<Communicator>(
      std::make_unique<MpiCommunicator>(rank, size, timeoutSeconds));
}
