//===- simclr-module-info.cpp - load, verify and summarise a module file ---===//
//
//   simclr-module-info model.sclm
//
// Loads the module the way the runtime does (header, checksum, FlatBuffers verifier,
// semantic checks) and prints one `key: value` line per figure; exits 1 with the reason
// when the module is rejected. A runtime tool: it links only libsimclr_runtime.
//
//===----------------------------------------------------------------------===//

#include "runtime/module/Reader.h"

#include <cstdio>
#include <map>

using namespace mlir::simclr;

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: simclr-module-info <module.sclm>\n");
    return 2;
  }
  auto loaded = runtime::readModule(argv[1]);
  if (!loaded) {
    std::fprintf(stderr, "%s\n", loaded.errorMessage().c_str());
    return 1;
  }
  const format::Module &m = loaded->root();
  std::printf("module: %s\n", m.name() ? m.name()->c_str() : "");
  std::printf("version: %u\n", m.version());
  long long parameters = 0, elements = 0;
  std::map<std::string, int> roles;
  for (const format::Variable *v : *m.variables()) {
    long long n = 1;
    for (int64_t d : *v->shape())
      n *= d;
    elements += n;
    parameters += v->kind() == format::VariableKind::Parameter;
    ++roles[format::EnumNameVariableRole(v->role())];
  }
  std::printf("variables: %u (%lld parameters, %lld elements)\n", m.variables()->size(),
              parameters, elements);
  for (auto &[role, count] : roles)
    std::printf("  role %s: %d\n", role.c_str(), count);
  std::map<std::string, int> targets;
  if (m.kernels())
    for (const format::Kernel *k : *m.kernels())
      if (k->sources())
        for (const format::KernelSource *source : *k->sources())
          ++targets[format::EnumNameTarget(source->target())];
  std::printf("kernels: %u\n", m.kernels() ? m.kernels()->size() : 0u);
  for (auto &[target, count] : targets)
    std::printf("  %s source: %d\n", target.c_str(), count);
  if (m.kernel_binaries())
    for (const format::KernelBinary *binary : *m.kernel_binaries())
      std::printf("  %s binary: %u bytes (%s)\n", format::EnumNameTarget(binary->target()),
                  binary->data()->size(), binary->arch() ? binary->arch()->c_str() : "");
  for (const format::EntryPoint *entry : *m.entry_points()) {
    std::map<std::string, int> ops;
    for (const format::Instruction *inst : *entry->instructions())
      ++ops[runtime::opName(inst->op())];
    std::printf("entry %s: %u arguments, %u results, %u instructions, arena %lld bytes\n",
                entry->name()->c_str(), entry->arguments()->size(), entry->results()->size(),
                entry->instructions()->size(), (long long)entry->arena_bytes());
    for (auto &[op, count] : ops)
      std::printf("  %s: %d\n", op.c_str(), count);
  }
  if (m.metadata())
    for (const format::KeyValue *kv : *m.metadata())
      std::printf("metadata %s = %s\n", kv->key()->c_str(), kv->value()->c_str());
  return 0;
}
