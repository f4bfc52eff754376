//===- Safetensors.cpp - reading and writing safetensors files -------------===//

#include "runtime/Safetensors.h"
#include "runtime/support/Checked.h"
#include "runtime/support/Files.h"
#include "runtime/support/Json.h"

#include <algorithm>

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

namespace {

/// The largest header accepted (the reference implementation's limit).
constexpr uint64_t kMaxHeaderBytes = 100 * 1000 * 1000;

Error error(const std::string &path, const std::string &message) {
  return makeError(path + ": error: " + message);
}

} // namespace

Expected<TensorMap> runtime::parseSafetensors(std::string_view bytes, const std::string &path,
                                             std::map<std::string, std::string> *metadata) {
  if (bytes.size() < 8)
    return error(path, "not a safetensors file: " + std::to_string(bytes.size()) +
                           " bytes, shorter than the 8-byte header length");
  uint64_t headerBytes = 0;
  for (int i = 7; i >= 0; --i)
    headerBytes = headerBytes << 8 | static_cast<uint8_t>(bytes[i]);
  if (headerBytes > kMaxHeaderBytes || headerBytes > bytes.size() - 8)
    return error(path, "header length " + std::to_string(headerBytes) +
                           " exceeds the file (" + std::to_string(bytes.size()) +
                           " bytes): truncated or not a safetensors file");
  std::string_view headerText = bytes.substr(8, headerBytes);
  std::string_view dataBytes = bytes.substr(8 + headerBytes);

  auto json = parseJson(headerText);
  if (!json)
    return error(path, "header is not valid JSON: " + json.errorMessage());
  const std::map<std::string, JsonValue> *header = json->asObject();
  if (!header)
    return error(path, "header is not a JSON object");

  TensorMap tensors;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const auto &[key, value] : *header) {
    std::string name = key;
    if (name == "__metadata__") {
      const std::map<std::string, JsonValue> *entries = value.asObject();
      if (!entries)
        return error(path, "'__metadata__' is not an object of strings");
      for (const auto &[metaKey, metaValue] : *entries) {
        const std::string *text = metaValue.asString();
        if (!text)
          return error(path, "'__metadata__." + metaKey + "' is not a string");
        if (metadata)
          (*metadata)[metaKey] = *text;
      }
      continue;
    }
    auto bad = [&](const std::string &what) {
      return error(path, "tensor '" + name + "': " + what);
    };
    if (!value.isObject())
      return bad("entry is not an object");
    const std::string *dtypeText = value.get("dtype") ? value.get("dtype")->asString() : nullptr;
    if (!dtypeText)
      return bad("missing 'dtype'");
    auto dtype = parseDType(*dtypeText);
    if (!dtype)
      return bad("unsupported dtype '" + *dtypeText + "'");
    const std::vector<JsonValue> *shape = value.get("shape") ? value.get("shape")->asArray() : nullptr;
    const std::vector<JsonValue> *offsets =
        value.get("data_offsets") ? value.get("data_offsets")->asArray() : nullptr;
    if (!shape)
      return bad("missing 'shape'");
    if (!offsets || offsets->size() != 2)
      return bad("'data_offsets' must be [begin, end]");
    Tensor tensor;
    tensor.dtype = *dtype;
    for (const JsonValue &dim : *shape) {
      auto d = dim.asInteger();
      if (!d || *d < 0)
        return bad("shape entries must be non-negative integers");
      tensor.shape.push_back(*d);
    }
    std::optional<int64_t> expected = checkedCount(tensor.shape, int64_t(dtypeSize(*dtype)));
    if (!expected)
      return bad("shape is too large: its byte count does not fit in 64 bits");
    auto begin = (*offsets)[0].asInteger(), end = (*offsets)[1].asInteger();
    if (!begin || !end || *begin < 0 || *end < *begin)
      return bad("'data_offsets' must be non-negative with begin <= end");
    if (uint64_t(*end) > dataBytes.size())
      return bad("data [" + std::to_string(*begin) + ", " + std::to_string(*end) +
                 ") lies beyond the " + std::to_string(dataBytes.size()) +
                 " data bytes: the file is truncated");
    if (*end - *begin != *expected)
      return bad("holds " + std::to_string(*end - *begin) +
                 " bytes but its dtype and shape need " + std::to_string(*expected));
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
    return error(path, std::to_string(dataBytes.size() - covered) +
                           " bytes after the last tensor's data");
  return tensors;
}

Expected<TensorMap> runtime::readSafetensors(const std::string &path,
                                            std::map<std::string, std::string> *metadata) {
  auto bytes = readFile(path);
  if (!bytes)
    return bytes.takeError();
  return parseSafetensors(*bytes, path, metadata);
}

std::string runtime::serializeSafetensors(const TensorMap &tensors,
                                          const std::map<std::string, std::string> &metadata) {
  // The header's entries in key order, as std::map holds them ("__metadata__" sorts with
  // the tensor names), with no white space.
  std::map<std::string, std::string> entries;
  if (!metadata.empty()) {
    std::string meta;
    for (const auto &[key, value] : metadata)
      meta += (meta.empty() ? "" : ",") + quoteJson(key) + ":" + quoteJson(value);
    entries["__metadata__"] = "{" + meta + "}";
  }
  uint64_t offset = 0;
  for (const auto &[name, tensor] : tensors) {
    std::string shape;
    for (int64_t d : tensor.shape)
      shape += (shape.empty() ? "" : ",") + std::to_string(d);
    uint64_t end = offset + tensor.data.size();
    entries[name] = "{\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(end) +
                    "],\"dtype\":" + quoteJson(dtypeName(tensor.dtype)) + ",\"shape\":[" +
                    shape + "]}";
    offset = end;
  }
  std::string text;
  for (const auto &[key, entry] : entries)
    text += (text.empty() ? "{" : ",") + quoteJson(key) + ":" + entry;
  text += text.empty() ? "{}" : "}";
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

Error runtime::writeSafetensors(const std::string &path, const TensorMap &tensors,
                                const std::map<std::string, std::string> &metadata) {
  return writeFileAtomically(path, serializeSafetensors(tensors, metadata));
}
