//===- GpuTest.h - what the GPU tests share ---------------------*- C++ -*-===//
//
// The GPU tests (simclr-gpu-tests: the runtime and the CUDA device alone, no LLVM, MLIR
// or oneDNN) skip, reported as skipped, where no GPU can run; those that compare against
// simclr-gpu-cases's files also skip where $SIMCLR_GPU_CASES names no such folder
// (gpu-bundle/run.sh sets it).
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_TEST_GPU_GPUTEST_H
#define SIMCLR_TEST_GPU_GPUTEST_H

#include "runtime/Tensor.h"
#include "runtime/exec/Device.h"
#include "runtime/module/Reader.h"

#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mlir::simclr::test {

/// Why no GPU can run here ("" when one can).
std::string whyNoGpu();

/// The folder simclr-gpu-cases wrote ("" when $SIMCLR_GPU_CASES is unset).
std::string casesDirectory();

/// A module of no kernels and no entry points: enough for a device.
runtime::LoadedModule emptyModule();

/// float32 values of a case tensor, or float64 ones.
std::vector<float> floatsOf(const runtime::Tensor &t);

/// Device memory holding `values` (freed with the object).
class DeviceBuffer {
public:
  explicit DeviceBuffer(size_t bytes);
  explicit DeviceBuffer(const std::vector<float> &values);
  ~DeviceBuffer();
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;

  float *data() const { return static_cast<float *>(memory); }
  std::vector<float> download(size_t count) const;

private:
  void *memory = nullptr;
};

} // namespace mlir::simclr::test

#define SIMCLR_REQUIRE_GPU()                                                                  \
  do {                                                                                       \
    std::string why = ::mlir::simclr::test::whyNoGpu();                                      \
    if (!why.empty())                                                                        \
      GTEST_SKIP() << why;                                                                   \
  } while (0)

#define SIMCLR_REQUIRE_CASES()                                                                \
  do {                                                                                       \
    SIMCLR_REQUIRE_GPU();                                                                    \
    if (::mlir::simclr::test::casesDirectory().empty())                                      \
      GTEST_SKIP() << "no cases: set SIMCLR_GPU_CASES to the cases folder "                  \
                      "scripts/gpu-bundle.sh writes";                                        \
  } while (0)

#endif // SIMCLR_TEST_GPU_GPUTEST_H
