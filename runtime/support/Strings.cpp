//===- Strings.cpp - formatting and parsing text ---------------------------===//

#include "runtime/support/Strings.h"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>

using namespace mlir::simclr;

std::string runtime::format(const char *pattern, ...) {
  va_list args, again;
  va_start(args, pattern);
  va_copy(again, args);
  int size = std::vsnprintf(nullptr, 0, pattern, args);
  va_end(args);
  std::string text(size > 0 ? size_t(size) : 0, '\0');
  if (size > 0)
    std::vsnprintf(text.data(), text.size() + 1, pattern, again);
  va_end(again);
  return text;
}

namespace {
/// `text` as a whole as an integer of type T, or none.
template <typename T> std::optional<T> parseWhole(std::string_view text) {
  T value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size())
    return std::nullopt;
  return value;
}
} // namespace

std::optional<int64_t> runtime::parseInteger(std::string_view text) {
  return parseWhole<int64_t>(text);
}

std::optional<uint64_t> runtime::parseUnsigned(std::string_view text) {
  return parseWhole<uint64_t>(text);
}

std::optional<double> runtime::parseDouble(std::string_view text) {
  // strtod reads "inf", "nan" and hexadecimal too, as LLVM's parser did; it needs a
  // terminated string, and takes no leading space here.
  std::string copy(text);
  if (copy.empty() || std::isspace(static_cast<unsigned char>(copy[0])))
    return std::nullopt;
  char *end = nullptr;
  errno = 0;
  double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || errno == ERANGE)
    return std::nullopt;
  return value;
}

bool runtime::startsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool runtime::endsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::string_view runtime::trim(std::string_view text) {
  const char *blank = " \t\n\v\f\r";
  size_t first = text.find_first_not_of(blank);
  if (first == std::string_view::npos)
    return {};
  return text.substr(first, text.find_last_not_of(blank) - first + 1);
}

std::vector<std::string_view> runtime::split(std::string_view text, char separator) {
  std::vector<std::string_view> pieces;
  size_t start = 0;
  for (size_t at = text.find(separator); at != std::string_view::npos;
       at = text.find(separator, start)) {
    pieces.push_back(text.substr(start, at - start));
    start = at + 1;
  }
  pieces.push_back(text.substr(start));
  return pieces;
}

std::string runtime::shapeText(const std::vector<int64_t> &shape) {
  std::string text;
  for (int64_t d : shape)
    text += (text.empty() ? "" : "x") + std::to_string(d);
  return text;
}

uint64_t runtime::hash64(std::string_view bytes) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash;
}
