//===- MpiCommunicator.h - replicas as the processes of an MPI job -*- C++ -*-===//
//
// The communicator of a job `mpirun -np N` launched (Debian's OpenMPI): one replica per
// process of MPI_COMM_WORLD. Each collective is MPI's non-blocking one, polled until it
// completes or the timeout passes; a failure or a timeout prints which rank saw it and
// ends the whole job with MPI_Abort, so that no rank waits forever (docs/DISTRIBUTED.md).
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_COMM_MPICOMMUNICATOR_H
#define SIMCLR_RUNTIME_COMM_MPICOMMUNICATOR_H

#include "runtime/comm/Communicator.h"

namespace mlir::simclr::runtime {

/// Initialises MPI (once; finalised when the communicator goes) and returns this
/// process's communicator; `timeoutSeconds` bounds every collective (0: no bound).
Expected<std::unique_ptr<Communicator>> mpiCommunicator(double timeoutSeconds);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_COMM_MPICOMMUNICATOR_H
