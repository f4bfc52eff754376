//===- CudaExecutable.cpp - main() of a CUDA training executable -----------===//

#include "runtime/cuda/CudaExecutable.h"
#include "runtime/cuda/CudaDevice.h"
#include "runtime/train/ExecutableMain.h"

using namespace mlir::simclr;

int cuda::executableMain(int argc, char **argv, const uint8_t *module, size_t size) {
  return runtime::runTrainingExecutable(argc, argv, module, size, "on an NVIDIA GPU",
                                        cudaDeviceFactory());
}
