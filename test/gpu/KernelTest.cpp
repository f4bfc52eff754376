//===- KernelTest.cpp - every fused kernel family on the GPU ---------------===//
//
// simclr-gpu-cases's kernel modules (the tiny steps of every stage, a selective-kernel
// ResNet-D, the ops networks do not produce, losses with non-zero accuracies) loaded by
// the CUDA device from their fatbins and launched by their plans, each kernel on the
// case's inputs against the float64 reference's results: the unit tests' measure and
// tolerance (test/unit/CudaKernelsTest.cpp runs the same code under an emulation).
//
//===----------------------------------------------------------------------===//

#include "ErrorMeasures.h"
#include "GpuTest.h"
#include "runtime/Safetensors.h"
#include "runtime/cuda/CudaDevice.h"
#include "runtime/support/Files.h"
#include "runtime/support/Strings.h"

#include <cstdio>

using namespace mlir::simclr;

namespace {

constexpr double kTolerance = 2e-5;

/// Runs every kernel of one case file and prints the largest error.
void checkCaseFile(const std::string &casesPath) {
  std::map<std::string, std::string> metadata;
  auto cases = runtime::readSafetensors(casesPath, &metadata);
  EXPECT_TRUE(static_cast<bool>(cases)) << cases.errorMessage();
  if (!cases)
    return;
  std::string modulePath =
      runtime::joinPath(runtime::parentPath(casesPath), metadata["module"]);
  auto module = runtime::readModule(modulePath);
  EXPECT_TRUE(static_cast<bool>(module)) << module.errorMessage();
  if (!module)
    return;
  auto device = cuda::createCudaDevice(*module);
  EXPECT_TRUE(static_cast<bool>(device)) << device.errorMessage();
  if (!device)
    return;
  const auto *kernels = module->root().kernels();
  size_t count = kernels ? kernels->size() : 0;
  EXPECT_EQ(std::to_string(count), metadata["kernels"]);
  double worst = 0;
  for (size_t k = 0; k < count; ++k) {
    SCOPED_TRACE(modulePath + ": kernel " + std::to_string(k) + " (" +
                 kernels->Get(k)->name()->str() + ")");
    std::vector<void *> memory;
    std::vector<const void *> inputs;
    std::vector<void *> outputs;
    std::vector<const runtime::Tensor *> expected;
    std::string prefix = "k" + std::to_string(k) + ".";
    for (size_t i = 0;; ++i) {
      auto it = cases->find(prefix + "in" + std::to_string(i));
      if (it == cases->end())
        break;
      auto buffer = (*device)->allocate(it->second.data.size());
      ASSERT_TRUE(static_cast<bool>(buffer)) << buffer.errorMessage();
      (*device)->upload(*buffer, it->second.data.data(), it->second.data.size());
      memory.push_back(*buffer);
      inputs.push_back(*buffer);
    }
    for (size_t i = 0;; ++i) {
      auto it = cases->find(prefix + "out" + std::to_string(i));
      if (it == cases->end())
        break;
      auto buffer = (*device)->allocate(size_t(it->second.numElements()) * sizeof(float));
      ASSERT_TRUE(static_cast<bool>(buffer)) << buffer.errorMessage();
      // Poisoned, so that an element no thread writes shows.
      std::vector<float> poison(size_t(it->second.numElements()), NAN);
      (*device)->upload(*buffer, poison.data(), poison.size() * sizeof(float));
      memory.push_back(*buffer);
      outputs.push_back(*buffer);
      expected.push_back(&it->second);
    }
    ASSERT_FALSE(expected.empty());
    (*device)->launch(int(k), inputs.data(), inputs.size(), outputs.data(), outputs.size());
    runtime::Error e = (*device)->synchronize();
    ASSERT_FALSE(static_cast<bool>(e)) << e.message();
    for (size_t r = 0; r < outputs.size(); ++r) {
      std::vector<float> got(size_t(expected[r]->numElements()));
      (*device)->download(got.data(), outputs[r], got.size() * sizeof(float));
      double error = test::relativeError(got, expected[r]->toDoubles());
      EXPECT_LT(error, kTolerance) << "result " << r;
      worst = std::max(worst, error);
    }
    for (void *m : memory)
      (*device)->release(m);
  }
  std::printf("%s: %zu kernels, largest error %.3g\n", runtime::fileName(casesPath).c_str(),
              count, worst);
}

TEST(GpuKernels, EveryKernelMatchesTheFloat64Reference) {
  SIMCLR_REQUIRE_CASES();
  auto names = runtime::listDirectory(test::casesDirectory());
  ASSERT_TRUE(static_cast<bool>(names)) << names.errorMessage();
  int files = 0;
  for (const std::string &name : *names)
    if (runtime::startsWith(name, "kernels-") && runtime::endsWith(name, ".safetensors")) {
      checkCaseFile(runtime::joinPath(test::casesDirectory(), name));
      ++files;
    }
  EXPECT_EQ(files, 7) << "the cases of every kernel module simclr-gpu-cases writes";
}

} // namespace
