//===- Pipelines.cpp - the training-step pass pipeline ---------------------===//

#include "passes/Passes.h"
#include "dialects/simclr/IR/SimclrDialect.h"
#include "dialects/simclr/IR/SimclrOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

void mlir::simclr::buildTrainingStepPipeline(OpPassManager &pm) {
  pm.addPass(createGatherNegatives());
  pm.addPass(createAutodiff());
  pm.addPass(createOptimizer());
  pm.addPass(createCrossReplicaBatchNorm());
  pm.addPass(createGradientAllReduce());
  pm.addPass(createMixedPrecision());
  pm.addPass(createChannelsLast());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createFuseKernels());
  pm.addPass(createPlanMemory());
}

void mlir::simclr::registerTrainingStepPipeline() {
  PassPipelineRegistration<>(
      "simclr-training-step",
      "Differentiate a step, add its optimizer, set its precision and layout, fuse it into kernels and "
      "plan its memory",
      buildTrainingStepPipeline);
}

void mlir::simclr::chooseLayout(ModuleOp module, bool cudaTarget) {
  auto *dialect = module.getContext()->getLoadedDialect<SimclrDialect>();
  if (dialect->getLayoutAttrHelper().getAttr(module))
    return;
  StringAttr precision = dialect->getPrecisionAttrHelper().getAttr(module);
  if (cudaTarget && precision && precision.getValue() == "bf16")
    dialect->getLayoutAttrHelper().setAttr(module, StringAttr::get(module.getContext(), "nhwc"));
}

mlir::LogicalResult mlir::simclr::compileTrainingStep(ModuleOp module) {
  for (auto func : module.getOps<func::FuncOp>())
    if (func->hasAttr(SimclrDialect::ArenaBytesAttrHelper::getNameStr()))
      return success();
  PassManager pm(module.getContext());
  buildTrainingStepPipeline(pm);
  return pm.run(module);
}
