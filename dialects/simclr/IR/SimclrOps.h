//===- SimclrOps.h - simclr dialect ops -------------------------*- C++ -*-===//
#ifndef SIMCLR_DIALECT_SIMCLROPS_H
#define SIMCLR_DIALECT_SIMCLROPS_H

#include "dialects/simclr/IR/SimclrDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::simclr {

/// Verifies an op's operand shapes before its inferred result types are checked, so that a
/// bad shape is reported once, by the op's own shape function (see ShapeFunctions.cpp).
template <typename ConcreteType>
class SimclrShapesVerifiedFirst
    : public OpTrait::TraitBase<ConcreteType, SimclrShapesVerifiedFirst> {
public:
  static LogicalResult verifyTrait(Operation *op) {
    return llvm::cast<ConcreteType>(op).verifyShapes();
  }
};

/// The parameter groups a `simclr.parameter` may belong to.
bool isValidParameterGroup(llvm::StringRef group);

/// Ops that go to a vendor library (oneDNN, cuDNN, cuBLAS) rather than into a generated
/// kernel: conv2d and its gradients, dense, matmul.
bool isLibraryCall(Operation *op);

/// A number from a settings dictionary (`simclr.optimizer`, `simclr.input`, ...), integer
/// or float, or `fallback` when absent.
double numberSetting(DictionaryAttr settings, llvm::StringRef key, double fallback = 0.0);

} // namespace mlir::simclr

#include "dialects/simclr/IR/SimclrInterfaces.h.inc"

#define GET_OP_CLASSES
#include "dialects/simclr/IR/SimclrOps.h.inc"

#endif // SIMCLR_DIALECT_SIMCLROPS_H
