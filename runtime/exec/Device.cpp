//===- Device.cpp - what a target implements to run a schedule -------------===//

#include "runtime/exec/Device.h"

#include <cstring>

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

Device::~Device() = default;

Error Device::setCommunicator(Communicator *comm) {
  communicator = comm;
  return Error::success();
}

int Device::replicas() const { return communicator ? communicator->size() : 1; }

void Device::replicaId(void *out) {
  int32_t rank = communicator ? int32_t(communicator->rank()) : 0;
  std::memcpy(out, &rank, sizeof rank);
}

Expected<int> Device::startCollective(Collective kind, const float *in, float *out,
                                      size_t count, bool mean) {
  if (!communicator || communicator->size() == 1) { // every collective of one is a copy
    copy(out, in, count * sizeof(float));
    return -1;
  }
  auto ticket = communicator->start(kind, in, out, count);
  if (!ticket)
    return ticket.takeError();
  if (mean && *ticket < 0) // completed already: the sum becomes the mean now
    averageOverReplicas({out, count});
  else if (mean)
    means[*ticket] = {out, count};
  return *ticket;
}

Error Device::waitCollective(int ticket) {
  if (communicator && ticket >= 0)
    if (Error e = communicator->wait(ticket))
      return e;
  if (auto it = means.find(ticket); it != means.end()) {
    averageOverReplicas(it->second);
    means.erase(it);
  }
  return Error::success();
}

void Device::averageOverReplicas(const Mean &sum) {
  float scale = 1.0f / float(replicas());
  for (size_t i = 0; i < sum.count; ++i)
    sum.out[i] *= scale;
}

void Device::progressCollectives() {
  if (communicator)
    communicator->progress();
}
