//===- CpuKernelsTest.cpp - generated CPU kernels vs the reference ---------===//
//
// Compiles every fused kernel of several compiled training steps (pretraining,
// fine-tuning, linear evaluation, distillation) to C++ with the CPU emitter, builds them
// with the host compiler into a shared object, and runs each on random inputs against
// the float64 reference evaluator running the same kernel.
//
//===----------------------------------------------------------------------===//

#include "TinyModels.h"
#include "frontend/LoadModule.h"
#include "mlir/Parser/Parser.h"
#include "reference/Evaluator.h"
#include "runtime/cpu/KernelBuild.h"
#include "targets/cpu/CpuPrinter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <dlfcn.h>
#include <fstream>
#include <random>

using namespace mlir;
using namespace mlir::simclr;
using reference::Array;

namespace {


using cpu::KernelFn;

void checkModule(MLIRContext &context, ModuleOp module);

void checkStage(const std::string &stage) {
  SCOPED_TRACE(stage);
  MLIRContext context;
  auto module = tiny::compileTiny(context, tiny::tinyDescription(stage, ""));
  ASSERT_TRUE(module);
  checkModule(context, *module);
}

void checkModule(MLIRContext &context, ModuleOp module) {

  // Emit and build every kernel of the step.
  SmallVector<KernelOp> kernels;
  module.walk([&](KernelOp k) { kernels.push_back(k); });
  ASSERT_FALSE(kernels.empty());
  llvm::SmallString<128> dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("simclr-cpu-kernels", dir));
  std::string source = (dir + "/kernels.cpp").str(), library = (dir + "/kernels.so").str();
  {
    std::ofstream out(source);
    out << cpu::cpuKernelPrelude();
    for (auto [i, k] : llvm::enumerate(kernels)) {
      auto code = emitCpuKernel(k, "kernel" + std::to_string(i));
      ASSERT_TRUE(succeeded(code));
      out << *code << "\n";
    }
  }
  if (runtime::Error e = cpu::buildCpuKernels(source, library))
    FAIL() << e.message();
  void *handle = dlopen(library.c_str(), RTLD_NOW);
  ASSERT_TRUE(handle) << dlerror();

  std::mt19937 rng(11);
  std::uniform_real_distribution<double> uniform(0.5, 1.5);
  for (auto [i, k] : llvm::enumerate(kernels)) {
    SCOPED_TRACE("kernel" + std::to_string(i));
    auto fn = reinterpret_cast<KernelFn>(dlsym(handle, ("kernel" + std::to_string(i)).c_str()));
    ASSERT_TRUE(fn);
    // The same kernel in a function of its own, for the reference evaluator.
    OpBuilder b(&context);
    auto wrapper = ModuleOp::create(b.getUnknownLoc());
    b.setInsertionPointToEnd(wrapper.getBody());
    auto func = func::FuncOp::create(
        b, k.getLoc(), "f", b.getFunctionType(k.getInputs().getTypes(), k.getResultTypes()));
    Block *entry = func.addEntryBlock();
    b.setInsertionPointToEnd(entry);
    Operation *copy = b.clone(*k);
    copy->setOperands(entry->getArguments());
    func::ReturnOp::create(b, k.getLoc(), copy->getResults());

    std::vector<Array> args;
    std::vector<std::vector<float>> floats;
    std::vector<std::vector<int32_t>> ints;
    std::vector<const void *> inputs;
    for (Value input : k.getInputs()) {
      auto type = llvm::cast<RankedTensorType>(input.getType());
      Array a(type.getShape().vec());
      bool labels = type.getElementType().isInteger(32);
      for (double &v : a.data)
        v = labels ? double(rng() % 3) : static_cast<float>(uniform(rng));
      args.push_back(a);
      if (labels) {
        ints.emplace_back(a.data.begin(), a.data.end());
        inputs.push_back(ints.back().data());
      } else {
        floats.emplace_back(a.data.begin(), a.data.end());
        inputs.push_back(floats.back().data());
      }
    }
    std::vector<std::vector<float>> results;
    std::vector<void *> outputs;
    results.reserve(k.getNumResults());
    for (Value r : k.getResults()) {
      results.emplace_back(llvm::cast<RankedTensorType>(r.getType()).getNumElements());
      outputs.push_back(results.back().data());
    }
    fn(inputs.data(), outputs.data());

    reference::Evaluator evaluator(wrapper);
    auto expected = evaluator.run("f", args);
    ASSERT_TRUE(static_cast<bool>(expected)) << llvm::toString(expected.takeError());
    for (size_t r = 0; r < results.size(); ++r) {
      const Array &want = (*expected)[r];
      double scale = 1.0, err = 0.0;
      for (double v : want.data)
        scale = std::max(scale, std::fabs(v));
      for (size_t e = 0; e < results[r].size(); ++e)
        err = std::max(err, std::fabs(results[r][e] - want.data[e]));
      EXPECT_LT(err / scale, 2e-5) << "result " << r;
    }
    wrapper->erase();
  }
  dlclose(handle);
  llvm::sys::fs::remove_directories(dir);
}

TEST(CpuKernels, PretrainingStep) { checkStage("pretrain"); }
TEST(CpuKernels, FinetuningStep) { checkStage("finetune"); }
TEST(CpuKernels, LinearEvaluationStep) { checkStage("linear_eval"); }
TEST(CpuKernels, DistillationStep) { checkStage("distill"); }

TEST(CpuKernels, SelectiveKernelResNetDStep) {
  MLIRContext context;
  auto module = tiny::compileTiny(context, tiny::tinySkDescription("pretrain"));
  ASSERT_TRUE(module);
  checkModule(context, *module);
}

// Ops the networks do not produce but kernels may hold: slices, max reductions, and a
// trainable inference-mode batch norm.
TEST(CpuKernels, SlicesMaxReductionsAndInferenceBatchNorm) {
  MLIRContext context;
  frontend::loadModuleDialects(context);
  auto module = parseSourceString<ModuleOp>(R"(
simclr.parameter @x : tensor<2x3x4x4xf32> {group = "backbone", init = "zeros"}
simclr.parameter @g : tensor<3xf32> {group = "backbone", init = "ones"}
simclr.state @m : tensor<3xf32> {init = "zeros"}
simclr.state @v : tensor<3xf32> {init = "ones"}
func.func @train_step(%w: tensor<2x3x2x2xf32>) -> tensor<f32> attributes {simclr.stage = "pretrain"} {
  %x = simclr.load @x : tensor<2x3x4x4xf32>
  %g = simclr.load @g : tensor<3xf32>
  %m = simclr.load @m : tensor<3xf32>
  %v = simclr.load @v : tensor<3xf32>
  %n = simclr.batch_norm_infer %x scale %g stats %m, %v : tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  %p = simclr.max_pool2d %n kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1] : tensor<2x3x4x4xf32> -> tensor<2x3x2x2xf32>
  %a = simclr.avg_pool2d %n kernel [2, 2] stride [2, 2] padding [0, 0, 1, 1] : tensor<2x3x4x4xf32> -> tensor<2x3x2x2xf32>
  %s = simclr.slice %n offsets [0, 0, 1, 0] sizes [2, 3, 2, 2] strides [1, 1, 2, 2] : tensor<2x3x4x4xf32> -> tensor<2x3x2x2xf32>
  %pa = simclr.add %p, %a : tensor<2x3x2x2xf32>, tensor<2x3x2x2xf32> -> tensor<2x3x2x2xf32>
  %t = simclr.mul %pa, %s : tensor<2x3x2x2xf32>, tensor<2x3x2x2xf32> -> tensor<2x3x2x2xf32>
  %u = simclr.mul %t, %w : tensor<2x3x2x2xf32>, tensor<2x3x2x2xf32> -> tensor<2x3x2x2xf32>
  %r = simclr.reduce_max %u axes [1] : tensor<2x3x2x2xf32> -> tensor<2x2x2xf32>
  %l = simclr.reduce_sum %r axes [0, 1, 2] : tensor<2x2x2xf32> -> tensor<f32>
  return %l : tensor<f32>
})",
                                            &context);
  ASSERT_TRUE(module);
  PassManager pm(&context);
  pm.addPass(createAutodiff());
  pm.addPass(createFuseKernels());
  ASSERT_TRUE(succeeded(pm.run(*module)));
  bool backward = false;
  module->walk([&](Operation *op) {
    backward |= llvm::isa<SliceBackwardOp, ReduceMaxBackwardOp, BatchNormInferBackwardOp,
                          MaxPool2DBackwardOp, AvgPool2DBackwardOp>(op);
  });
  EXPECT_TRUE(backward);
  checkModule(context, *module);
}

} // namespace
