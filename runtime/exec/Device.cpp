//===- Device.cpp - what a target implements to run a schedule -------------===//

#include "runtime/exec/Device.h"

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

Device::~Device() = default;

Error Device::allGather(const float *local, float *gathered, size_t count) {
  if (replicas() != 1)
    return makeError(std::string("error: the ") + name() +
                     " device gathers across replicas without a communicator");
  copy(gathered, local, count * sizeof(float));
  return Error::success();
}
