//===- ModelStats.cpp - size and cost of a model ---------------------------===//
//
// Counts parameters by the `group` of their `simclr.parameter` declaration, and
// multiply-accumulates by walking the step function's conv2d and dense ops: a conv costs
// (C/groups)*KH*KW per output element, a dense layer in*out per row. An op is charged to
// the backbone when its filter or weight is loaded from a backbone parameter. The pass
// `--simclr-model-stats` prints the same figures from simclr-opt.
//
//===----------------------------------------------------------------------===//

#include "passes/ModelStats.h"
#include "dialects/simclr/IR/SimclrOps.h"
#include "passes/MemoryPlan.h"
#include "passes/Passes.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::simclr {
#define GEN_PASS_DEF_MODELSTATS
#include "passes/Passes.h.inc"
} // namespace mlir::simclr

using namespace mlir;
using namespace mlir::simclr;

// Counts saturate at INT64_MAX instead of overflowing (hand-written modules can be absurd).
static int64_t mul(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_mul_overflow(a, b, &r) ? INT64_MAX : r;
}
static void accumulate(int64_t &sum, int64_t v) {
  if (__builtin_add_overflow(sum, v, &sum))
    sum = INT64_MAX;
}

static int64_t numElements(Type type) {
  auto tensor = llvm::dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape())
    return 0;
  int64_t n = 1;
  for (int64_t d : tensor.getShape())
    n = mul(n, d);
  return n;
}

static int64_t numBytes(Type type) {
  auto tensor = llvm::dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return 0;
  return mul(numElements(type), (tensor.getElementTypeBitWidth() + 7) / 8);
}

/// The group of the parameter a value is loaded from, or "" when it is not a plain load.
static StringRef parameterGroup(Value value, SymbolTable &symbols) {
  auto load = value.getDefiningOp<LoadOp>();
  if (!load)
    return "";
  auto param = symbols.lookup<ParameterOp>(load.getName());
  return param ? param.getGroup() : StringRef();
}

static func::FuncOp findStepFunction(ModuleOp module) {
  func::FuncOp first;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func->hasAttr(SimclrDialect::StageAttrHelper::getNameStr()))
      return func;
    if (!first)
      first = func;
  }
  return first;
}

ModelStats mlir::simclr::computeModelStats(ModuleOp module) {
  ModelStats stats;
  if (auto name = module.getSymName())
    stats.model = name->str();
  for (auto param : module.getOps<ParameterOp>()) {
    int64_t n = numElements(param.getType());
    StringRef group = param.getGroup();
    if (group == "backbone")
      accumulate(stats.backboneParameters, n);
    else if (group == "head")
      accumulate(stats.headParameters, n);
    else if (group == "classifier")
      accumulate(stats.classifierParameters, n);
    else if (group.starts_with("teacher."))
      accumulate(stats.teacherParameters, n);
  }
  for (auto state : module.getOps<StateOp>())
    accumulate(stats.stateElements, numElements(state.getType()));

  func::FuncOp step = findStepFunction(module);
  if (!step)
    return stats;
  stats.stepFunction = step.getSymName().str();
  if (auto stage = step->getAttrOfType<StringAttr>(SimclrDialect::StageAttrHelper::getNameStr()))
    stats.stage = stage.getValue().str();
  if (step.getNumArguments() > 0)
    if (auto first = llvm::dyn_cast<RankedTensorType>(step.getArgument(0).getType()))
      if (first.getRank() > 0)
        stats.batchRows = first.getDimSize(0);

  SymbolTable symbols(module);
  step.walk([&](Operation *op) {
    if (llvm::isa<LoadOp>(op) || op->hasTrait<OpTrait::ConstantLike>() ||
        llvm::isa<func::FuncOp, func::ReturnOp>(op))
      return;
    for (Type type : op->getResultTypes())
      accumulate(stats.activationBytes, numBytes(type));

    int64_t macs = 0;
    Value weight;
    if (auto conv = llvm::dyn_cast<Conv2DOp>(op)) {
      auto out = conv.getOutput().getType();
      auto filter = conv.getFilter().getType();
      macs = mul(numElements(out) / std::max<int64_t>(out.getDimSize(0), 1),
                 numElements(filter) / std::max<int64_t>(filter.getDimSize(0), 1));
      weight = conv.getFilter();
    } else if (auto dense = llvm::dyn_cast<DenseOp>(op)) {
      macs = numElements(dense.getWeight().getType());
      weight = dense.getWeight();
    } else {
      return;
    }
    accumulate(stats.stepMacsPerImage, macs);
    if (parameterGroup(weight, symbols) == "backbone")
      accumulate(stats.backboneMacsPerImage, macs);
  });
  return stats;
}

void mlir::simclr::computeTrainingStepStats(ModuleOp module, ModelStats &stats) {
  func::FuncOp step = findStepFunction(module);
  if (!step || !step->hasAttr(SimclrDialect::OptimizerAttrHelper::getNameStr()))
    return;
  OwningOpRef<ModuleOp> copy = module.clone();
  // A module the pipeline cannot compile simply has no training figures.
  ScopedDiagnosticHandler quiet(module.getContext(), [](Diagnostic &) { return success(); });
  if (failed(compileTrainingStep(*copy)))
    return;
  func::FuncOp trained = findStepFunction(*copy);
  trained.walk([&](Operation *op) {
    if (llvm::isa<KernelOp>(op) || isLibraryCall(op))
      ++stats.trainingKernels;
  });
  MemoryPlan plan = planMemory(trained);
  stats.trainingArenaBytes = plan.arenaBytes;
  stats.trainingBufferBytes = plan.bufferBytes;
}

void mlir::simclr::printModelStats(const ModelStats &stats, llvm::raw_ostream &os) {
  if (!stats.model.empty())
    os << "model: " << stats.model << "\n";
  if (!stats.stage.empty())
    os << "stage: " << stats.stage << "\n";
  os << "parameters: " << stats.backboneParameters << "\n";
  os << "head_parameters: " << stats.headParameters << "\n";
  os << "classifier_parameters: " << stats.classifierParameters << "\n";
  os << "teacher_parameters: " << stats.teacherParameters << "\n";
  os << "state_elements: " << stats.stateElements << "\n";
  os << "forward_macs_per_image: " << stats.backboneMacsPerImage << "\n";
  if (stats.stepFunction.empty())
    return;
  os << "step_function: " << stats.stepFunction << "\n";
  os << "step_forward_macs_per_image: " << stats.stepMacsPerImage << "\n";
  os << "step_batch_rows: " << stats.batchRows << "\n";
  os << "activation_bytes: " << stats.activationBytes << "\n";
  if (stats.trainingKernels == 0)
    return;
  os << "training_step_kernels: " << stats.trainingKernels << "\n";
  os << "training_step_buffer_bytes: " << stats.trainingBufferBytes << "\n";
  os << "training_step_planned_peak_bytes: " << stats.trainingArenaBytes << "\n";
}

namespace {
struct ModelStatsPass : public mlir::simclr::impl::ModelStatsBase<ModelStatsPass> {
  void runOnOperation() override {
    printModelStats(computeModelStats(getOperation()), llvm::outs());
    markAllAnalysesPreserved();
  }
};
} // namespace
