//===- simclr-module-info.cpp - load, verify and summarise a module file ---===//
//
//   simclr-module-info model.sclm
//
// Loads the module the way the runtime does (header, checksum, FlatBuffers verifier,
// semantic checks) and prints one `key: value` line per figure; exits 1 with the reason
// when the module is rejected.
//
//===----------------------------------------------------------------------===//

#include "runtime/module/Reader.h"

#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <map>

using namespace mlir::simclr;

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  if (argc != 2) {
    llvm::errs() << "usage: simclr-module-info <module.sclm>\n";
    return 2;
  }
  auto loaded = runtime::readModule(argv[1]);
  if (!loaded) {
    llvm::errs() << llvm::toString(loaded.takeError()) << "\n";
    return 1;
  }
  const format::Module &m = loaded->root();
  llvm::outs() << "module: " << (m.name() ? m.name()->str() : "") << "\n";
  llvm::outs() << "version: " << m.version() << "\n";
  int64_t parameters = 0, elements = 0;
  for (const format::Variable *v : *m.variables()) {
    int64_t n = 1;
    for (int64_t d : *v->shape())
      n *= d;
    elements += n;
    parameters += v->kind() == format::VariableKind::Parameter;
  }
  llvm::outs() << "variables: " << m.variables()->size() << " (" << parameters
               << " parameters, " << elements << " elements)\n";
  llvm::outs() << "kernels: " << (m.kernels() ? m.kernels()->size() : 0) << "\n";
  for (const format::EntryPoint *entry : *m.entry_points()) {
    std::map<std::string, int> ops;
    for (const format::Instruction *inst : *entry->instructions())
      ++ops[inst->op()->str()];
    llvm::outs() << "entry " << entry->name()->str() << ": " << entry->arguments()->size()
                 << " arguments, " << entry->results()->size() << " results, "
                 << entry->instructions()->size() << " instructions, arena "
                 << entry->arena_bytes() << " bytes\n";
    for (auto &[op, count] : ops)
      llvm::outs() << "  " << op << ": " << count << "\n";
  }
  if (m.metadata())
    for (const format::KeyValue *kv : *m.metadata())
      llvm::outs() << "metadata " << kv->key()->str() << " = " << kv->value()->str() << "\n";
  return 0;
}
