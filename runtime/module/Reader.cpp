//===- Reader.cpp - loading and verifying compiled modules -----------------===//
//
// Three layers of checks, so that a corrupt, truncated or hand-edited module is rejected
// with a message instead of being run: the header (magic, version, exact length, CRC-32),
// the FlatBuffers verifier (every offset of the buffer in bounds), and the meaning (every
// argument, variable, constant and kernel index in range, every buffer inside the arena,
// names unique).
//
//===----------------------------------------------------------------------===//

#include "runtime/module/Reader.h"
#include "runtime/module/Format.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CRC.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstring>

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

namespace {

llvm::Error error(llvm::StringRef path, const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 path + ": error: " + message);
}

template <typename T> T read(const std::vector<uint8_t> &bytes, size_t at) {
  T value;
  std::memcpy(&value, bytes.data() + at, sizeof(T));
  return value;
}

size_t elementBytes(format::DType dtype) {
  switch (dtype) {
  case format::DType::F32:
  case format::DType::I32:
    return 4;
  case format::DType::F16:
  case format::DType::BF16:
    return 2;
  case format::DType::I64:
    return 8;
  }
  return 0;
}

class Checker {
public:
  Checker(const format::Module &module, llvm::StringRef path) : module(module), path(path) {}

  llvm::Error run() {
    if (module.version() != kModuleVersion)
      return error(path, "module table says version " + llvm::Twine(module.version()) +
                             ", the header " + llvm::Twine(kModuleVersion));
    llvm::StringSet<> names;
    for (const format::Variable *v : *module.variables()) {
      if (!names.insert(v->name()->str()).second)
        return error(path, "variable '" + v->name()->str() + "' is declared twice");
      if (auto e = shape(v->shape(), "variable '" + v->name()->str() + "'"))
        return e;
    }
    if (module.constants())
      for (const format::Constant *c : *module.constants())
        if (auto e = shape(c->shape(), "a constant"))
          return e;
    llvm::StringSet<> entries;
    for (const format::EntryPoint *entry : *module.entry_points()) {
      std::string where = "entry point '" + entry->name()->str() + "'";
      if (!entries.insert(entry->name()->str()).second)
        return error(path, where + " is defined twice");
      if (entry->arena_bytes() < 0)
        return error(path, where + " has a negative arena");
      for (const format::ValueRef *arg : *entry->arguments())
        if (arg->kind() != format::ValueKind::Argument)
          return error(path, where + ": an argument that is not an Argument reference");
      for (auto [i, inst] : llvm::enumerate(*entry->instructions())) {
        std::string at = where + ", instruction " + std::to_string(i) + " (" +
                         inst->op()->str() + ")";
        if (inst->op()->str() == "simclr.kernel" &&
            (!module.kernels() || inst->kernel() < 0 ||
             inst->kernel() >= static_cast<int>(module.kernels()->size())))
          return error(path, at + ": kernel index " + llvm::Twine(inst->kernel()) +
                                 " out of range");
        for (auto *refs : {inst->inputs(), inst->outputs()})
          for (const format::ValueRef *ref : *refs)
            if (auto e = value(ref, entry, at))
              return e;
      }
      for (const format::ValueRef *ref : *entry->results())
        if (auto e = value(ref, entry, where + " results"))
          return e;
    }
    return llvm::Error::success();
  }

private:
  llvm::Error shape(const flatbuffers::Vector<int64_t> *dims, const std::string &what) {
    for (int64_t d : *dims)
      if (d < 0 || d > (int64_t(1) << 40))
        return error(path, what + " has an invalid extent " + llvm::Twine(d));
    return llvm::Error::success();
  }

  llvm::Error value(const format::ValueRef *ref, const format::EntryPoint *entry,
                    const std::string &at) {
    if (auto e = shape(ref->shape(), at + ": a value"))
      return e;
    auto inRange = [&](int64_t index, size_t size, const char *what) -> llvm::Error {
      if (index < 0 || static_cast<size_t>(index) >= size)
        return error(path, at + ": " + what + " index " + llvm::Twine(index) +
                               " out of range");
      return llvm::Error::success();
    };
    // A reference must have the shape and type of what it names.
    auto same = [&](const flatbuffers::Vector<int64_t> *declared, format::DType dtype,
                    const char *what) -> llvm::Error {
      bool equal = declared->size() == ref->shape()->size() && dtype == ref->dtype();
      for (size_t i = 0; equal && i < declared->size(); ++i)
        equal = declared->Get(i) == ref->shape()->Get(i);
      if (!equal)
        return error(path, at + ": a reference to " + what + " " + llvm::Twine(ref->index()) +
                               " with another shape or type than its declaration");
      return llvm::Error::success();
    };
    switch (ref->kind()) {
    case format::ValueKind::Argument:
      if (auto e = inRange(ref->index(), entry->arguments()->size(), "argument"))
        return e;
      return same(entry->arguments()->Get(ref->index())->shape(),
                  entry->arguments()->Get(ref->index())->dtype(), "argument");
    case format::ValueKind::Variable:
      if (auto e = inRange(ref->index(), module.variables()->size(), "variable"))
        return e;
      return same(module.variables()->Get(ref->index())->shape(),
                  module.variables()->Get(ref->index())->dtype(), "variable");
    case format::ValueKind::Constant:
      if (auto e = inRange(ref->index(), module.constants() ? module.constants()->size() : 0,
                           "constant"))
        return e;
      return same(module.constants()->Get(ref->index())->shape(),
                  module.constants()->Get(ref->index())->dtype(), "constant");
    case format::ValueKind::Buffer: {
      int64_t bytes = static_cast<int64_t>(elementBytes(ref->dtype()));
      for (int64_t d : *ref->shape())
        bytes = d != 0 && bytes > (int64_t(1) << 50) / d ? (int64_t(1) << 50) : bytes * d;
      if (ref->offset() < 0 || ref->offset() + bytes > entry->arena_bytes())
        return error(path, at + ": buffer [" + llvm::Twine(ref->offset()) + ", " +
                               llvm::Twine(ref->offset() + bytes) +
                               ") lies outside the arena of " +
                               llvm::Twine(entry->arena_bytes()) + " bytes");
      return llvm::Error::success();
    }
    }
    return error(path, at + ": unknown value kind");
  }

  const format::Module &module;
  std::string path;
};

} // namespace

const format::EntryPoint *LoadedModule::entryPoint(llvm::StringRef name) const {
  for (const format::EntryPoint *entry : *module->entry_points())
    if (entry->name()->string_view() == std::string_view(name))
      return entry;
  return nullptr;
}

std::optional<std::string> LoadedModule::metadata(llvm::StringRef key) const {
  const format::KeyValue *entry =
      module->metadata() ? module->metadata()->LookupByKey(key.str().c_str()) : nullptr;
  if (!entry)
    return std::nullopt;
  return entry->value()->str();
}

llvm::Expected<LoadedModule> mlir::simclr::runtime::parseModule(std::vector<uint8_t> bytes,
                                                                llvm::StringRef path) {
  if (bytes.size() < kModuleHeaderBytes)
    return error(path, "not a simclr module: " + llvm::Twine(bytes.size()) +
                           " bytes, shorter than the header");
  if (std::memcmp(bytes.data(), kModuleMagic, sizeof(kModuleMagic)) != 0)
    return error(path, "not a simclr module (bad magic)");
  uint32_t version = read<uint32_t>(bytes, 8);
  if (version != kModuleVersion)
    return error(path, "module format version " + llvm::Twine(version) +
                           " is not supported (this runtime reads version " +
                           llvm::Twine(kModuleVersion) + ")");
  uint64_t length = read<uint64_t>(bytes, 16);
  if (length != bytes.size() - kModuleHeaderBytes)
    return error(path, "payload is " + llvm::Twine(bytes.size() - kModuleHeaderBytes) +
                           " bytes but the header says " + llvm::Twine(length) +
                           ": the file is truncated or has trailing data");
  llvm::ArrayRef<uint8_t> payload(bytes.data() + kModuleHeaderBytes, length);
  if (llvm::crc32(payload) != read<uint32_t>(bytes, 12))
    return error(path, "checksum mismatch: the module is corrupt");
  flatbuffers::Verifier verifier(payload.data(), payload.size());
  if (!format::VerifyModuleBuffer(verifier))
    return error(path, "the module's FlatBuffer does not verify");

  LoadedModule loaded;
  loaded.bytes = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
  loaded.module = format::GetModule(loaded.bytes->data() + kModuleHeaderBytes);
  loaded.source = path.str();
  if (llvm::Error e = Checker(*loaded.module, path).run())
    return std::move(e);
  return loaded;
}

llvm::Expected<LoadedModule> mlir::simclr::runtime::readModule(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return error(path, "cannot read file: " + buffer.getError().message());
  llvm::StringRef data = (*buffer)->getBuffer();
  return parseModule(std::vector<uint8_t>(data.begin(), data.end()), path);
}
