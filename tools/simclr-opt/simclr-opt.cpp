//===- simclr-opt.cpp - the simclr dialect's opt driver, for lit tests ----===//
//
// Parses, verifies, transforms and prints IR in the simclr dialect together with the
// upstream dialects a training step uses (func, arith, tensor), with our passes and the
// generic upstream ones (canonicalize, cse, ...) registered.
//
//===----------------------------------------------------------------------===//

#include "dialects/simclr/IR/SimclrDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::simclr::SimclrDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::tensor::TensorDialect>();
  mlir::registerTransformsPasses();
  mlir::simclr::registerSimclrPasses();
  mlir::simclr::registerTrainingStepPipeline();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "simclr dialect optimizer driver\n", registry));
}
