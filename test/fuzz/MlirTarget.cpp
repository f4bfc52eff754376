//===- MlirTarget.cpp - fuzzes modules written in the dialect (.mlir) ------===//
//
// Input: a .mlir file. It is parsed and verified with the dialects a module may use;
// one that verifies goes through the training-step pipeline (compileTrainingStep) and,
// when that succeeds, the module writer, as `simclrc --emit=module` does.
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "frontend/LoadModule.h"
#include "passes/Passes.h"
#include "targets/module/Writer.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"

using namespace mlir;
using namespace mlir::simclr;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MLIRContext context;
  context.disableMultithreading(); // libFuzzer runs one input at a time; so does replay
  frontend::loadModuleDialects(context);
  ScopedDiagnosticHandler quiet(&context, [](Diagnostic &) { return success(); });
  // MLIR's lexer reads up to a NUL, as a file read into memory has (MemoryBuffer); a
  // fuzzer's input has none after it.
  std::string text(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, ParserConfig(&context));
  if (!module)
    return fuzz::note("does not parse or verify"), 0;
  if (failed(compileTrainingStep(*module)))
    return fuzz::note("verifies, does not compile"), 0;
  ModuleTargets targets;
  targets.cudaBinary = false; // the CUDA sources and plans, not an nvcc run per input
  targets.cuda = true;
  fuzz::note(succeeded(serializeModule(*module, targets)) ? "compiled and written"
                                                          : "compiled, not written");
  return 0;
}
