//===- Device.cpp - what a target implements to run a schedule -------------===//

#include "runtime/exec/Device.h"
#include "runtime/comm/Communicator.h"

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

Device::~Device() = default;

Error Device::setCommunicator(Communicator *comm) {
  communicator = comm;
  return Error::success();
}

int Device::replicas() const { return communicator ? communicator->size() : 1; }

Error Device::allReduce(const float *in, float *out, size_t count, bool mean) {
  if (!communicator) {
    copy(out, in, count * sizeof(float));
    return Error::success();
  }
  if (Error e = communicator->allReduceSum(in, out, count))
    return e;
  if (mean && communicator->size() > 1) {
    float scale = 1.0f / float(communicator->size());
    for (size_t i = 0; i < count; ++i)
      out[i] *= scale;
  }
  return Error::success();
}

Error Device::allGather(const float *in, float *out, size_t count) {
  if (!communicator) {
    copy(out, in, count * sizeof(float));
    return Error::success();
  }
  return communicator->allGather(in, out, count);
}

Error Device::reduceScatterSum(const float *in, float *out, size_t count) {
  if (!communicator) {
    copy(out, in, count * sizeof(float));
    return Error::success();
  }
  return communicator->reduceScatterSum(in, out, count);
}
