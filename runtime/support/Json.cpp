//===- Json.cpp - reading and writing JSON ---------------------------------===//

#include "runtime/support/Json.h"

#include <cmath>
#include <cstdlib>

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

std::optional<double> JsonValue::asNumber() const {
  if (type != Kind::Number)
    return std::nullopt;
  return number;
}

std::optional<int64_t> JsonValue::asInteger() const {
  if (type != Kind::Number)
    return std::nullopt;
  if (integer)
    return integer;
  // 2.0 is an integer too, as long as it is exact and in range.
  if (std::nearbyint(number) == number && std::fabs(number) < 9.2e18)
    return int64_t(number);
  return std::nullopt;
}

std::optional<bool> JsonValue::asBool() const {
  if (type != Kind::Bool)
    return std::nullopt;
  return boolean;
}

const std::string *JsonValue::asString() const {
  return type == Kind::String ? &string : nullptr;
}

const std::vector<JsonValue> *JsonValue::asArray() const {
  return type == Kind::Array ? &array : nullptr;
}

const std::map<std::string, JsonValue> *JsonValue::asObject() const {
  return type == Kind::Object ? &object : nullptr;
}

const JsonValue *JsonValue::get(std::string_view key) const {
  if (type != Kind::Object)
    return nullptr;
  auto it = object.find(std::string(key));
  return it == object.end() ? nullptr : &it->second;
}

namespace mlir::simclr::runtime {

/// Recursive descent over the text; the first problem stops it.
class JsonParser {
public:
  explicit JsonParser(std::string_view text) : text(text) {}

  Expected<JsonValue> parse() {
    JsonValue value;
    skipSpace();
    if (!parseValue(value, 0))
      return makeError(problem);
    skipSpace();
    if (at != text.size())
      return makeError(message("text after the value"));
    return value;
  }

private:
  static constexpr int kMaxDepth = 256;

  std::string message(const std::string &what) const {
    return what + " at byte " + std::to_string(at);
  }
  bool fail(const std::string &what) {
    if (problem.empty())
      problem = message(what);
    return false;
  }
  void skipSpace() {
    while (at < text.size() &&
           (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r'))
      ++at;
  }
  bool literal(std::string_view word) {
    if (text.substr(at, word.size()) != word)
      return fail("unexpected character");
    at += word.size();
    return true;
  }

  bool parseValue(JsonValue &value, int depth) {
    if (depth > kMaxDepth)
      return fail("nesting deeper than " + std::to_string(kMaxDepth));
    if (at >= text.size())
      return fail("unexpected end");
    char c = text[at];
    switch (c) {
    case 'n':
      value.type = JsonValue::Kind::Null;
      return literal("null");
    case 't':
      value.type = JsonValue::Kind::Bool;
      value.boolean = true;
      return literal("true");
    case 'f':
      value.type = JsonValue::Kind::Bool;
      value.boolean = false;
      return literal("false");
    case '"':
      value.type = JsonValue::Kind::String;
      return parseString(value.string);
    case '[':
      value.type = JsonValue::Kind::Array;
      return parseArray(value.array, depth);
    case '{':
      value.type = JsonValue::Kind::Object;
      return parseObject(value.object, depth);
    default:
      if (c == '-' || (c >= '0' && c <= '9')) {
        value.type = JsonValue::Kind::Number;
        return parseNumber(value);
      }
      return fail("unexpected character");
    }
  }

  bool parseNumber(JsonValue &value) {
    size_t start = at;
    auto digits = [&] {
      size_t first = at;
      while (at < text.size() && text[at] >= '0' && text[at] <= '9')
        ++at;
      return at > first;
    };
    if (text[at] == '-')
      ++at;
    if (at < text.size() && text[at] == '0')
      ++at;
    else if (!digits())
      return fail("a number without digits");
    bool integral = true;
    if (at < text.size() && text[at] == '.') {
      ++at;
      integral = false;
      if (!digits())
        return fail("a number without digits after '.'");
    }
    if (at < text.size() && (text[at] == 'e' || text[at] == 'E')) {
      ++at;
      integral = false;
      if (at < text.size() && (text[at] == '+' || text[at] == '-'))
        ++at;
      if (!digits())
        return fail("a number without digits in its exponent");
    }
    std::string token(text.substr(start, at - start));
    value.number = std::strtod(token.c_str(), nullptr);
    if (integral) {
      errno = 0;
      long long whole = std::strtoll(token.c_str(), nullptr, 10);
      if (errno == 0)
        value.integer = int64_t(whole);
    }
    return true;
  }

  static void appendUtf8(std::string &out, uint32_t code) {
    if (code < 0x80) {
      out += char(code);
    } else if (code < 0x800) {
      out += char(0xc0 | (code >> 6));
      out += char(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      out += char(0xe0 | (code >> 12));
      out += char(0x80 | ((code >> 6) & 0x3f));
      out += char(0x80 | (code & 0x3f));
    } else {
      out += char(0xf0 | (code >> 18));
      out += char(0x80 | ((code >> 12) & 0x3f));
      out += char(0x80 | ((code >> 6) & 0x3f));
      out += char(0x80 | (code & 0x3f));
    }
  }

  bool hex4(uint32_t &code) {
    if (at + 4 > text.size())
      return fail("a truncated \\u escape");
    code = 0;
    for (int i = 0; i < 4; ++i) {
      char h = text[at++];
      int digit = h >= '0' && h <= '9'   ? h - '0'
                  : h >= 'a' && h <= 'f' ? h - 'a' + 10
                  : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                         : -1;
      if (digit < 0)
        return fail("a bad \\u escape");
      code = code * 16 + uint32_t(digit);
    }
    return true;
  }

  /// Length of the valid UTF-8 sequence starting at `at`, or 0.
  size_t utf8Length() const {
    auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
    unsigned char c = byte(at);
    size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (length == 0 || at + length > text.size())
      return 0;
    for (size_t i = 1; i < length; ++i)
      if ((byte(at + i) & 0xc0) != 0x80)
        return 0;
    return length;
  }

  bool parseString(std::string &out) {
    ++at; // the opening quote
    while (true) {
      if (at >= text.size())
        return fail("an unterminated string");
      char c = text[at];
      if (c == '"') {
        ++at;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20)
        return fail("a control character in a string");
      if (c != '\\') {
        size_t length = utf8Length();
        if (length == 0)
          return fail("invalid UTF-8 in a string");
        out.append(text.substr(at, length));
        at += length;
        continue;
      }
      if (++at >= text.size())
        return fail("an unterminated string");
      char escape = text[at++];
      switch (escape) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        uint32_t code;
        if (!hex4(code))
          return false;
        if (code >= 0xd800 && code < 0xdc00) { // a surrogate pair
          uint32_t low;
          if (text.substr(at, 2) != "\\u")
            return fail("an unpaired surrogate");
          at += 2;
          if (!hex4(low))
            return false;
          if (low < 0xdc00 || low >= 0xe000)
            return fail("an unpaired surrogate");
          code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        } else if (code >= 0xdc00 && code < 0xe000) {
          return fail("an unpaired surrogate");
        }
        appendUtf8(out, code);
        break;
      }
      default:
        return fail("an unknown escape in a string");
      }
    }
  }

  bool parseArray(std::vector<JsonValue> &out, int depth) {
    ++at;
    skipSpace();
    if (at < text.size() && text[at] == ']') {
      ++at;
      return true;
    }
    while (true) {
      out.emplace_back();
      skipSpace();
      if (!parseValue(out.back(), depth + 1))
        return false;
      skipSpace();
      if (at < text.size() && text[at] == ',') {
        ++at;
        continue;
      }
      if (at < text.size() && text[at] == ']') {
        ++at;
        return true;
      }
      return fail("expected ',' or ']'");
    }
  }

  bool parseObject(std::map<std::string, JsonValue> &out, int depth) {
    ++at;
    skipSpace();
    if (at < text.size() && text[at] == '}') {
      ++at;
      return true;
    }
    while (true) {
      skipSpace();
      if (at >= text.size() || text[at] != '"')
        return fail("expected a key");
      std::string key;
      size_t keyAt = at;
      if (!parseString(key))
        return false;
      skipSpace();
      if (at >= text.size() || text[at] != ':')
        return fail("expected ':'");
      ++at;
      skipSpace();
      JsonValue value;
      if (!parseValue(value, depth + 1))
        return false;
      if (!out.emplace(std::move(key), std::move(value)).second) {
        at = keyAt;
        return fail("a duplicate key");
      }
      skipSpace();
      if (at < text.size() && text[at] == ',') {
        ++at;
        continue;
      }
      if (at < text.size() && text[at] == '}') {
        ++at;
        return true;
      }
      return fail("expected ',' or '}'");
    }
  }

  std::string_view text;
  size_t at = 0;
  std::string problem;
};

} // namespace mlir::simclr::runtime

Expected<JsonValue> runtime::parseJson(std::string_view text) {
  return JsonParser(text).parse();
}

std::string runtime::quoteJson(std::string_view text) {
  static const char *hex = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c >= 0x20) {
      out += char(c);
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out + "\"";
}
