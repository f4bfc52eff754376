//===- LoadModule.h - a module from a description or a .mlir file -*- C++ -*-===//
#ifndef SIMCLR_FRONTEND_LOADMODULE_H
#define SIMCLR_FRONTEND_LOADMODULE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/SourceMgr.h"

#include <string>

namespace mlir::simclr::frontend {

/// Registers every dialect a module may use (simclr, func, arith, tensor).
void loadModuleDialects(mlir::MLIRContext &context);

/// What a tool may change in a description as it loads it.
struct LoadOptions {
  /// Images per step per replica instead of the description's `input.batch_size` (a
  /// description only: a .mlir module has its shapes).
  int64_t batchSize = 0;
  /// The base learning rate instead of the description's `optimizer.learning_rate`
  /// (scaled for the batch as its `lr_scaling` says; a description only); 0 keeps it.
  double learningRate = 0;
  /// "f32" or "bf16" instead of the description's `precision` (or a module's
  /// simclr.precision); empty keeps it.
  std::string precision;
  /// "nchw" or "nhwc" as the module's simclr.layout; empty leaves the choice to the
  /// compiler (chooseLayout).
  std::string layout;
  /// Replicas that train together instead of the description's `replicas` (or a module's
  /// simclr.replicas); 0 keeps it.
  int64_t replicas = 0;
  /// The most bytes of gradients one all-reduce carries (the module's simclr.bucket_bytes);
  /// 0 leaves the compiler's default.
  int64_t bucketBytes = 0;
};

/// Reads `path`: a description (.yaml, .yml), built by the frontend, or a module in the
/// simclr dialect (.mlir), parsed and verified. Errors go to stderr or to the context's
/// diagnostic handler (which should be a SourceMgrDiagnosticHandler on `sourceMgr`, so
/// that they quote the file); returns null after an error.
mlir::OwningOpRef<mlir::ModuleOp> loadModule(llvm::StringRef path, mlir::MLIRContext &context,
                                             llvm::SourceMgr &sourceMgr,
                                             const LoadOptions &options = {});

} // namespace mlir::simclr::frontend

#endif // SIMCLR_FRONTEND_LOADMODULE_H
