//===- Safetensors.cpp - reading and writing safetensors files -------------===//

#include "runtime/Safetensors.h"
#include "runtime/FileUtils.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace mlir::simclr::runtime;
using llvm::StringRef;

namespace {

/// The largest header accepted (the reference implementation's limit).
constexpr uint64_t kMaxHeaderBytes = 100 * 1000 * 1000;

llvm::Error error(StringRef path, const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 path + ": error: " + message);
}

} // namespace

llvm::Expected<TensorMap>
mlir::simclr::runtime::parseSafetensors(StringRef bytes, StringRef path,
                                  std::map<std::string, std::string> *metadata) {
  if (bytes.size() < 8)
    return error(path, "not a safetensors file: " + llvm::Twine(bytes.size()) +
                           " bytes, shorter than the 8-byte header length");
  uint64_t headerBytes = 0;
  for (int i = 7; i >= 0; --i)
    headerBytes = headerBytes << 8 | static_cast<uint8_t>(bytes[i]);
  if (headerBytes > kMaxHeaderBytes || headerBytes > bytes.size() - 8)
    return error(path, "header length " + llvm::Twine(headerBytes) +
                           " exceeds the file (" + llvm::Twine(bytes.size()) +
                           " bytes): truncated or not a safetensors file");
  StringRef headerText = bytes.substr(8, headerBytes);
  StringRef dataBytes = bytes.substr(8 + headerBytes);

  auto json = llvm::json::parse(headerText);
  if (!json)
    return error(path, "header is not valid JSON: " + llvm::toString(json.takeError()));
  const llvm::json::Object *header = json->getAsObject();
  if (!header)
    return error(path, "header is not a JSON object");

  TensorMap tensors;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const auto &[key, value] : *header) {
    std::string name = key.str();
    if (name == "__metadata__") {
      const llvm::json::Object *entries = value.getAsObject();
      if (!entries)
        return error(path, "'__metadata__' is not an object of strings");
      for (const auto &[metaKey, metaValue] : *entries) {
        auto text = metaValue.getAsString();
        if (!text)
          return error(path, "'__metadata__." + metaKey.str() + "' is not a string");
        if (metadata)
          (*metadata)[metaKey.str()] = text->str();
      }
      continue;
    }
    auto bad = [&](const llvm::Twine &what) {
      return error(path, "tensor '" + name + "': " + what);
    };
    const llvm::json::Object *entry = value.getAsObject();
    if (!entry)
      return bad("entry is not an object");
    auto dtypeText = entry->getString("dtype");
    if (!dtypeText)
      return bad("missing 'dtype'");
    auto dtype = parseDType(*dtypeText);
    if (!dtype)
      return bad("unsupported dtype '" + *dtypeText + "'");
    const llvm::json::Array *shape = entry->getArray("shape");
    const llvm::json::Array *offsets = entry->getArray("data_offsets");
    if (!shape)
      return bad("missing 'shape'");
    if (!offsets || offsets->size() != 2)
      return bad("'data_offsets' must be [begin, end]");
    Tensor tensor;
    tensor.dtype = *dtype;
    uint64_t elements = 1;
    for (const llvm::json::Value &dim : *shape) {
      auto d = dim.getAsInteger();
      if (!d || *d < 0)
        return bad("shape entries must be non-negative integers");
      if (*d > 0 && elements > (uint64_t(1) << 62) / uint64_t(*d))
        return bad("shape is too large");
      elements *= uint64_t(*d);
      tensor.shape.push_back(*d);
    }
    auto begin = (*offsets)[0].getAsInteger(), end = (*offsets)[1].getAsInteger();
    if (!begin || !end || *begin < 0 || *end < *begin)
      return bad("'data_offsets' must be non-negative with begin <= end");
    if (uint64_t(*end) > dataBytes.size())
      return bad("data [" + llvm::Twine(*begin) + ", " + llvm::Twine(*end) +
                 ") lies beyond the " + llvm::Twine(dataBytes.size()) +
                 " data bytes: the file is truncated");
    uint64_t expected = elements * dtypeSize(*dtype);
    if (uint64_t(*end - *begin) != expected)
      return bad("holds " + llvm::Twine(*end - *begin) + " bytes but its dtype and shape need " +
                 llvm::Twine(expected));
    tensor.data.assign(dataBytes.begin() + *begin, dataBytes.begin() + *end);
    ranges.push_back({uint64_t(*begin), uint64_t(*end)});
    tensors.emplace(std::move(name), std::move(tensor));
  }
  // The tensors must tile the data exactly: no overlaps, no gaps, nothing trailing.
  std::sort(ranges.begin(), ranges.end());
  uint64_t covered = 0;
  for (auto [begin, end] : ranges) {
    if (begin != covered)
      return error(path, begin < covered ? "tensor data overlap" : "gap in tensor data");
    covered = end;
  }
  if (covered != dataBytes.size())
    return error(path, llvm::Twine(dataBytes.size() - covered) +
                           " bytes after the last tensor's data");
  return tensors;
}

llvm::Expected<TensorMap>
mlir::simclr::runtime::readSafetensors(StringRef path,
                                 std::map<std::string, std::string> *metadata) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return error(path, "cannot read file: " + buffer.getError().message());
  return parseSafetensors((*buffer)->getBuffer(), path, metadata);
}

std::string mlir::simclr::runtime::serializeSafetensors(
    const TensorMap &tensors, const std::map<std::string, std::string> &metadata) {
  llvm::json::Object header;
  if (!metadata.empty()) {
    llvm::json::Object meta;
    for (const auto &[key, value] : metadata)
      meta[key] = value;
    header["__metadata__"] = std::move(meta);
  }
  uint64_t offset = 0;
  for (const auto &[name, tensor] : tensors) {
    llvm::json::Array shape;
    for (int64_t d : tensor.shape)
      shape.push_back(d);
    uint64_t end = offset + tensor.data.size();
    header[name] = llvm::json::Object{{"dtype", dtypeName(tensor.dtype)},
                                      {"shape", std::move(shape)},
                                      {"data_offsets", llvm::json::Array{offset, end}}};
    offset = end;
  }
  std::string text;
  llvm::raw_string_ostream(text) << llvm::json::Value(std::move(header));
  text.append((8 - text.size() % 8) % 8, ' '); // keep the data 8-byte aligned
  std::string out;
  uint64_t length = text.size();
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
  out += text;
  for (const auto &[name, tensor] : tensors)
    out.append(reinterpret_cast<const char *>(tensor.data.data()), tensor.data.size());
  return out;
}

llvm::Error mlir::simclr::runtime::writeSafetensors(
    StringRef path, const TensorMap &tensors, const std::map<std::string, std::string> &metadata) {
  return writeFileAtomically(path, serializeSafetensors(tensors, metadata));
}
