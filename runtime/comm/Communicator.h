//===- Communicator.h - the replicas of a data-parallel run -----*- C++ -*-===//
//
// What the collective slots of a Device (runtime/exec/Device.h) and the run around the
// step (runtime/train) use to work with the other replicas: who this process is, the
// collectives on float32 host memory, and the run's own exchanges (start-up checks, the
// step's results). One process alone has the local communicator; `mpirun -np N` launches
// N processes that each make an MPI communicator (docs/DISTRIBUTED.md).
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_COMM_COMMUNICATOR_H
#define SIMCLR_RUNTIME_COMM_COMMUNICATOR_H

#include "runtime/support/Error.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mlir::simclr::runtime {

/// The collectives a step issues (simclr.all_reduce's sum, all_gather, reduce_scatter).
enum class Collective { AllReduceSum, AllGather, ReduceScatterSum };

class Communicator {
public:
  virtual ~Communicator();

  /// "local", "mpi".
  virtual const char *name() const = 0;
  /// This replica's index, 0 .. size() - 1, and how many there are.
  virtual int rank() const = 0;
  virtual int size() const = 0;

  // Collectives on host memory; every replica makes the same calls in the same order.
  // `in` may be `out` for the sum. A failure (a replica gone, a timeout) is an error naming
  // this rank and the collective; the communicator has then ended the job (see abort()).
  /// out = the sum over the replicas of `count` floats at `in`.
  virtual Error allReduceSum(const float *in, float *out, size_t count) = 0;
  /// out = every replica's `count` floats at `in`, in rank order (size() * count floats).
  virtual Error allGather(const float *in, float *out, size_t count) = 0;
  /// out = the sum over the replicas of their slice rank() (`count` floats) of `in`
  /// (size() * count floats).
  virtual Error reduceScatterSum(const float *in, float *out, size_t count) = 0;
  /// Every replica's `value`, in rank order.
  virtual Expected<std::vector<uint64_t>> gatherWords(uint64_t value) = 0;

  // The same collectives, issued now and completed later, so that the step computes while
  // they travel: `out` (and `in`) must stay untouched until wait(ticket) returns. The
  // default completes each one before start() returns (ticket -1).
  /// Issues `kind` as the blocking calls above define it; returns its ticket.
  virtual Expected<int> start(Collective kind, const float *in, float *out, size_t count);
  /// Waits for the collective of `ticket` (the same failures as the blocking calls).
  virtual Error wait(int ticket) { return Error::success(); }
  /// Lets issued collectives advance (MPI moves them on only inside its calls).
  virtual void progress() {}
  /// Whether start() completes every collective at once (from the launch's
  /// --blocking-collectives; for measuring how much communication the overlap hides).
  void setBlocking(bool on) { blocking = on; }

  /// How long a collective may take before the job ends (--collective-timeout; 0: no
  /// limit). A device with collectives of its own (NCCL) bounds its waits by it too.
  virtual double collectiveTimeout() const { return 0; }

  /// Ends every replica of the job with `code` (after an error on this one, so that none
  /// waits forever for it). The local communicator only exits.
  [[noreturn]] virtual void abort(int code) = 0;

protected:
  bool blocking = false;
};

/// One process alone: every collective is a copy.
std::unique_ptr<Communicator> localCommunicator();

/// The communicator of how this process was launched: an MPI communicator under mpirun
/// (MPI initialised here, finalised at exit), else the local one. A collective that has
/// not completed after `timeoutSeconds` ends the job, naming the rank (0: never).
Expected<std::unique_ptr<Communicator>> launchCommunicator(double timeoutSeconds);

/// Whether this process was started by mpirun (OpenMPI's environment).
bool launchedByMpi();

/// Checks that every replica has the same `values` (named by `names`, for the message):
/// an error naming the first one that differs from rank 0's, the rank and both values.
Error checkSameOnEveryRank(Communicator &comm, const std::vector<std::string> &names,
                           const std::vector<uint64_t> &values);

/// Whether `mine` holds on every replica.
Expected<bool> holdsOnEveryRank(Communicator &comm, bool mine);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_COMM_COMMUNICATOR_H
