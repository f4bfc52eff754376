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

/// The ops across replicas, which run outside kernels: the collectives (all_reduce,
/// all_gather, reduce_scatter) and replica_id.
bool isCollective(Operation *op);

/// How many replicas train `module` together: its simclr.replicas, else 1.
int64_t replicaCount(ModuleOp module);

/// The global batch's `[2NB, D]` rows from each replica's `[2B, D]` (view a's B rows, then
/// view b's): each view all-gathered in rank order, view a's then view b's, which is
/// exactly the one-replica batch of N * B images (docs/DISTRIBUTED.md).
Value gatherViews(OpBuilder &b, Location loc, Value rows, int64_t replicas);

/// The permutations between the layouts of a rank-4 tensor: NCHW -> NHWC (also OIHW ->
/// OHWI), and back. kToChannelsFirst is also where NCHW dimension d sits in NHWC.
inline constexpr int64_t kToChannelsLast[] = {0, 2, 3, 1};
inline constexpr int64_t kToChannelsFirst[] = {0, 3, 1, 2};

/// `type` with its dimensions permuted: dimension d of the result is `permutation[d]`.
RankedTensorType permutedType(RankedTensorType type, llvm::ArrayRef<int64_t> permutation);

/// A number from a settings dictionary (`simclr.optimizer`, `simclr.input`, ...), integer
/// or float, or `fallback` when absent.
double numberSetting(DictionaryAttr settings, llvm::StringRef key, double fallback = 0.0);

} // namespace mlir::simclr

#include "dialects/simclr/IR/SimclrInterfaces.h.inc"

#define GET_OP_CLASSES
#include "dialects/simclr/IR/SimclrOps.h.inc"

#endif // SIMCLR_DIALECT_SIMCLROPS_H
