//===- KernelCheck.cpp - generated kernels vs the reference ----------------===//

#include "KernelCheck.h"
#include "frontend/LoadModule.h"
#include "passes/Passes.h"
#include "reference/Evaluator.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

#include <random>

using namespace mlir;
using namespace mlir::simclr;
using reference::Array;

void test::checkKernels(MLIRContext &context, ModuleOp module, KernelRunner &runner,
                        double tolerance) {
  std::vector<KernelOp> kernels;
  std::vector<KernelProgram> programs;
  for (auto &[kernel, name] : namedKernels(module)) {
    auto program = walkKernel(kernel, name);
    ASSERT_TRUE(succeeded(program));
    kernels.push_back(kernel);
    programs.push_back(std::move(*program));
  }
  ASSERT_FALSE(kernels.empty());
  ASSERT_TRUE(runner.build(programs));

  std::mt19937 rng(11);
  std::uniform_real_distribution<double> uniform(0.5, 1.5);
  for (size_t i = 0; i < kernels.size(); ++i) {
    KernelOp k = kernels[i];
    SCOPED_TRACE(programs[i].name);
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
    floats.reserve(k.getInputs().size());
    ints.reserve(k.getInputs().size());
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
    runner.run(i, inputs, outputs);

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
      EXPECT_LT(err / scale, tolerance) << "result " << r;
    }
    wrapper->erase();
  }
}

OwningOpRef<ModuleOp> test::stageModule(MLIRContext &context, const std::string &stage) {
  return tiny::compileTiny(context, tiny::tinyDescription(stage, ""));
}

OwningOpRef<ModuleOp> test::selectiveKernelModule(MLIRContext &context) {
  return tiny::compileTiny(context, tiny::tinySkDescription("pretrain"));
}

OwningOpRef<ModuleOp> test::unusualOpsModule(MLIRContext &context) {
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
  if (!module)
    return nullptr;
  PassManager pm(&context);
  pm.addPass(createAutodiff());
  pm.addPass(createFuseKernels());
  if (failed(pm.run(*module)))
    return nullptr;
  bool backward = false;
  module->walk([&](Operation *op) {
    backward |= llvm::isa<SliceBackwardOp, ReduceMaxBackwardOp, BatchNormInferBackwardOp,
                          MaxPool2DBackwardOp, AvgPool2DBackwardOp>(op);
  });
  EXPECT_TRUE(backward);
  return module;
}

OwningOpRef<ModuleOp> test::accurateLossesModule(MLIRContext &context) {
  frontend::loadModuleDialects(context);
  auto module = parseSourceString<ModuleOp>(R"(
func.func @f(%x: tensor<6x8xf32>, %l: tensor<5x4xf32>) -> (tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) {
  %n = simclr.l2_normalize %x axis 1 : tensor<6x8xf32>
  %z = simclr.concat %n, %n axis 0 : tensor<6x8xf32>, tensor<6x8xf32> -> tensor<12x8xf32>
  %loss, %accuracy = simclr.nt_xent_loss %z temperature 0.5 : tensor<12x8xf32>
  %t = simclr.softmax %l axis 1 : tensor<5x4xf32>
  %s = simclr.scale %l by 3.0 : tensor<5x4xf32>
  %c, %ca = simclr.softmax_cross_entropy %s, %t : tensor<5x4xf32>, tensor<5x4xf32>
  return %loss, %accuracy, %c, %ca : tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>
})",
                                            &context);
  if (!module)
    return nullptr;
  PassManager pm(&context);
  pm.addPass(createFuseKernels());
  if (failed(pm.run(*module)))
    return nullptr;
  return module;
}
