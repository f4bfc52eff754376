//===- CudaKernelsTest.cpp - generated CUDA kernels, emulated, vs the reference ===//
//
// Without a GPU: prints every fused kernel of the steps KernelCheck.h checks as CUDA C++,
// builds the code as host C++ with CUDA's execution model emulated (CudaEmulation.h), and
// runs each kernel by its launch plan: every launch, every block, every thread (as a
// std::thread, __syncthreads a barrier), the operand tables, scratch and temp as the CUDA
// device gives them. Grids and blocks other than the plan's (3 blocks at most, 32
// threads) on purpose: every building block must be right for any of them. Compared with
// the float64 reference evaluator, as the CPU kernels are.
//
//===----------------------------------------------------------------------===//

#include "KernelCheck.h"
#include "runtime/support/Files.h"
#include "runtime/support/Installation.h"
#include "runtime/support/Process.h"
#include "targets/cuda/CudaPrinter.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <dlfcn.h>
#include <mutex>
#include <thread>

using namespace mlir;
using namespace mlir::simclr;

namespace {

/// A barrier for the threads of one emulated block.
class Barrier {
public:
  void reset(unsigned threads) {
    count = threads;
    waiting = 0;
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mutex);
    unsigned generation = this->generation;
    if (++waiting == count) {
      waiting = 0;
      ++this->generation;
      changed.notify_all();
      return;
    }
    changed.wait(lock, [&] { return generation != this->generation; });
  }

private:
  std::mutex mutex;
  std::condition_variable changed;
  unsigned count = 1, waiting = 0, generation = 0;
};

Barrier barrier;
void waitAtBarrier() { barrier.wait(); }

using GlobalFn = void (*)(const void *const *, void *const *, float *, void *);

class EmulatedCudaRunner : public test::KernelRunner {
public:
  static constexpr unsigned kBlock = 32, kMaxGrid = 3;

  ~EmulatedCudaRunner() override {
    if (handle)
      dlclose(handle);
  }

  bool build(const std::vector<KernelProgram> &programs) override {
    auto dir = runtime::TemporaryDirectory::create("simclr-cuda-emulation");
    EXPECT_TRUE(static_cast<bool>(dir));
    if (!dir)
      return false;
    std::string source = runtime::joinPath(dir->path(), "kernels.cu");
    std::string library = runtime::joinPath(dir->path(), "kernels.so");
    // As simclrc builds a module: identical functions once, launched by every kernel.
    CudaModuleSource code;
    for (const KernelProgram &program : programs) {
      kernels.push_back(printCudaKernel(program));
      code.add(kernels.back());
    }
    EXPECT_FALSE(static_cast<bool>(runtime::writeFileAtomically(source, code.code())));
    if (runtime::Error e = runtime::runBuildTool(
            {runtime::hostCompiler(), "-std=c++17", "-O1", "-fPIC", "-shared", "-x", "c++",
             "-include", SIMCLR_TEST_UNIT_DIR "/CudaEmulation.h",
             "-I" + runtime::runtimeIncludeDirectory(), source, "-o", library},
            "the emulated CUDA kernels")) {
      ADD_FAILURE() << e.message();
      return false;
    }
    handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
    EXPECT_TRUE(handle) << dlerror();
    if (!handle)
      return false;
    configure = reinterpret_cast<void (*)(unsigned, unsigned, void (*)())>(
        dlsym(handle, "simclr_emulation_launch"));
    placeThread = reinterpret_cast<void (*)(unsigned, unsigned)>(
        dlsym(handle, "simclr_emulation_thread"));
    return configure && placeThread;
  }

  void run(size_t kernel, const std::vector<const void *> &inputs,
           const std::vector<void *> &outputs) override {
    const CudaKernel &k = kernels[kernel];
    std::vector<float> scratch(size_t(k.scratchFloats) + 1);
    std::vector<uint64_t> temp(size_t(k.tempBytes) / 8 + 1);
    for (const CudaLaunch &launch : k.launches) {
      auto fn = reinterpret_cast<GlobalFn>(dlsym(handle, launch.function.c_str()));
      ASSERT_TRUE(fn) << launch.function;
      ASSERT_GE(launch.grid, 1);
      ASSERT_EQ(launch.block, 256); // the plans launch full blocks; the emulation, fewer
      unsigned grid = unsigned(std::min<int64_t>(launch.grid, kMaxGrid));
      configure(grid, kBlock, waitAtBarrier);
      for (unsigned block = 0; block < grid; ++block) {
        barrier.reset(kBlock);
        std::vector<std::thread> threads;
        for (unsigned t = 0; t < kBlock; ++t)
          threads.emplace_back([&, t] {
            placeThread(block, t);
            fn(inputs.data(), outputs.data(), scratch.data(), temp.data());
          });
        for (std::thread &thread : threads)
          thread.join();
      }
    }
  }

private:
  void *handle = nullptr;
  std::vector<CudaKernel> kernels;
  void (*configure)(unsigned, unsigned, void (*)()) = nullptr;
  void (*placeThread)(unsigned, unsigned) = nullptr;
};

void check(llvm::Expected<OwningOpRef<ModuleOp>> compiled, MLIRContext &context) {
  OwningOpRef<ModuleOp> module = test::orFail(std::move(compiled));
  ASSERT_TRUE(module);
  EmulatedCudaRunner runner;
  test::checkKernels(context, *module, runner, 2e-5);
}

TEST(CudaKernelsEmulated, PretrainingStep) {
  MLIRContext context;
  check(test::stageModule(context, "pretrain"), context);
}
// A bf16 step's kernels: they read the library calls' bf16 results and write bf16 operands
// for the next (simclr.convert fused in).
TEST(CudaKernelsEmulated, Bf16SelectiveKernelStep) {
  MLIRContext context;
  check(tiny::compileDescription(context, tiny::tinySkDescription("pretrain", "precision: bf16\n")),
        context);
}
// The GPU's configuration in bf16: activations channels last (NHWC), so the kernels' batch
// norms, poolings and transposes index NHWC tensors.
TEST(CudaKernelsEmulated, ChannelsLastBf16SelectiveKernelStep) {
  MLIRContext context;
  check(tiny::compileDescription(context, tiny::tinySkDescription("pretrain", "precision: bf16\n"),
                                 "nhwc"),
        context);
}
TEST(CudaKernelsEmulated, FinetuningStep) {
  MLIRContext context;
  check(test::stageModule(context, "finetune"), context);
}
TEST(CudaKernelsEmulated, LinearEvaluationStep) {
  MLIRContext context;
  check(test::stageModule(context, "linear_eval"), context);
}
TEST(CudaKernelsEmulated, DistillationStep) {
  MLIRContext context;
  check(test::stageModule(context, "distill"), context);
}
TEST(CudaKernelsEmulated, SelectiveKernelResNetDStep) {
  MLIRContext context;
  check(test::selectiveKernelModule(context), context);
}
TEST(CudaKernelsEmulated, SlicesMaxReductionsAndInferenceBatchNorm) {
  MLIRContext context;
  check(test::unusualOpsModule(context), context);
}
TEST(CudaKernelsEmulated, LossesWithAccuracies) {
  MLIRContext context;
  check(test::accurateLossesModule(context), context);
}

} // namespace
