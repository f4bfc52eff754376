//===- TestModels.cpp - small compiled steps for the tests -----------------===//

#include "TestModels.h"
#include "dialects/simclr/IR/SimclrDialect.h"
#include "frontend/Description.h"
#include "frontend/LoadModule.h"
#include "frontend/ModelBuilder.h"
#include "passes/Passes.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

using namespace mlir;
using namespace mlir::simclr;

namespace {

llvm::Error makeError(const std::string &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// `source` parsed, then run through `passes`; MLIR's diagnostics go into the error.
llvm::Expected<OwningOpRef<ModuleOp>>
parseAndRun(MLIRContext &context, const char *source, const std::string &what,
            const std::function<void(PassManager &)> &passes) {
  frontend::loadModuleDialects(context);
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
    diagnostics += d.str() + "\n";
    return success();
  });
  auto module = parseSourceString<ModuleOp>(source, &context);
  if (!module)
    return makeError(what + " does not parse: " + diagnostics);
  PassManager pm(&context);
  passes(pm);
  if (mlir::failed(pm.run(*module)))
    return makeError(what + " does not compile: " + diagnostics);
  return std::move(module);
}

} // namespace

llvm::Expected<OwningOpRef<ModuleOp>> tiny::compileDescription(MLIRContext &context,
                                                               const std::string &text,
                                                               const std::string &layout) {
  auto desc = frontend::parseDescription(text, "tiny.yaml");
  if (!desc)
    return desc.takeError();
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
    diagnostics += d.str() + "\n";
    return success();
  });
  auto module = frontend::buildModule(*desc, context);
  if (!module)
    return makeError("the tiny model did not build: " + diagnostics);
  if (!layout.empty())
    context.getLoadedDialect<SimclrDialect>()->getLayoutAttrHelper().setAttr(
        *module, StringAttr::get(&context, layout));
  if (mlir::failed(compileTrainingStep(*module)))
    return makeError("simclr-training-step failed on the tiny model: " + diagnostics);
  return std::move(module);
}

llvm::Expected<OwningOpRef<ModuleOp>> test::stageModule(MLIRContext &context,
                                                        const std::string &stage) {
  return tiny::compileDescription(context, tiny::tinyDescription(stage, ""));
}

llvm::Expected<OwningOpRef<ModuleOp>> test::selectiveKernelModule(MLIRContext &context) {
  return tiny::compileDescription(context, tiny::tinySkDescription("pretrain"));
}

llvm::Expected<OwningOpRef<ModuleOp>> test::unusualOpsModule(MLIRContext &context,
                                                             bool planned) {
  return parseAndRun(context, R"(
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
})", "the unusual-ops step", [&](PassManager &pm) {
    pm.addPass(createAutodiff());
    pm.addPass(createFuseKernels());
    if (planned)
      pm.addPass(createPlanMemory());
  });
}

llvm::Expected<OwningOpRef<ModuleOp>> test::accurateLossesModule(MLIRContext &context,
                                                                 bool planned) {
  return parseAndRun(context, R"(
func.func @f(%x: tensor<6x8xf32>, %l: tensor<5x4xf32>, %r: tensor<i32>, %g: tensor<f32>, %q: tensor<4x8xf32>) -> (tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<12x8xf32>, tensor<f32>, tensor<f32>, tensor<12x8xf32>) {
  %n = simclr.l2_normalize %x axis 1 : tensor<6x8xf32>
  %z = simclr.concat %n, %n axis 0 : tensor<6x8xf32>, tensor<6x8xf32> -> tensor<12x8xf32>
  %loss, %accuracy = simclr.nt_xent_loss %z temperature 0.5 : tensor<12x8xf32>
  %t = simclr.softmax %l axis 1 : tensor<5x4xf32>
  %s = simclr.scale %l by 3.0 : tensor<5x4xf32>
  %c, %ca = simclr.softmax_cross_entropy %s, %t : tensor<5x4xf32>, tensor<5x4xf32>
  %rl, %ra = simclr.nt_xent_loss %z rows of replica %r among 3 temperature 0.5 : tensor<12x8xf32>
  %dz = simclr.nt_xent_loss_backward %z, %g rows of replica %r among 3 temperature 0.5 : tensor<12x8xf32>
  %qn = simclr.l2_normalize %q axis 1 : tensor<4x8xf32>
  %empty = simclr.scale %qn by 0.0 : tensor<4x8xf32>
  %m = simclr.concat %qn, %empty axis 0 : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<8x8xf32>
  %ml, %ma = simclr.nt_xent_loss %z negatives %m : tensor<8x8xf32> rows of replica %r among 3 temperature 0.5 : tensor<12x8xf32>
  %dm = simclr.nt_xent_loss_backward %z, %g negatives %m : tensor<8x8xf32> rows of replica %r among 3 temperature 0.5 : tensor<12x8xf32>
  return %loss, %accuracy, %c, %ca, %rl, %ra, %dz, %ml, %ma, %dm : tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<12x8xf32>, tensor<f32>, tensor<f32>, tensor<12x8xf32>
})", "the accurate-losses step", [&](PassManager &pm) {
    pm.addPass(createFuseKernels());
    if (planned)
      pm.addPass(createPlanMemory());
  });
}
