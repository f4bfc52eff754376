//===- ModelBuilder.h - Description -> simclr dialect -----------*- C++ -*-===//
#ifndef SIMCLR_FRONTEND_MODELBUILDER_H
#define SIMCLR_FRONTEND_MODELBUILDER_H

#include "frontend/Description.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace mlir::simclr::frontend {

/// Registers the dialects the frontend emits (simclr, func) with `context`.
void loadFrontendDialects(mlir::MLIRContext &context);

/// Builds the module for a description: parameter and state declarations, the stage's
/// `@train_step` and an inference entry point (`@embed` after pretraining, `@predict`
/// otherwise). Returns null, with diagnostics emitted to the context, if the result does
/// not verify.
mlir::OwningOpRef<mlir::ModuleOp> buildModule(const Description &desc,
                                              mlir::MLIRContext &context);

} // namespace mlir::simclr::frontend

#endif // SIMCLR_FRONTEND_MODELBUILDER_H
