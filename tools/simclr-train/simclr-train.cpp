//===- simclr-train.cpp - train a description or a module on the CPU -------===//
//
//   simclr-train model.yaml  --data=/usr/share/datasets/fashion-mnist --steps=100
//   simclr-train model.sclm  --steps=100 --save=weights.safetensors
//   simclr-train step.mlir   --inputs=batch.safetensors --resume=weights.safetensors
//                            --outputs=results.safetensors --save=updated.safetensors
//
// A description (or .mlir) is compiled (simclr-training-step) and written to a module in
// memory; a module file (simclrc --emit=module) is loaded and verified. Either way the
// module's CPU kernels are built with the host compiler and its train_step runs in
// float32 from freshly initialised (or --init) weights on batches drawn from an
// MNIST-style data set (runtime/train/Trainer.h), every view augmented as SimCLR's
// recipe says for the stage (runtime/data/Augment.h).
//
//===----------------------------------------------------------------------===//

#include "frontend/LoadModule.h"
#include "passes/Passes.h"
#include "runtime/cpu/KernelBuild.h"
#include "targets/module/Writer.h"
#include "runtime/train/Trainer.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

namespace cl = llvm::cl;
using namespace mlir;
using namespace mlir::simclr;

static cl::OptionCategory category("simclr-train options");
static cl::opt<std::string> inputPath(cl::Positional,
                                      cl::desc("<description.yaml | model.mlir | model.sclm>"),
                                      cl::Required, cl::cat(category));

static int fail(const llvm::Twine &message) {
  llvm::errs() << message << "\n";
  return 1;
}

/// Compiles a description or a .mlir module into a module image.
static llvm::Expected<runtime::LoadedModule> compile(llvm::StringRef path) {
  MLIRContext context;
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  auto failed = [&] {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "compiling " + path + " failed");
  };
  auto module = frontend::loadModule(path, context, sourceMgr);
  if (!module)
    return failed();
  if (mlir::failed(compileTrainingStep(*module)))
    return failed();
  auto bytes = serializeModule(*module);
  if (mlir::failed(bytes))
    return failed();
  return runtime::parseModule(std::move(*bytes), path);
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions({&category, &runtime::trainingOptionCategory()});
  cl::ParseCommandLineOptions(argc, argv, "Trains a description or a module on the CPU\n");
  runtime::TrainingOptions options = runtime::trainingOptionsFromCommandLine();
  if (options.steps < 1)
    return fail("--steps must be at least 1");

  auto module = llvm::StringRef(inputPath).ends_with(".sclm") ? runtime::readModule(inputPath)
                                                              : compile(inputPath);
  if (!module)
    return fail(llvm::toString(module.takeError()));
  std::unique_ptr<cpu::LoadedKernels> kernels;
  return runtime::train(
      *module,
      [&]() -> llvm::Expected<std::vector<cpu::KernelFn>> {
        auto built = cpu::buildModuleKernels(*module);
        if (!built)
          return built.takeError();
        kernels = std::move(*built);
        return kernels->functions;
      },
      options);
}
