//===- NcclTest.cpp - the GPU's collectives through NCCL, at one rank -----===//
//
// runtime/cuda/NcclCollectives.h on one GPU: a single GPU cannot hold two NCCL ranks, so
// this checks one rank's plumbing (docs/DISTRIBUTED.md covers 2 ranks on paper and with
// the shared pass tests): the bootstrap over the host communicator, each collective on
// the collectives' stream ordered after the compute stream's earlier work and before its
// later work, the mean (ncclAvg), and the same inside a captured CUDA graph, replayed on
// new data.
//
//===----------------------------------------------------------------------===//

#include "GpuTest.h"
#include "runtime/comm/Communicator.h"
#include "runtime/cuda/NcclCollectives.h"

using namespace mlir::simclr;

namespace {

/// One rank: the local communicator, a compute stream, and NCCL over them.
class GpuNccl : public ::testing::Test {
protected:
  void SetUp() override {
    SIMCLR_REQUIRE_GPU();
    ASSERT_EQ(cudaStreamCreate(&compute), cudaSuccess);
    auto made = cuda::NcclCollectives::create(*host, compute, 60);
    ASSERT_TRUE(static_cast<bool>(made)) << made.errorMessage();
    nccl = std::move(*made);
  }
  void TearDown() override {
    nccl.reset();
    if (compute)
      cudaStreamDestroy(compute);
  }
  std::unique_ptr<runtime::Communicator> host = runtime::localCommunicator();
  cudaStream_t compute = nullptr;
  std::unique_ptr<cuda::NcclCollectives> nccl;
};

/// Writes `source` into `in` on the compute stream, runs `kind` from `in` into `out` on
/// the collectives' stream, and copies `out` into `copy` on the compute stream again:
/// `copy` holds the collective's result only if both orders hold.
void collectiveBetween(cuda::NcclCollectives &nccl, cudaStream_t compute,
                       runtime::Collective kind, bool mean, const test::DeviceBuffer &source,
                       const test::DeviceBuffer &in, const test::DeviceBuffer &out,
                       const test::DeviceBuffer &copy, size_t count, size_t outCount) {
  ASSERT_EQ(cudaMemcpyAsync(in.data(), source.data(), count * sizeof(float),
                            cudaMemcpyDeviceToDevice, compute),
            cudaSuccess);
  auto ticket = nccl.start(kind, in.data(), out.data(), count, mean);
  ASSERT_TRUE(static_cast<bool>(ticket)) << ticket.errorMessage();
  ASSERT_FALSE(static_cast<bool>(nccl.wait(*ticket)));
  ASSERT_EQ(cudaMemcpyAsync(copy.data(), out.data(), outCount * sizeof(float),
                            cudaMemcpyDeviceToDevice, compute),
            cudaSuccess);
}

TEST_F(GpuNccl, OneRanksCollectivesAreOrderedWithTheComputeStream) {
  EXPECT_EQ(nccl->rank(), 0);
  EXPECT_EQ(nccl->size(), 1);
  size_t count = 4096, bytes = count * sizeof(float);
  test::DeviceBuffer source(bytes), in(bytes), out(bytes), copy(bytes);
  int round = 0;
  for (auto [kind, mean] : {std::pair{runtime::Collective::AllReduceSum, false},
                            std::pair{runtime::Collective::AllReduceSum, true},
                            std::pair{runtime::Collective::AllGather, false},
                            std::pair{runtime::Collective::ReduceScatterSum, false}}) {
    // New values each round, and everything else cleared on the compute stream: a
    // collective that ran out of order would leave zeros or the last round's values.
    std::vector<float> values(count);
    float scale = float(++round);
    for (size_t i = 0; i < count; ++i)
      values[i] = float(int(i % 97) - 40) * scale;
    ASSERT_EQ(cudaMemcpy(source.data(), values.data(), bytes, cudaMemcpyHostToDevice),
              cudaSuccess);
    for (const test::DeviceBuffer *b : {&in, &out, &copy})
      ASSERT_EQ(cudaMemsetAsync(b->data(), 0, bytes, compute), cudaSuccess);
    collectiveBetween(*nccl, compute, kind, mean, source, in, out, copy, count, count);
    ASSERT_FALSE(static_cast<bool>(nccl->waitFor(compute, "the test")));
    EXPECT_EQ(copy.download(count), values) << int(kind) << " mean " << mean;
  }
}

TEST_F(GpuNccl, OneRanksCollectivesReplayFromACudaGraph) {
  size_t count = 1000;
  std::vector<float> first(count, 1.5f), second(count);
  for (size_t i = 0; i < count; ++i)
    second[i] = float(i) * 0.25f;
  test::DeviceBuffer source(first), in(count * sizeof(float)), out(count * sizeof(float)),
      copy(count * sizeof(float));
  ASSERT_EQ(cudaStreamBeginCapture(compute, cudaStreamCaptureModeThreadLocal), cudaSuccess);
  collectiveBetween(*nccl, compute, runtime::Collective::AllReduceSum, true, source, in, out,
                    copy, count, count);
  cudaGraph_t graph = nullptr;
  ASSERT_EQ(cudaStreamEndCapture(compute, &graph), cudaSuccess);
  cudaGraphExec_t exec = nullptr;
  ASSERT_EQ(cudaGraphInstantiate(&exec, graph, 0), cudaSuccess);
  cudaGraphDestroy(graph);
  for (const std::vector<float> *values : {&first, &second}) {
    ASSERT_EQ(cudaMemcpy(source.data(), values->data(), count * sizeof(float),
                         cudaMemcpyHostToDevice),
              cudaSuccess);
    ASSERT_EQ(cudaGraphLaunch(exec, compute), cudaSuccess);
    ASSERT_FALSE(static_cast<bool>(nccl->waitFor(compute, "the replay")));
    EXPECT_EQ(copy.download(count), *values);
  }
  cudaGraphExecDestroy(exec);
}

} // namespace
