//===- CpuKernelsTest.cpp - generated CPU kernels vs the reference ---------===//
//
// Prints every fused kernel of several compiled training steps (pretraining, fine-tuning,
// linear evaluation, distillation, a selective-kernel ResNet-D, a hand-written step with
// the ops networks do not produce) as C++ for the CPU, builds them with the host compiler
// into a shared object, and runs each on random inputs against the float64 reference
// evaluator running the same kernel (KernelCheck.h).
//
//===----------------------------------------------------------------------===//

#include "KernelCheck.h"
#include "dialects/simclr/IR/SimclrOps.h"
#include "runtime/cpu/KernelBuild.h"
#include "runtime/support/Files.h"
#include "targets/cpu/CpuPrinter.h"

#include <gtest/gtest.h>

#include <dlfcn.h>

using namespace mlir;
using namespace mlir::simclr;

namespace {

class CpuRunner : public test::KernelRunner {
public:
  ~CpuRunner() override {
    if (handle)
      dlclose(handle);
  }
  bool build(const std::vector<KernelProgram> &programs) override {
    auto dir = runtime::TemporaryDirectory::create("simclr-cpu-kernels");
    EXPECT_TRUE(static_cast<bool>(dir));
    if (!dir)
      return false;
    std::string source = runtime::joinPath(dir->path(), "kernels.cpp");
    std::string library = runtime::joinPath(dir->path(), "kernels.so");
    std::string code = cpu::cpuKernelPrelude();
    for (const KernelProgram &program : programs)
      code += printCpuKernel(program) + "\n";
    EXPECT_FALSE(static_cast<bool>(runtime::writeFileAtomically(source, code)));
    if (runtime::Error e = cpu::buildCpuKernels(source, library)) {
      ADD_FAILURE() << e.message();
      return false;
    }
    handle = dlopen(library.c_str(), RTLD_NOW);
    EXPECT_TRUE(handle) << dlerror();
    for (const KernelProgram &program : programs)
      functions.push_back(
          reinterpret_cast<cpu::KernelFn>(handle ? dlsym(handle, program.name.c_str()) : nullptr));
    return handle != nullptr;
  }
  void run(size_t kernel, const std::vector<const void *> &inputs,
           const std::vector<void *> &outputs) override {
    ASSERT_TRUE(functions[kernel]);
    functions[kernel](inputs.data(), outputs.data());
  }

private:
  void *handle = nullptr;
  std::vector<cpu::KernelFn> functions;
};

void check(llvm::Expected<OwningOpRef<ModuleOp>> compiled, MLIRContext &context) {
  OwningOpRef<ModuleOp> module = test::orFail(std::move(compiled));
  ASSERT_TRUE(module);
  CpuRunner runner;
  test::checkKernels(context, *module, runner, 2e-5);
}

TEST(CpuKernels, PretrainingStep) {
  MLIRContext context;
  check(test::stageModule(context, "pretrain"), context);
}
// A bf16 step's kernels: they read the library calls' bf16 results and write bf16 operands
// for the next (simclr.convert fused in).
TEST(CpuKernels, Bf16SelectiveKernelStep) {
  MLIRContext context;
  check(tiny::compileDescription(context, tiny::tinySkDescription("pretrain", "precision: bf16\n")),
        context);
}
// The GPU's configuration in bf16: activations channels last (NHWC), so the kernels' batch
// norms, poolings and transposes index NHWC tensors.
TEST(CpuKernels, ChannelsLastBf16SelectiveKernelStep) {
  MLIRContext context;
  check(tiny::compileDescription(context, tiny::tinySkDescription("pretrain", "precision: bf16\n"),
                                 "nhwc"),
        context);
}
TEST(CpuKernels, FinetuningStep) {
  MLIRContext context;
  check(test::stageModule(context, "finetune"), context);
}
TEST(CpuKernels, LinearEvaluationStep) {
  MLIRContext context;
  check(test::stageModule(context, "linear_eval"), context);
}
TEST(CpuKernels, DistillationStep) {
  MLIRContext context;
  check(test::stageModule(context, "distill"), context);
}
TEST(CpuKernels, SelectiveKernelResNetDStep) {
  MLIRContext context;
  check(test::selectiveKernelModule(context), context);
}
// Ops the networks do not produce but kernels may hold: slices, max reductions, and a
// trainable inference-mode batch norm.
TEST(CpuKernels, SlicesMaxReductionsAndInferenceBatchNorm) {
  MLIRContext context;
  check(test::unusualOpsModule(context), context);
}
// That module holds the gradients of those ops (so the checks above and the GPU's run them).
TEST(CpuKernels, UnusualOpsModuleHoldsTheirGradients) {
  MLIRContext context;
  OwningOpRef<ModuleOp> module = test::orFail(test::unusualOpsModule(context, true));
  ASSERT_TRUE(module);
  int backward = 0;
  module->walk([&](Operation *op) {
    backward += llvm::isa<SliceBackwardOp, ReduceMaxBackwardOp, BatchNormInferBackwardOp,
                          MaxPool2DBackwardOp, AvgPool2DBackwardOp>(op);
  });
  EXPECT_EQ(backward, 5);
}
TEST(CpuKernels, LossesWithAccuracies) {
  MLIRContext context;
  check(test::accurateLossesModule(context), context);
}

} // namespace
