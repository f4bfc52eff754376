//===- SimclrInterfaces.td - op interfaces of the simclr dialect -*- tablegen -*-===//

#ifndef SIMCLR_INTERFACES_TD
#define SIMCLR_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Simclr_GradientOpInterface : OpInterface<"GradientOpInterface"> {
  let cppNamespace = "::mlir::simclr";
  let description = [{
    The reverse-mode gradient rule of an op. The autodiff pass calls it for every op on a
    path from a trainable parameter to the loss, walking the function backwards, and never
    needs to know which op it is looking at. The rules live in GradientRules.cpp.
  }];
  let methods = [
    InterfaceMethod<
      [{Builds, at the builder's insertion point, the gradients of the operands from those
        of the results. `resultGrads` has one entry per result, null where that result's
        gradient is zero; `operandGrads` receives one entry per operand, null where the
        operand takes no gradient (class labels, running statistics, a teacher's logits).}],
      "::llvm::LogicalResult", "buildGradients",
      (ins "::mlir::OpBuilder &":$builder, "::llvm::ArrayRef<::mlir::Value>":$resultGrads,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandGrads)>
  ];
}

#endif // SIMCLR_INTERFACES_TD
