//===- CpuExecutable.cpp - main() of a CPU training executable -------------===//

#include "runtime/cpu/CpuExecutable.h"
#include "runtime/cpu/CpuDevice.h"
#include "runtime/train/ExecutableMain.h"

using namespace mlir::simclr;

int cpu::executableMain(int argc, char **argv, const uint8_t *module, size_t size,
                        const KernelFn *kernels, size_t kernelCount) {
  std::vector<KernelFn> linked(kernels, kernels + kernelCount);
  return runtime::runTrainingExecutable(
      argc, argv, module, size, "on the CPU",
      [&](const runtime::LoadedModule &loaded)
          -> runtime::Expected<std::unique_ptr<runtime::Device>> {
        auto device = CpuDevice::create(loaded, linked);
        if (!device)
          return device.takeError();
        return std::unique_ptr<runtime::Device>(std::move(*device));
      });
}
