//===- DescriptionTarget.cpp - fuzzes network descriptions (.yaml) ---------===//
//
// Input: a description. It is parsed; one that parses is built into the dialect and
// verified, as simclrc does. Networks of more than 64 residual blocks are only parsed,
// to keep each input fast (building is linear in the blocks).
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "frontend/Description.h"
#include "frontend/LoadModule.h"
#include "frontend/ModelBuilder.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

using namespace mlir;
using namespace mlir::simclr;

namespace {
/// The residual blocks of the network and its teacher (building is linear in them).
long blockCount(const frontend::Description &desc) {
  long count = 0;
  for (const frontend::NetworkSpec *network :
       {&desc.network, desc.teacher ? &*desc.teacher : nullptr})
    if (network)
      for (int blocks : network->blocks)
        count += blocks;
  return count;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  auto desc = frontend::parseDescription(text, "fuzz.yaml");
  if (!desc) {
    fuzz::note(llvm::toString(desc.takeError()));
    return 0;
  }
  if (blockCount(*desc) > 64)
    return 0;
  MLIRContext context;
  frontend::loadModuleDialects(context);
  frontend::loadFrontendDialects(context);
  ScopedDiagnosticHandler quiet(&context, [](Diagnostic &) { return success(); });
  OwningOpRef<ModuleOp> module = frontend::buildModule(*desc, context);
  fuzz::note(!module                   ? "not built"
             : failed(verify(*module)) ? "built, does not verify"
                                       : "built and verified");
  return 0;
}
