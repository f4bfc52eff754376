//===- LoadModule.cpp - a module from a description or a .mlir file --------===//

#include "frontend/LoadModule.h"
#include "dialects/simclr/IR/SimclrDialect.h"
#include "frontend/Description.h"
#include "frontend/ModelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

void mlir::simclr::frontend::loadModuleDialects(mlir::MLIRContext &context) {
  context.loadDialect<mlir::simclr::SimclrDialect, mlir::func::FuncDialect,
                      mlir::arith::ArithDialect, mlir::tensor::TensorDialect>();
}

/// The gradient all-reduce's bucket size a tool chose, on the module.
static void setBucketBytes(mlir::ModuleOp module, const mlir::simclr::frontend::LoadOptions &options) {
  if (options.bucketBytes == 0)
    return;
  mlir::MLIRContext *context = module.getContext();
  context->getLoadedDialect<mlir::simclr::SimclrDialect>()->getBucketBytesAttrHelper().setAttr(
      module, mlir::IntegerAttr::get(mlir::IntegerType::get(context, 64), options.bucketBytes));
}

mlir::OwningOpRef<mlir::ModuleOp>
mlir::simclr::frontend::loadModule(llvm::StringRef path, mlir::MLIRContext &context,
                                   llvm::SourceMgr &sourceMgr, const LoadOptions &options) {
  loadModuleDialects(context);
  std::string errorMessage;
  auto file = mlir::openInputFile(path, &errorMessage);
  if (!file) {
    llvm::errs() << path << ": error: " << errorMessage << "\n";
    return nullptr;
  }
  llvm::StringRef extension = llvm::sys::path::extension(path);
  if (extension == ".yaml" || extension == ".yml") {
    auto desc = parseDescription(file->getBuffer(), path);
    if (!desc) {
      llvm::errs() << llvm::toString(desc.takeError());
      return nullptr;
    }
    if (options.batchSize != 0) {
      if (options.batchSize < 1 || options.batchSize > (1 << 20)) {
        llvm::errs() << path << ": error: a batch size must be in [1, 1048576], not "
                     << options.batchSize << "\n";
        return nullptr;
      }
      desc->input.batchSize = int(options.batchSize);
    }
    if (options.learningRate != 0) {
      if (!(options.learningRate > 0 && options.learningRate < 1e6)) {
        llvm::errs() << path << ": error: a learning rate must be positive and below 1e6, not "
                     << options.learningRate << "\n";
        return nullptr;
      }
      desc->optimizer.learningRate = options.learningRate;
    }
    if (!options.precision.empty())
      desc->precision = options.precision;
    if (options.replicas != 0)
      desc->replicas = int(options.replicas);
    // The parser checked the queue against the description's batch; the overrides may
    // have grown it.
    if (int64_t keys = stepKeys(*desc); desc->memory.queue > 0 && desc->memory.queue < keys) {
      llvm::errs() << path << ": error: the memory's queue of " << desc->memory.queue
                   << " cannot take one step's " << keys << " keys (2 x batch "
                   << desc->input.batchSize << " x " << desc->replicas
                   << " replicas); raise 'queue' or lower --batch-size or --replicas\n";
      return nullptr;
    }
    // Keep the description in the source manager so diagnostics can quote it.
    sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
    auto module = buildModule(*desc, context);
    if (module && !options.layout.empty())
      context.getLoadedDialect<mlir::simclr::SimclrDialect>()->getLayoutAttrHelper().setAttr(
          *module, mlir::StringAttr::get(&context, options.layout));
    if (module)
      setBucketBytes(*module, options);
    return module;
  }
  if (extension == ".mlir") {
    if (options.batchSize != 0) {
      llvm::errs() << path << ": error: a module written in the dialect has its shapes; "
                              "only a description takes another batch size\n";
      return nullptr;
    }
    if (options.learningRate != 0) {
      llvm::errs() << path << ": error: a module written in the dialect has its optimizer "
                              "settings; only a description takes another learning rate\n";
      return nullptr;
    }
    sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
    auto module = mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
    auto *simclr = context.getLoadedDialect<mlir::simclr::SimclrDialect>();
    if (module && !options.precision.empty())
      simclr->getPrecisionAttrHelper().setAttr(
          *module, mlir::StringAttr::get(&context, options.precision));
    if (module && !options.layout.empty())
      simclr->getLayoutAttrHelper().setAttr(*module,
                                            mlir::StringAttr::get(&context, options.layout));
    if (module && options.replicas != 0)
      simclr->getReplicasAttrHelper().setAttr(
          *module, mlir::IntegerAttr::get(mlir::IntegerType::get(&context, 64), options.replicas));
    if (module)
      setBucketBytes(*module, options);
    return module;
  }
  llvm::errs() << path
               << ": error: unknown input kind; expected a description (.yaml, .yml) or a "
                  "module in the simclr dialect (.mlir)\n";
  return nullptr;
}
