//===- DeviceTest.cpp - the CUDA device's memory and its errors ------------===//

#include "GpuTest.h"
#include "runtime/cuda/CudaDevice.h"
#include "runtime/exec/DeviceBytes.h"
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

TEST(GpuDevice, ArgumentsGoThroughPinnedStagingInTurns) {
  SIMCLR_REQUIRE_GPU();
  auto device = makeDevice(test::emptyModule());
  ASSERT_TRUE(device);
  std::vector<const void *> where;
  for (size_t count : {size_t(1000), size_t(1000), size_t(1000), size_t(50000)}) {
    std::vector<float> host(count), back(count);
    for (size_t i = 0; i < count; ++i)
      host[i] = float(i) * 0.25f + float(count);
    auto staged = device->stageArgument(this, 0, host.data(), count * sizeof(float));
    ASSERT_TRUE(static_cast<bool>(staged)) << staged.errorMessage();
    device->download(back.data(), *staged, count * sizeof(float));
    EXPECT_EQ(back, host);
    where.push_back(*staged);
  }
  // Two buffers in turn (the next run's batch is staged while this one computes), each
  // reused, the grown one anew.
  EXPECT_NE(where[0], where[1]);
  EXPECT_EQ(where[0], where[2]);
  // Another owner (executor) has buffers of its own.
  std::vector<float> other(1000, 3.f);
  int owner = 0;
  auto elsewhere = device->stageArgument(&owner, 0, other.data(), other.size() * sizeof(float));
  ASSERT_TRUE(static_cast<bool>(elsewhere));
  EXPECT_NE(*elsewhere, where[0]);
  EXPECT_NE(*elsewhere, where[1]);
  // An argument already on the GPU is read in place.
  auto resident = device->allocate(4096);
  ASSERT_TRUE(static_cast<bool>(resident));
  auto inPlace = device->stageArgument(this, 1, *resident, 4096);
  ASSERT_TRUE(static_cast<bool>(inPlace));
  EXPECT_EQ(*inPlace, *resident);
  device->release(*resident);
  device->forget(this);
  device->forget(&owner);
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

struct Trained {
  std::vector<std::vector<float>> results, variables;
};

/// `runs` training steps of the case module `name` from the variables of seed 3, on a CUDA
/// device that may or may not replay CUDA graphs: every step's results, and the variables
/// after them.
Trained trainSteps(const std::string &name, bool graphs, int runs) {
  Trained out;
  auto module = runtime::readModule(runtime::joinPath(test::casesDirectory(), name));
  EXPECT_TRUE(static_cast<bool>(module)) << module.errorMessage();
  if (!module)
    return out;
  auto device = makeDevice(*module);
  if (!device)
    return out;
  device->allowRecording(graphs);
  auto variables = runtime::VariableTable::create(*module, *device);
  EXPECT_TRUE(static_cast<bool>(variables)) << variables.errorMessage();
  if (!variables)
    return out;
  EXPECT_FALSE(static_cast<bool>((*variables)->initialize(3)));
  auto step = runtime::Executor::create(*module, "train_step", *device, **variables);
  EXPECT_TRUE(static_cast<bool>(step)) << step.errorMessage();
  if (!step)
    return out;
  // Arguments: images in [0, 1), the step number, warmup and total steps.
  std::vector<std::vector<float>> arguments;
  for (const runtime::Operand &a : (*step)->schedule().arguments()) {
    arguments.emplace_back(size_t(a.count));
    for (size_t i = 0; i < arguments.back().size(); ++i)
      arguments.back()[i] = float((i * 7919) % 1000) / 1000.f;
  }
  for (int run = 0; run < runs; ++run) {
    std::vector<const void *> pointers;
    for (size_t i = 0; i < arguments.size(); ++i) {
      if (arguments[i].size() == 1) // step, warmup, total
        arguments[i][0] = i == 1 ? float(run) : i == 2 ? 2.f : 10.f;
      pointers.push_back(arguments[i].data());
    }
    auto results = (*step)->run(pointers);
    EXPECT_TRUE(static_cast<bool>(results)) << results.errorMessage();
    if (!results)
      return out;
    out.results.insert(out.results.end(), results->begin(), results->end());
  }
  for (auto &[name, tensor] : (*variables)->save())
    out.variables.push_back(test::floatsOf(tensor));
  return out;
}

// Steps replayed from a CUDA graph (captured at the second) give the bits of steps issued
// anew, and the capture works (no warning that it did not).
TEST(GpuDevice, StepsReplayedFromACudaGraphEqualStepsIssuedAnew) {
  SIMCLR_REQUIRE_CASES();
  ::testing::internal::CaptureStderr();
  auto replayed = trainSteps("kernels-pretrain.sclm", true, 5);
  std::string warnings = ::testing::internal::GetCapturedStderr();
  auto issued = trainSteps("kernels-pretrain.sclm", false, 5);
  EXPECT_EQ(warnings.find("could not be captured"), std::string::npos) << warnings;
  ASSERT_FALSE(replayed.variables.empty());
  EXPECT_EQ(replayed.results, issued.results);
  EXPECT_EQ(replayed.variables, issued.variables);
  // The replayed steps did change the variables (a replay that did nothing would not).
  auto twice = trainSteps("kernels-pretrain.sclm", true, 2);
  EXPECT_NE(twice.variables, replayed.variables);
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

// "Will it fit" on the GPU: a run of ResNet-50 at 1,024 images is refused before anything is
// allocated, with what it takes by part and what the GPU has; the Fashion-MNIST step fits.
TEST(GpuDevice, ARunThatDoesNotFitIsRefusedWithTheFigures) {
  SIMCLR_REQUIRE_CASES();
  auto big = runtime::readModule(runtime::joinPath(test::casesDirectory(), "too-big.sclm"));
  ASSERT_TRUE(static_cast<bool>(big)) << big.errorMessage();
  auto device = makeDevice(*big);
  ASSERT_TRUE(device);
  auto needed = runtime::deviceBytes(*big, format::Target::Cuda, {"train_step"});
  ASSERT_TRUE(static_cast<bool>(needed)) << needed.errorMessage();
  runtime::Error refused = device->checkFits(*big, {"train_step"});
  ASSERT_TRUE(static_cast<bool>(refused));
  std::string message = runtime::toString(refused);
  EXPECT_NE(message.find("too-big.sclm: error: the run takes " +
                         runtime::humanBytes(needed->total()) + " on the GPU (variables "),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("arena of train_step " + runtime::humanBytes(needed->arenas[0].second)),
            std::string::npos)
      << message;
  EXPECT_NE(message.find(" free of "), std::string::npos) << message;
  EXPECT_NE(message.find("simclrc --stats --target=cuda --batch-size=N"), std::string::npos)
      << message;

  auto small = runtime::readModule(runtime::joinPath(test::casesDirectory(), "kernels-pretrain.sclm"));
  ASSERT_TRUE(static_cast<bool>(small)) << small.errorMessage();
  EXPECT_FALSE(static_cast<bool>(device->checkFits(*small, {"train_step"})));
}

} // namespace
