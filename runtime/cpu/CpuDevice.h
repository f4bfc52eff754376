//===- CpuDevice.h - the CPU behind the Device interface --------*- C++ -*-===//
//
// Memory is host memory; convolutions and matrix products go to oneDNN (LibraryCalls),
// kernel launches to the module's kernels as built for the CPU (KernelBuild.h) or linked
// into a training executable (CpuExecutable.h). Everything runs synchronously on the
// calling thread, which OpenMP and oneDNN spread over the cores.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CPU_CPUDEVICE_H
#define SIMCLR_RUNTIME_CPU_CPUDEVICE_H

#include "runtime/cpu/KernelAbi.h"
#include "runtime/cpu/LibraryCalls.h"
#include "runtime/exec/Device.h"
#include "runtime/module/Reader.h"

#include <memory>
#include <vector>

namespace mlir::simclr::cpu {

class CpuDevice : public runtime::Device {
public:
  /// A device running `module` with `kernels[i]` as its kernel i; `keepAlive` holds what
  /// the kernels live in (a loaded library). An error when the count does not match.
  static runtime::Expected<std::unique_ptr<CpuDevice>>
  create(const runtime::LoadedModule &module, std::vector<KernelFn> kernels,
         std::shared_ptr<void> keepAlive = nullptr);

  const char *name() const override { return "cpu"; }
  runtime::Expected<void *> allocate(size_t bytes) override;
  void release(void *memory) override;
  void upload(void *device, const void *host, size_t bytes) override;
  void download(void *host, const void *device, size_t bytes) override;
  void copy(void *to, const void *from, size_t bytes) override;
  runtime::Expected<const void *> stageArgument(const void *owner, size_t index, const void *host,
                                                size_t bytes) override;
  void convolution(const runtime::Convolution &conv, const void *x, const void *w,
                   void *y) override;
  void convolutionBackwardInput(const runtime::Convolution &conv, const void *dy,
                                const void *w, void *dx) override;
  void convolutionBackwardFilter(const runtime::Convolution &conv, const void *x,
                                 const void *dy, void *dw) override;
  void matmul(const runtime::MatrixProduct &product, const void *a, const void *b,
              const void *bias, void *c) override;
  void launch(int kernel, const void *const *inputs, size_t inputCount, void *const *outputs,
              size_t outputCount) override;

private:
  CpuDevice(std::vector<KernelFn> kernels, std::shared_ptr<void> keepAlive)
      : kernels(std::move(kernels)), keepAlive(std::move(keepAlive)) {}
  std::vector<KernelFn> kernels;
  std::shared_ptr<void> keepAlive;
  LibraryCalls library;
};

/// The factory `simclr-train` uses: builds the module's CPU kernels (KernelBuild.h, with
/// the kernel cache) and makes a CpuDevice with them.
runtime::DeviceFactory cpuDeviceBuildingKernels();

} // namespace mlir::simclr::cpu

#endif // SIMCLR_RUNTIME_CPU_CPUDEVICE_H
