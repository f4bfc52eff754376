//===- MixedPrecision.cpp - library calls in bf16, the rest in f32 ---------===//
//
// Rewrites every library call (convolutions and matrix products) of a module to bf16
// operands and results, with simclr.convert ops around it; see Passes.td. The library
// accumulates in f32 (oneDNN, cuDNN and cuBLASLt all do for bf16), so what changes is the
// rounding of the values the calls read and write, not of their sums.
//
//===----------------------------------------------------------------------===//

#include "dialects/simclr/IR/SimclrDialect.h"
#include "dialects/simclr/IR/SimclrOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"

namespace mlir::simclr {
#define GEN_PASS_DEF_MIXEDPRECISION
#include "passes/Passes.h.inc"
} // namespace mlir::simclr

using namespace mlir;
using namespace mlir::simclr;

namespace {

bool isF32Tensor(Type type) {
  auto tensor = llvm::dyn_cast<RankedTensorType>(type);
  return tensor && tensor.getElementType().isF32();
}

RankedTensorType withElement(Type type, Type element) {
  return llvm::cast<RankedTensorType>(type).clone(element);
}

class Converter {
public:
  explicit Converter(MLIRContext *context) : bf16(BFloat16Type::get(context)) {}

  /// Rewrites one library call in place.
  void rewrite(Operation *call) {
    for (OpOperand &operand : call->getOpOperands())
      if (isF32Tensor(operand.get().getType()))
        operand.set(narrow(operand.get()));
    for (Value result : call->getResults()) {
      if (!isF32Tensor(result.getType()))
        continue;
      Type wide = result.getType();
      result.setType(withElement(wide, bf16));
      OpBuilder b(call->getContext());
      b.setInsertionPointAfter(call);
      auto back = ConvertOp::create(b, call->getLoc(), wide, result);
      result.replaceAllUsesExcept(back.getResult(), back);
      narrowed[back.getResult()] = result;
    }
  }

private:
  /// The bf16 value of f32 `value`: its conversion, made once, where `value` is defined.
  Value narrow(Value value) {
    if (auto it = narrowed.find(value); it != narrowed.end())
      return it->second;
    OpBuilder b(value.getContext());
    if (Operation *def = value.getDefiningOp())
      b.setInsertionPointAfter(def);
    else
      b.setInsertionPointToStart(llvm::cast<BlockArgument>(value).getOwner());
    Value converted = ConvertOp::create(b, value.getLoc(), withElement(value.getType(), bf16),
                                        value);
    narrowed[value] = converted;
    return converted;
  }

  Type bf16;
  llvm::DenseMap<Value, Value> narrowed;
};

struct MixedPrecisionPass : mlir::simclr::impl::MixedPrecisionBase<MixedPrecisionPass> {
  using MixedPrecisionBase::MixedPrecisionBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::string chosen = precision;
    if (chosen.empty()) {
      auto *dialect = getContext().getLoadedDialect<SimclrDialect>();
      StringAttr attr = dialect->getPrecisionAttrHelper().getAttr(module);
      chosen = attr ? attr.getValue().str() : "f32";
    }
    if (chosen == "f32")
      return;
    if (chosen != "bf16") {
      module.emitError() << "simclr-mixed-precision: precision must be f32 or bf16, not '"
                         << chosen << "'";
      return signalPassFailure();
    }
    for (auto func : module.getOps<func::FuncOp>()) {
      SmallVector<Operation *> calls;
      func.walk([&](Operation *op) {
        if (isLibraryCall(op))
          calls.push_back(op);
      });
      Converter converter(&getContext());
      for (Operation *call : calls)
        converter.rewrite(call);
    }
  }
};

} // namespace
