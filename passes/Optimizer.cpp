//===- Optimizer.cpp - parameter updates for a differentiated step ---------===//
//
// Consumes the gradients that simclr-autodiff appended to a step and replaces them with the
// optimizer's work: the learning-rate schedule, one update op per parameter (LARS or
// momentum SGD, as `simclr.optimizer` says), and stores of the new parameters and
// velocities. The step's contract afterwards: (batch..., step, warmup_steps, total_steps)
// -> (loss, accuracy, learning_rate), parameters and state updated in place.
//
//===----------------------------------------------------------------------===//

#include "dialects/simclr/IR/SimclrOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <cmath>

namespace mlir::simclr {
#define GEN_PASS_DEF_OPTIMIZER
#include "passes/Passes.h.inc"
} // namespace mlir::simclr

using namespace mlir;
using namespace mlir::simclr;

namespace {

LogicalResult addOptimizer(func::FuncOp func, ModuleOp module) {
  auto *simclr = func->getContext()->getLoadedDialect<SimclrDialect>();
  auto gradients = simclr->getGradientsAttrHelper().getAttr(func);
  auto settings = simclr->getOptimizerAttrHelper().getAttr(func);
  auto input = simclr->getInputAttrHelper().getAttr(func);
  if (!settings || !input)
    return func.emitOpError()
           << "needs 'simclr.optimizer' and 'simclr.input' to build the optimizer";
  auto ret = llvm::cast<func::ReturnOp>(func.getBody().front().getTerminator());
  unsigned metrics = ret.getNumOperands() - gradients.size();

  // The peak learning rate for the global batch: the input's batch_size is per replica.
  double batch = numberSetting(input, "batch_size", 1) * double(replicaCount(module));
  double base = numberSetting(settings, "learning_rate", 0);
  auto scaling = settings.getAs<StringAttr>("lr_scaling");
  double peak = scaling && scaling.getValue() == "sqrt" ? base * std::sqrt(batch)
                                                         : base * batch / 256.0;
  bool lars = settings.getAs<StringAttr>("kind").getValue() == "lars";
  auto nesterovAttr = settings.getAs<BoolAttr>("nesterov");
  bool nesterov = nesterovAttr && nesterovAttr.getValue();
  double momentum = numberSetting(settings, "momentum", 0.9);
  double weightDecay = numberSetting(settings, "weight_decay", 0.0);
  double trust = numberSetting(settings, "trust_coefficient", 0.001);

  OpBuilder b(ret);
  Location loc = func.getLoc();
  auto scalar = RankedTensorType::get({}, b.getF32Type());
  Block &entry = func.getBody().front();
  SmallVector<Value> schedule;
  for (int i = 0; i < 3; ++i)
    schedule.push_back(entry.addArgument(scalar, loc));
  Value lr = LearningRateOp::create(b, loc, schedule[0], schedule[1], schedule[2],
                                    b.getF64FloatAttr(peak));

  OpBuilder declare(module.getBody(), module.getBody()->begin());
  SymbolTable symbols(module);
  for (auto [i, name] : llvm::enumerate(gradients)) {
    auto symbol = llvm::cast<FlatSymbolRefAttr>(name);
    auto param = symbols.lookup<ParameterOp>(symbol.getValue());
    if (!param)
      return func.emitOpError() << "lists a gradient of " << symbol
                                << ", which is not a simclr.parameter";
    auto type = llvm::cast<RankedTensorType>(param.getType());
    std::string velocityName = ("velocity." + symbol.getValue()).str();
    if (!symbols.lookup(velocityName)) {
      declare.setInsertionPointAfter(param);
      auto velocity = StateOp::create(declare, param.getLoc(), declare.getStringAttr(velocityName),
                                      TypeAttr::get(type), declare.getStringAttr("zeros"),
                                      declare.getStringAttr("optimizer"));
      symbols.insert(velocity);
    }
    Value grad = ret.getOperand(metrics + i);
    Value w = LoadOp::create(b, loc, type, symbol.getValue());
    Value v = LoadOp::create(b, loc, type, velocityName);
    // As the reference LARS: batch-norm parameters and biases are excluded from weight decay
    // and adaptation; the classifier's weights from adaptation only (SIMCLR.md).
    UnitAttr exclude = type.getRank() == 1 ? b.getUnitAttr() : UnitAttr();
    UnitAttr noAdaptation =
        !exclude && param.getGroup() == "classifier" ? b.getUnitAttr() : UnitAttr();
    UnitAttr nesterovFlag = nesterov ? b.getUnitAttr() : UnitAttr();
    Operation *update =
        lars ? LarsUpdateOp::create(b, loc, w, grad, v, lr, b.getF64FloatAttr(momentum),
                                    b.getF64FloatAttr(weightDecay), b.getF64FloatAttr(trust),
                                    exclude, noAdaptation, nesterovFlag)
                   .getOperation()
             : MomentumUpdateOp::create(b, loc, w, grad, v, lr, b.getF64FloatAttr(momentum),
                                        b.getF64FloatAttr(weightDecay), exclude, nesterovFlag)
                   .getOperation();
    StoreOp::create(b, loc, update->getResult(0), symbol.getValue());
    StoreOp::create(b, loc, update->getResult(1), velocityName);
  }

  SmallVector<Value> results(ret.getOperands().take_front(metrics));
  results.push_back(lr);
  ret->setOperands(results);
  func.setFunctionType(b.getFunctionType(entry.getArgumentTypes(),
                                         ValueRange(results).getTypes()));
  simclr->getGradientsAttrHelper().removeAttr(func);
  return success();
}

struct OptimizerPass : public mlir::simclr::impl::OptimizerBase<OptimizerPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> steps;
    auto *simclr = getContext().getLoadedDialect<SimclrDialect>();
    for (auto func : module.getOps<func::FuncOp>())
      if (simclr->getGradientsAttrHelper().isAttrPresent(func))
        steps.push_back(func);
    if (steps.empty()) {
      module.emitError() << "simclr-optimizer found no differentiated step (run "
                            "simclr-autodiff first)";
      return signalPassFailure();
    }
    for (func::FuncOp func : steps)
      if (failed(addOptimizer(func, module)))
        return signalPassFailure();
  }
};

} // namespace
