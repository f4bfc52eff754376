//===- CpuDevice.cpp - the CPU behind the Device interface -----------------===//

#include "runtime/cpu/CpuDevice.h"
#include "runtime/cpu/KernelBuild.h"

#include <cstdlib>
#include <cstring>

using namespace mlir::simclr;
using namespace mlir::simclr::cpu;
using runtime::Expected;

Expected<std::unique_ptr<CpuDevice>> CpuDevice::create(const runtime::LoadedModule &module,
                                                       std::vector<KernelFn> kernels,
                                                       std::shared_ptr<void> keepAlive) {
  size_t expected = module.root().kernels() ? module.root().kernels()->size() : 0;
  if (kernels.size() != expected)
    return runtime::makeError(module.path() + ": error: " + std::to_string(kernels.size()) +
                              " kernels are linked, the module has " + std::to_string(expected));
  for (size_t i = 0; i < kernels.size(); ++i)
    if (!kernels[i])
      return runtime::makeError(module.path() + ": error: kernel " + std::to_string(i) +
                                " is not built");
  return std::unique_ptr<CpuDevice>(new CpuDevice(std::move(kernels), std::move(keepAlive)));
}

Expected<void *> CpuDevice::allocate(size_t bytes) {
  // malloc's alignment, as the std::vector storage the CPU runtime always used.
  void *memory = std::calloc(bytes ? bytes : 1, 1);
  if (!memory)
    return runtime::makeError("cannot allocate " + std::to_string(bytes) + " bytes");
  return memory;
}

void CpuDevice::release(void *memory) { std::free(memory); }

void CpuDevice::upload(void *device, const void *host, size_t bytes) {
  std::memcpy(device, host, bytes);
}

void CpuDevice::download(void *host, const void *device, size_t bytes) {
  std::memcpy(host, device, bytes);
}

void CpuDevice::copy(void *to, const void *from, size_t bytes) { std::memcpy(to, from, bytes); }

Expected<const void *> CpuDevice::stageArgument(const void *, size_t, const void *host, size_t) {
  return host;
}

void CpuDevice::convolution(const runtime::Convolution &conv, const void *x, const void *w,
                            void *y) {
  library.convolution(conv, x, w, y);
}

void CpuDevice::convolutionBackwardInput(const runtime::Convolution &conv, const void *dy,
                                         const void *w, void *dx) {
  library.convolutionBackwardInput(conv, dy, w, dx);
}

void CpuDevice::convolutionBackwardFilter(const runtime::Convolution &conv, const void *x,
                                          const void *dy, void *dw) {
  library.convolutionBackwardFilter(conv, x, dy, dw);
}

void CpuDevice::matmul(const runtime::MatrixProduct &p, const void *a, const void *b,
                       const void *bias, void *c) {
  library.matmul(p, a, b, bias, c);
}

void CpuDevice::launch(int kernel, const void *const *inputs, size_t, void *const *outputs,
                       size_t) {
  kernels[size_t(kernel)](inputs, outputs);
}

runtime::DeviceFactory cpu::cpuDeviceBuildingKernels() {
  return [](const runtime::LoadedModule &module) -> Expected<std::unique_ptr<runtime::Device>> {
    auto built = buildModuleKernels(module);
    if (!built)
      return built.takeError();
    std::shared_ptr<LoadedKernels> library = std::move(*built);
    auto device = CpuDevice::create(module, library->functions, library);
    if (!device)
      return device.takeError();
    return std::unique_ptr<runtime::Device>(std::move(*device));
  };
}
