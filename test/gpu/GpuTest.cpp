//===- GpuTest.cpp - what the GPU tests share ------------------------------===//

#include "GpuTest.h"
#include "runtime/module/Format.h"
#include "runtime/module/Module_generated.h"

#include <cstdlib>

using namespace mlir::simclr;

std::string test::whyNoGpu() {
  int count = 0;
  cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess)
    return std::string("no CUDA GPU can be used: ") + cudaGetErrorName(status) + " (" +
           cudaGetErrorString(status) + ")";
  if (count == 0)
    return "no CUDA GPU on this machine";
  return "";
}

std::string test::casesDirectory() {
  const char *dir = std::getenv("SIMCLR_GPU_CASES");
  return dir && *dir ? dir : "";
}

runtime::LoadedModule test::emptyModule() {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<format::Variable>> variables;
  std::vector<flatbuffers::Offset<format::EntryPoint>> entries;
  fbb.Finish(format::CreateModuleDirect(fbb, runtime::kModuleVersion, "empty", nullptr,
                                        &variables, nullptr, nullptr, nullptr, &entries),
             format::ModuleIdentifier());
  auto module = runtime::parseModule(
      runtime::wrapModulePayload(fbb.GetBufferPointer(), fbb.GetSize()), "empty.sclm");
  EXPECT_TRUE(static_cast<bool>(module)) << module.errorMessage();
  return std::move(*module);
}

std::vector<float> test::floatsOf(const runtime::Tensor &t) {
  std::vector<double> values = t.toDoubles();
  return std::vector<float>(values.begin(), values.end());
}

test::DeviceBuffer::DeviceBuffer(size_t bytes) {
  EXPECT_EQ(cudaMalloc(&memory, bytes ? bytes : 4), cudaSuccess);
  EXPECT_EQ(cudaMemset(memory, 0, bytes), cudaSuccess);
}

test::DeviceBuffer::DeviceBuffer(const std::vector<float> &values)
    : DeviceBuffer(values.size() * sizeof(float)) {
  EXPECT_EQ(cudaMemcpy(memory, values.data(), values.size() * sizeof(float),
                       cudaMemcpyHostToDevice),
            cudaSuccess);
}

test::DeviceBuffer::~DeviceBuffer() { cudaFree(memory); }

std::vector<float> test::DeviceBuffer::download(size_t count) const {
  std::vector<float> values(count);
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  EXPECT_EQ(cudaMemcpy(values.data(), memory, count * sizeof(float), cudaMemcpyDeviceToHost),
            cudaSuccess);
  return values;
}
