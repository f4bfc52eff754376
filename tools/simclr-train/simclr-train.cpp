//===- simclr-train.cpp - train a description or a module on the CPU -------===//
//
//   simclr-train model.yaml  --data=/usr/share/datasets/fashion-mnist --steps=100
//   simclr-train model.sclm  --steps=100 --save=weights.safetensors
//   simclr-train step.mlir   --inputs=batch.safetensors --resume=weights.safetensors
//                            --outputs=results.safetensors --save=updated.safetensors
//
// A description (or .mlir) is compiled (compileTrainingStep) and written to a module in
// memory; a module file (simclrc --emit=module) is loaded and verified. Either way the
// module's CPU kernels are built with the host compiler and the runtime trains it
// (runtime/train/Trainer.h) with the training flags (runtime/train/Options.h).
//
//===----------------------------------------------------------------------===//

#include "frontend/LoadModule.h"
#include "passes/Passes.h"
#include "runtime/cpu/CpuDevice.h"
#include "runtime/support/Strings.h"
#include "runtime/train/Trainer.h"
#include "targets/module/Writer.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/SourceMgr.h"

#include <cstdio>

using namespace mlir;
using namespace mlir::simclr;

/// Compiles a description or a .mlir module into a module image.
static runtime::Expected<runtime::LoadedModule> compile(const std::string &path) {
  MLIRContext context;
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  auto failed = [&] { return runtime::makeError("compiling " + path + " failed"); };
  auto module = frontend::loadModule(path, context, sourceMgr);
  if (!module || mlir::failed(compileTrainingStep(*module)))
    return failed();
  auto bytes = serializeModule(*module);
  if (mlir::failed(bytes))
    return failed();
  return runtime::parseModule(std::move(*bytes), path);
}

int main(int argc, char **argv) {
  runtime::TrainingOptions options;
  runtime::FlagSet flags("Trains a SimCLRv2 description, .mlir module or module file on the CPU");
  flags.positionalHelp = "<description.yaml | model.mlir | model.sclm>";
  runtime::addTrainingFlags(flags, options);
  std::vector<std::string> positional;
  if (std::optional<int> exit = flags.parse(argc, argv, positional))
    return *exit;
  if (positional.size() != 1) {
    std::fprintf(stderr, "%s: error: give one description, .mlir or .sclm file (see --help)\n",
                 argv[0]);
    return 1;
  }
  const std::string &input = positional.front();
  auto module = runtime::endsWith(input, ".sclm") ? runtime::readModule(input) : compile(input);
  if (!module) {
    std::fprintf(stderr, "%s\n", module.errorMessage().c_str());
    return 1;
  }
  return runtime::train(*module, cpu::cpuDeviceBuildingKernels(), options);
}
