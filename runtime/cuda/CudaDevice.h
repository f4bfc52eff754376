//===- CudaDevice.h - an NVIDIA GPU behind the Device interface -*- C++ -*-===//
//
// docs/CUDA.md. Everything lives in device memory, allocated when executors and the
// variable table are made; a step stages its batch through pinned memory, issues every
// instruction on one stream (cuDNN, cuBLASLt, the module's kernels from its fatbin) and
// reads back only its results.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CUDA_CUDADEVICE_H
#define SIMCLR_RUNTIME_CUDA_CUDADEVICE_H

#include "runtime/exec/Device.h"
#include "runtime/module/Reader.h"

#include <memory>

namespace mlir::simclr::cuda {

/// A device running `module`'s CUDA kernels on GPU $SIMCLR_CUDA_DEVICE (default 0). Errors
/// say in words what is missing: a GPU, kernels for this GPU's architecture, CUDA kernels
/// in the module at all.
runtime::Expected<std::unique_ptr<runtime::Device>> createCudaDevice(
    const runtime::LoadedModule &module);

/// The factory simclr-train and CUDA training executables use.
runtime::DeviceFactory cudaDeviceFactory();

} // namespace mlir::simclr::cuda

#endif // SIMCLR_RUNTIME_CUDA_CUDADEVICE_H
