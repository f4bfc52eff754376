//===- Reader.cpp - loading and verifying compiled modules -----------------===//
//
// Three layers of checks, so that a corrupt, truncated or hand-edited module is rejected
// with a message instead of being run: the header (magic, version, exact length, CRC-32),
// the FlatBuffers verifier (every offset of the buffer in bounds), and the meaning (every
// enum, argument, variable, constant and kernel index in range, every buffer inside the
// arena, names unique).
//
//===----------------------------------------------------------------------===//

#include "runtime/module/Reader.h"
#include "runtime/module/Format.h"
#include "runtime/support/Checked.h"
#include "runtime/support/Files.h"
#include "runtime/support/Strings.h"

#include <cstring>
#include <cstdint>
#include <set>

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

size_t mlir::simclr::runtime::elementBytes(format::DType dtype) {
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

namespace {

Error error(const std::string &path, const std::string &message) {
  return makeError(path + ": error: " + message);
}

template <typename T> T read(const std::vector<uint8_t> &bytes, size_t at) {
  T value;
  std::memcpy(&value, bytes.data() + at, sizeof(T));
  return value;
}

/// Whether a FlatBuffers enum holds one of its values (the verifier does not check).
template <typename E> bool known(E value) { return value >= E::MIN && value <= E::MAX; }


class Checker {
public:
  Checker(const format::Module &module, const std::string &path) : module(module), path(path) {}

  Error run() {
    if (module.version() != kModuleVersion)
      return error(path, "module table says version " + std::to_string(module.version()) +
                             ", the header " + std::to_string(kModuleVersion));
    std::set<std::string> names;
    for (const format::Variable *v : *module.variables()) {
      std::string what = "variable '" + v->name()->str() + "'";
      if (!names.insert(v->name()->str()).second)
        return error(path, what + " is declared twice");
      if (!known(v->kind()) || !known(v->role()) ||
          elementBytes(v->dtype()) == 0)
        return error(path, what + " has an unknown kind, role or element type");
      if (Error e = shape(v->shape(), what))
        return e;
    }
    if (module.constants())
      for (const format::Constant *c : *module.constants()) {
        if (Error e = declared(c->shape(), c->dtype(), "a constant"))
          return e;
      }
    if (module.kernels())
      for (const format::Kernel *k : *module.kernels())
        if (k->sources())
          for (const format::KernelSource *source : *k->sources())
            if (!known(source->target()))
              return error(path, "kernel '" + k->name()->str() + "' has code for an unknown target");
    if (module.kernel_binaries())
      for (const format::KernelBinary *binary : *module.kernel_binaries())
        if (!known(binary->target()))
          return error(path, "kernel machine code for an unknown target");
    std::set<std::string> entries;
    for (const format::EntryPoint *entry : *module.entry_points()) {
      std::string where = "entry point '" + entry->name()->str() + "'";
      if (!entries.insert(entry->name()->str()).second)
        return error(path, where + " is defined twice");
      if (entry->arena_bytes() < 0)
        return error(path, where + " has a negative arena");
      // An argument is declared where it is staged: argument i is reference i, its
      // shape bounded and its element type known as every other value's.
      for (size_t a = 0; a < entry->arguments()->size(); ++a) {
        const format::ValueRef *arg = entry->arguments()->Get(a);
        std::string what = where + ": argument " + std::to_string(a);
        if (arg->kind() != format::ValueKind::Argument || arg->index() != int64_t(a))
          return error(path, what + " is not an Argument reference to itself");
        if (Error e = declared(arg->shape(), arg->dtype(), what))
          return e;
      }
      size_t i = 0;
      for (const format::Instruction *inst : *entry->instructions()) {
        if (!known(inst->op()))
          return error(path, where + ", instruction " + std::to_string(i) +
                                 ": unknown op " + std::to_string(int(inst->op())));
        std::string at = where + ", instruction " + std::to_string(i++) + " (" +
                         opName(inst->op()) + ")";
        if (inst->op() == format::Op::Kernel &&
            (!module.kernels() || inst->kernel() < 0 ||
             inst->kernel() >= static_cast<int>(module.kernels()->size())))
          return error(path, at + ": kernel index " + std::to_string(inst->kernel()) +
                                 " out of range");
        if (const format::Convolution *g = inst->convolution())
          for (auto *v : {g->stride(), g->padding(), g->dilation()})
            if (!aligned(v))
              return error(path, at + ": a convolution's geometry that is not 8-byte aligned");
        for (auto *refs : {inst->inputs(), inst->outputs()})
          for (const format::ValueRef *ref : *refs)
            if (Error e = value(ref, entry, at))
              return e;
      }
      for (const format::ValueRef *ref : *entry->results())
        if (Error e = value(ref, entry, where + " results"))
          return e;
    }
    return Error::success();
  }

private:
  /// Whether a vector of 64-bit values can be read in place. The FlatBuffers verifier
  /// checks the alignment of a vector's length, not of its elements: a module the
  /// builder wrote has them 8-aligned (an empty one need not be), a damaged one may not.
  static bool aligned(const flatbuffers::Vector<int64_t> *v) {
    return v->size() == 0 || reinterpret_cast<uintptr_t>(v->Data()) % alignof(int64_t) == 0;
  }

  /// Extents of at least 0, and at most kMaxValueBytes in all at 8 bytes an element.
  Error shape(const flatbuffers::Vector<int64_t> *dims, const std::string &what) {
    if (!aligned(dims))
      return error(path, what + " has a shape that is not 8-byte aligned");
    for (int64_t d : *dims)
      if (d < 0)
        return error(path, what + " has an invalid extent " + std::to_string(d));
    std::optional<int64_t> bytes = checkedCount(*dims, 8);
    if (!bytes || *bytes > kMaxValueBytes)
      return error(path, what + " has " + std::to_string(dims->size()) +
                             " extents whose product is too large (more than " +
                             std::to_string(kMaxValueBytes) + " bytes)");
    return Error::success();
  }

  /// A value as declared: its element type known, its shape bounded.
  Error declared(const flatbuffers::Vector<int64_t> *dims, format::DType dtype,
                 const std::string &what) {
    if (elementBytes(dtype) == 0)
      return error(path, what + " has an unknown element type");
    return shape(dims, what);
  }

  Error value(const format::ValueRef *ref, const format::EntryPoint *entry,
              const std::string &at) {
    if (Error e = declared(ref->shape(), ref->dtype(), at + ": a value"))
      return e;
    auto inRange = [&](int64_t index, size_t size, const char *what) -> Error {
      if (index < 0 || static_cast<size_t>(index) >= size)
        return error(path, at + ": " + what + " index " + std::to_string(index) +
                               " out of range");
      return Error::success();
    };
    // A reference must have the shape and type of what it names.
    auto same = [&](const flatbuffers::Vector<int64_t> *declared, format::DType dtype,
                    const char *what) -> Error {
      bool equal = declared->size() == ref->shape()->size() && dtype == ref->dtype();
      for (size_t i = 0; equal && i < declared->size(); ++i)
        equal = declared->Get(i) == ref->shape()->Get(i);
      if (!equal)
        return error(path, at + ": a reference to " + what + " " +
                               std::to_string(ref->index()) +
                               " with another shape or type than its declaration");
      return Error::success();
    };
    if (!known(ref->kind()))
      return error(path, at + ": unknown value kind");
    switch (ref->kind()) {
    case format::ValueKind::Argument:
      if (Error e = inRange(ref->index(), entry->arguments()->size(), "argument"))
        return e;
      return same(entry->arguments()->Get(ref->index())->shape(),
                  entry->arguments()->Get(ref->index())->dtype(), "argument");
    case format::ValueKind::Variable:
      if (Error e = inRange(ref->index(), module.variables()->size(), "variable"))
        return e;
      return same(module.variables()->Get(ref->index())->shape(),
                  module.variables()->Get(ref->index())->dtype(), "variable");
    case format::ValueKind::Constant:
      if (Error e = inRange(ref->index(), module.constants() ? module.constants()->size() : 0,
                            "constant"))
        return e;
      return same(module.constants()->Get(ref->index())->shape(),
                  module.constants()->Get(ref->index())->dtype(), "constant");
    case format::ValueKind::Buffer: {
      // In bounds: shape() bounded the bytes; the end is checked for overflow too.
      int64_t bytes = *checkedCount(*ref->shape(), int64_t(elementBytes(ref->dtype())));
      std::optional<int64_t> end = checkedAdd(ref->offset(), bytes);
      if (!end || *end > entry->arena_bytes())
        return error(path, at + ": buffer [" + std::to_string(ref->offset()) + ", " +
                               (end ? std::to_string(*end) : std::string("...")) +
                               ") lies outside the arena of " +
                               std::to_string(entry->arena_bytes()) + " bytes");
      return Error::success();
    }
    }
    return error(path, at + ": unknown value kind");
  }

  const format::Module &module;
  std::string path;
};

} // namespace

const char *runtime::opName(format::Op op) {
  switch (op) {
  case format::Op::Conv2D: return "simclr.conv2d";
  case format::Op::Conv2DBackwardInput: return "simclr.conv2d_backward_input";
  case format::Op::Conv2DBackwardFilter: return "simclr.conv2d_backward_filter";
  case format::Op::Dense: return "simclr.dense";
  case format::Op::Matmul: return "simclr.matmul";
  case format::Op::Kernel: return "simclr.kernel";
  case format::Op::Store: return "simclr.store";
  case format::Op::AllReduce: return "simclr.all_reduce";
  case format::Op::AllGather: return "simclr.all_gather";
  case format::Op::ReduceScatter: return "simclr.reduce_scatter";
  case format::Op::ReplicaId: return "simclr.replica_id";
  }
  return "an unknown op";
}

const format::KernelSource *runtime::kernelSource(const format::Kernel &kernel,
                                                  format::Target target) {
  if (kernel.sources())
    for (const format::KernelSource *source : *kernel.sources())
      if (source->target() == target)
        return source;
  return nullptr;
}

const format::EntryPoint *LoadedModule::entryPoint(std::string_view name) const {
  for (const format::EntryPoint *entry : *module->entry_points())
    if (entry->name()->string_view() == name)
      return entry;
  return nullptr;
}

uint32_t LoadedModule::checksum() const { return read<uint32_t>(*bytes, 12); }

std::optional<std::string> LoadedModule::metadata(const std::string &key) const {
  const format::KeyValue *entry =
      module->metadata() ? module->metadata()->LookupByKey(key.c_str()) : nullptr;
  if (!entry)
    return std::nullopt;
  return entry->value()->str();
}

Expected<LoadedModule> runtime::parseModule(std::vector<uint8_t> bytes, const std::string &path) {
  if (bytes.size() < kModuleHeaderBytes)
    return error(path, "not a simclr module: " + std::to_string(bytes.size()) +
                           " bytes, shorter than the header");
  if (std::memcmp(bytes.data(), kModuleMagic, sizeof(kModuleMagic)) != 0)
    return error(path, "not a simclr module (bad magic)");
  uint32_t version = read<uint32_t>(bytes, 8);
  if (version != kModuleVersion)
    return error(path, "module format version " + std::to_string(version) +
                           " is not supported (this runtime reads version " +
                           std::to_string(kModuleVersion) +
                           "); compile the description again with this simclrc");
  uint64_t length = read<uint64_t>(bytes, 16);
  if (length != bytes.size() - kModuleHeaderBytes)
    return error(path, "payload is " + std::to_string(bytes.size() - kModuleHeaderBytes) +
                           " bytes but the header says " + std::to_string(length) +
                           ": the file is truncated or has trailing data");
  const uint8_t *payload = bytes.data() + kModuleHeaderBytes;
  // The FlatBuffer's 64-bit vectors are aligned within it; the payload's start must be
  // too for reading them in place (a vector's memory always is: 24 bytes in).
  if (reinterpret_cast<uintptr_t>(payload) % 8 != 0)
    return error(path, "the module's bytes lie at an address that is not 8-byte aligned");
  if (moduleChecksum(payload, length) != read<uint32_t>(bytes, 12))
    return error(path, "checksum mismatch: the module is corrupt");
  flatbuffers::Verifier verifier(payload, length);
  if (!format::VerifyModuleBuffer(verifier))
    return error(path, "the module's FlatBuffer does not verify");

  LoadedModule loaded;
  loaded.bytes = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
  loaded.module = format::GetModule(loaded.bytes->data() + kModuleHeaderBytes);
  loaded.source = path;
  if (Error e = Checker(*loaded.module, path).run())
    return e;
  if (auto replicas = loaded.metadata("replicas")) {
    std::optional<int64_t> n = parseInteger(*replicas);
    if (!n || *n < 1 || *n > 4096)
      return error(path, "metadata 'replicas' is '" + *replicas +
                             "', not a replica count in [1, 4096]");
    loaded.replicaCount = *n;
  }
  return loaded;
}

Expected<LoadedModule> runtime::readModule(const std::string &path) {
  auto data = readFile(path);
  if (!data)
    return data.takeError();
  return parseModule(std::vector<uint8_t>(data->begin(), data->end()), path);
}
