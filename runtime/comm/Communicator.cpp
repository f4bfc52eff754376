//===- Communicator.cpp - the local communicator and the start-up checks ---===//

#include "runtime/comm/Communicator.h"
#include "runtime/comm/MpiCommunicator.h"
#include "runtime/support/Installation.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

Communicator::~Communicator() = default;

Expected<int> Communicator::start(Collective kind, const float *in, float *out, size_t count) {
  Error e = kind == Collective::AllReduceSum ? allReduceSum(in, out, count)
            : kind == Collective::AllGather  ? allGather(in, out, count)
                                             : reduceScatterSum(in, out, count);
  if (e)
    return e;
  return -1;
}

namespace {

class LocalCommunicator final : public Communicator {
public:
  const char *name() const override { return "local"; }
  int rank() const override { return 0; }
  int size() const override { return 1; }
  Error allReduceSum(const float *in, float *out, size_t count) override {
    return copy(in, out, count);
  }
  Error allGather(const float *in, float *out, size_t count) override {
    return copy(in, out, count);
  }
  Error reduceScatterSum(const float *in, float *out, size_t count) override {
    return copy(in, out, count);
  }
  Expected<std::vector<uint64_t>> gatherWords(uint64_t value) override {
    return std::vector<uint64_t>{value};
  }
  [[noreturn]] void abort(int code) override { std::exit(code); }

private:
  static Error copy(const float *in, float *out, size_t count) {
    if (in != out)
      std::memmove(out, in, count * sizeof(float));
    return Error::success();
  }
};

} // namespace

std::unique_ptr<Communicator> runtime::localCommunicator() {
  return std::make_unique<LocalCommunicator>();
}

bool runtime::launchedByMpi() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMIX_RANK");
}

Expected<std::unique_ptr<Communicator>> runtime::launchCommunicator(double timeoutSeconds) {
  if (!launchedByMpi())
    return localCommunicator();
  // The MPI communicator is a library of its own, beside this one: loaded globally, as
  // OpenMPI's own plugins need its symbols.
  std::string path = runtimeLibraryDirectory() + "/libsimclr_mpi.so";
  void *library = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (!library)
    return makeError("error: this process was started by mpirun, but the MPI communicator " +
                     path + " does not load: " + dlerror());
  using Make = Communicator *(*)(double, std::string *);
  auto make = reinterpret_cast<Make>(dlsym(library, "simclrMpiCommunicator"));
  if (!make)
    return makeError("error: " + path + " has no simclrMpiCommunicator");
  std::string error;
  Communicator *comm = make(timeoutSeconds, &error);
  if (!comm)
    return makeError(error);
  return std::unique_ptr<Communicator>(comm);
}

Expected<bool> runtime::holdsOnEveryRank(Communicator &comm, bool mine) {
  auto all = comm.gatherWords(mine ? 1 : 0);
  if (!all)
    return all.takeError();
  return std::find(all->begin(), all->end(), 0) == all->end();
}

Error runtime::checkSameOnEveryRank(Communicator &comm, const std::vector<std::string> &names,
                                    const std::vector<uint64_t> &values) {
  for (size_t i = 0; i < values.size(); ++i) {
    auto all = comm.gatherWords(values[i]);
    if (!all)
      return all.takeError();
    for (int r = 1; r < comm.size(); ++r)
      if ((*all)[r] != (*all)[0])
        return makeError("error: the ranks disagree on the " + names[i] + ": rank " +
                         std::to_string(r) + " has " + std::to_string((*all)[r]) +
                         ", rank 0 has " + std::to_string((*all)[0]) +
                         " (every rank must run the same module with the same flags)");
  }
  return Error::success();
}
