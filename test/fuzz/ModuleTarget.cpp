//===- ModuleTarget.cpp - fuzzes module files (.sclm) ----------------------===//
//
// Input: a module file. It is read as it is; then its payload (the bytes after the
// 24-byte header) is read again under a header made for it, with the right length and
// checksum, so that mutations reach the FlatBuffers verifier and the meaning checks
// instead of stopping at the checksum. A module that reads is walked as
// simclr-module-info walks it, and every entry point's schedule is made.
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "runtime/exec/Schedule.h"
#include "runtime/module/Format.h"
#include "runtime/module/Reader.h"

#include <cstdlib>

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

namespace {

void walk(const LoadedModule &loaded) {
  const format::Module &m = loaded.root();
  long long elements = 0;
  for (const format::Variable *v : *m.variables()) {
    long long n = 1;
    for (int64_t d : *v->shape())
      n *= d; // every extent in range and the product bounded (kMaxValueBytes) by now
    elements += n;
    (void)format::EnumNameVariableRole(v->role());
  }
  (void)elements;
  if (m.kernels())
    for (const format::Kernel *k : *m.kernels())
      for (format::Target target : {format::Target::Cpu, format::Target::Cuda})
        (void)kernelSource(*k, target);
  for (const format::EntryPoint *entry : *m.entry_points()) {
    for (const format::Instruction *inst : *entry->instructions())
      (void)opName(inst->op());
    auto schedule = Schedule::create(loaded, entry->name()->str());
    fuzz::note(schedule ? "schedule of " + entry->name()->str() : schedule.errorMessage());
  }
}

void read(std::vector<uint8_t> bytes) {
  auto loaded = parseModule(std::move(bytes), "fuzz.sclm");
  if (!loaded) {
    fuzz::note(loaded.errorMessage());
    return;
  }
  walk(*loaded);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  read(std::vector<uint8_t>(data, data + size));
  if (size >= kModuleHeaderBytes)
    read(wrapModulePayload(data + kModuleHeaderBytes, size - kModuleHeaderBytes));
  return 0;
}
