//===- DeviceTest.cpp - the CUDA device's memory and its errors ------------===//

#include "GpuTest.h"
#include "runtime/cuda/CudaDevice.h"
#include "runtime/exec/Executor.h"
#include "runtime/exec/VariableTable.h"
#include "runtime/support/Files.h"

using namespace mlir::simclr;

namespace {

std::unique_ptr<runtime::Device> makeDevice(const runtime::LoadedModule &module) {
  auto device = cuda::createCudaDevice(module);
  EXPECT_TRUE(static_cast<bool>(device)) << device.errorMessage();
  return device ? std::move(*device) : nullptr;
}

TEST(GpuDevice, MemoryIsZeroedAndCopiesGoBothWays) {
  SIMCLR_REQUIRE_GPU();
  auto device = makeDevice(test::emptyModule());
  ASSERT_TRUE(device);
  const size_t count = 3 << 20;
  auto a = device->allocate(count * sizeof(float));
  auto b = device->allocate(count * sizeof(float));
  ASSERT_TRUE(a && b);
  std::vector<float> host(count, 7.f), back(count, 7.f);
  device->download(back.data(), *a, count * sizeof(float));
  EXPECT_EQ(back, std::vector<float>(count, 0.f));
  for (size_t i = 0; i < count; ++i)
    host[i] = float(i % 1009) - 3.5f;
  device->upload(*a, host.data(), count * sizeof(float));
  device->copy(*b, *a, count * sizeof(float));
  device->download(back.data(), *b, count * sizeof(float));
  EXPECT_EQ(back, host);
  EXPECT_FALSE(static_cast<bool>(device->synchronize()));
  device->release(*a);
  device->release(*b);
}

TEST(GpuDevice, ArgumentsGoThroughPinnedStaging) {
  SIMCLR_REQUIRE_GPU();
  auto device = makeDevice(test::emptyModule());
  ASSERT_TRUE(device);
  for (size_t count : {size_t(1000), size_t(1000), size_t(50000)}) { // reused, then grown
    std::vector<float> host(count), back(count);
    for (size_t i = 0; i < count; ++i)
      host[i] = float(i) * 0.25f + float(count);
    auto staged = device->stageArgument(0, host.data(), count * sizeof(float));
    ASSERT_TRUE(static_cast<bool>(staged)) << staged.errorMessage();
    device->download(back.data(), *staged, count * sizeof(float));
    EXPECT_EQ(back, host);
  }
  EXPECT_FALSE(static_cast<bool>(device->synchronize()));
}

// More than the GPU has: an error in words, and the device still works after it.
TEST(GpuDevice, OutOfMemoryIsAnErrorInWords) {
  SIMCLR_REQUIRE_GPU();
  auto device = makeDevice(test::emptyModule());
  ASSERT_TRUE(device);
  auto huge = device->allocate(size_t(1) << 50);
  ASSERT_FALSE(static_cast<bool>(huge));
  EXPECT_NE(huge.errorMessage().find("out of memory: 1073741824.0 MiB asked for"),
            std::string::npos)
      << huge.errorMessage();
  EXPECT_NE(huge.errorMessage().find("free of"), std::string::npos) << huge.errorMessage();
  auto small = device->allocate(1024);
  ASSERT_TRUE(static_cast<bool>(small)) << small.errorMessage();
  EXPECT_FALSE(static_cast<bool>(device->synchronize()));
  device->release(*small);
}

// A module whose fatbin holds kernels for a newer GPU only.
TEST(GpuDevice, KernelsForANewerGpuAreRefused) {
  SIMCLR_REQUIRE_CASES();
  std::string path = runtime::joinPath(test::casesDirectory(), "arch-sm_100.sclm");
  auto module = runtime::readModule(path);
  ASSERT_TRUE(static_cast<bool>(module)) << module.errorMessage();
  auto device = cuda::createCudaDevice(*module);
  ASSERT_FALSE(static_cast<bool>(device));
  cudaDeviceProp properties{};
  ASSERT_EQ(cudaGetDeviceProperties(&properties, 0), cudaSuccess);
  std::string sm = "sm_" + std::to_string(properties.major * 10 + properties.minor);
  EXPECT_NE(device.errorMessage().find("its CUDA kernels are built for sm_100, and this GPU"),
            std::string::npos)
      << device.errorMessage();
  EXPECT_NE(device.errorMessage().find("--cuda-arch=" + sm), std::string::npos)
      << device.errorMessage();
}

// A step whose arena no GPU holds (ResNet-50 at 1,024 images: 173 GB of arena): the executor is
// refused naming the entry point, what did not fit, its size and the GPU's memory.
TEST(GpuDevice, AStepTooBigForTheGpuIsRefusedInWords) {
  SIMCLR_REQUIRE_CASES();
  auto module = runtime::readModule(runtime::joinPath(test::casesDirectory(), "too-big.sclm"));
  ASSERT_TRUE(static_cast<bool>(module)) << module.errorMessage();
  auto device = makeDevice(*module);
  ASSERT_TRUE(device);
  auto variables = runtime::VariableTable::create(*module, *device);
  ASSERT_TRUE(static_cast<bool>(variables)) << variables.errorMessage();
  auto executor = runtime::Executor::create(*module, "train_step", *device, **variables);
  ASSERT_FALSE(static_cast<bool>(executor));
  EXPECT_NE(executor.errorMessage().find("too-big.sclm: error: entry point 'train_step': no "
                                         "room on the cuda device for its arena: out of "
                                         "memory: 165081.0 MiB asked for, the GPU ("),
            std::string::npos)
      << executor.errorMessage();
  EXPECT_NE(executor.errorMessage().find(" free of "), std::string::npos)
      << executor.errorMessage();
}

} // namespace
