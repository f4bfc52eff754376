//===- ModelInitializers.cpp - initial values of a module's variables -----===//

#include "reference/ModelInitializers.h"
#include "dialects/simclr/IR/SimclrOps.h"
#include "runtime/Initializers.h"

using namespace mlir;
using namespace mlir::simclr;

llvm::Error reference::initializeVariables(
    ModuleOp module, uint64_t seed, llvm::function_ref<bool(StringRef)> wanted,
    llvm::function_ref<void(StringRef, ArrayRef<int64_t>, std::vector<double>)> set,
    llvm::function_ref<const std::vector<double> *(StringRef)> current) {
  auto initialize = [&](StringRef name, Type type, StringRef init, double std) -> llvm::Error {
    if (!wanted(name))
      return llvm::Error::success();
    ArrayRef<int64_t> shape = llvm::cast<RankedTensorType>(type).getShape();
    auto values = runtime::initialValues(name, init, shape.vec(), std, seed);
    if (!values)
      return llvm::createStringError(llvm::inconvertibleErrorCode(), values.errorMessage());
    set(name, shape, std::move(*values));
    return llvm::Error::success();
  };
  for (auto param : module.getOps<ParameterOp>())
    if (llvm::Error e = initialize(param.getSymName(), param.getType(), param.getInit(),
                                   param.getInitStd() ? param.getInitStd()->convertToDouble()
                                                      : 0.0))
      return e;
  for (auto state : module.getOps<StateOp>()) {
    StringRef init = state.getInit();
    if (!init.consume_front("copy:")) {
      if (llvm::Error e = initialize(state.getSymName(), state.getType(), init, 0.0))
        return e;
      continue;
    }
    // A copy of a parameter (the verifier checked that it is one, of this type).
    if (!wanted(state.getSymName()))
      continue;
    const std::vector<double> *values = current(init);
    if (!values)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "variable '" + state.getSymName() + "' copies '" + init +
                                         "', which has no value");
    set(state.getSymName(), llvm::cast<RankedTensorType>(state.getType()).getShape(), *values);
  }
  return llvm::Error::success();
}
