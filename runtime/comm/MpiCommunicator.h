//===- MpiCommunicator.h - replicas as the processes of an MPI job -*- C++ -*-===//
//
// The communicator of a job `mpirun -np N` launched (Debian's OpenMPI): one replica per
// process of MPI_COMM_WORLD. Each collective is MPI's non-blocking one, polled until it
// completes or the timeout passes; a failure or a timeout prints which rank saw it and
// ends the whole job with MPI_Abort, so that no rank waits forever (docs/DISTRIBUTED.md).
//
// It lives in its own library, libsimclr_mpi.so, which launchCommunicator loads only when
// the process was started by mpirun: the runtime, training executables and the GPU bundle
// need no MPI otherwise.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_COMM_MPICOMMUNICATOR_H
#define SIMCLR_RUNTIME_COMM_MPICOMMUNICATOR_H

#include "runtime/comm/Communicator.h"

/// What libsimclr_mpi.so exports (looked up by name): initialises MPI (once; finalised
/// when the communicator is deleted) and returns this process's communicator, every
/// collective bounded by `timeoutSeconds` (0: no bound); null with `error` set on failure.
extern "C" mlir::simclr::runtime::Communicator *simclrMpiCommunicator(double timeoutSeconds,
                                                                       std::string *error);

#endif // SIMCLR_RUNTIME_COMM_MPICOMMUNICATOR_H
