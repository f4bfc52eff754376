//===- Json.h - reading and writing JSON ------------------------*- C++ -*-===//
//
// What the runtime reads as JSON: safetensors headers, the lines of its own training
// logs. A strict reader (RFC 8259: no comments, no trailing commas, valid UTF-8, no
// duplicate keys, bounded nesting) and the quoting a writer needs.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_SUPPORT_JSON_H
#define SIMCLR_RUNTIME_SUPPORT_JSON_H

#include "runtime/support/Error.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mlir::simclr::runtime {

class JsonValue {
public:
  enum class Kind { Null, Bool, Number, String, Array, Object };

  Kind kind() const { return type; }
  bool isObject() const { return type == Kind::Object; }
  /// The number, when this is one.
  std::optional<double> asNumber() const;
  /// The number, when this is one with an integral value that fits in 64 bits.
  std::optional<int64_t> asInteger() const;
  std::optional<bool> asBool() const;
  /// The string, array or object, or null when this is something else.
  const std::string *asString() const;
  const std::vector<JsonValue> *asArray() const;
  const std::map<std::string, JsonValue> *asObject() const;
  /// The member `key` of an object, or null.
  const JsonValue *get(std::string_view key) const;

private:
  friend class JsonParser;
  Kind type = Kind::Null;
  bool boolean = false;
  double number = 0;
  std::optional<int64_t> integer; ///< a number written without fraction or exponent
  std::string string;
  std::vector<JsonValue> array;
  std::map<std::string, JsonValue> object;
};

/// Parses one JSON value (surrounding white space allowed). Errors say what is wrong and
/// at which byte.
Expected<JsonValue> parseJson(std::string_view text);

/// `text` as a JSON string, quotes included.
std::string quoteJson(std::string_view text);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_SUPPORT_JSON_H
