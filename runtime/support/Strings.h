//===- Strings.h - formatting and parsing text ------------------*- C++ -*-===//
//
// printf-style formatting into std::string, and parsers that accept a whole string or
// nothing (the flags, the module's settings, label files and checkpoints' metadata).
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_SUPPORT_STRINGS_H
#define SIMCLR_RUNTIME_SUPPORT_STRINGS_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mlir::simclr::runtime {

/// printf into a string.
std::string format(const char *pattern, ...) __attribute__((format(printf, 1, 2)));

/// The whole of `text` as a number, or none (no sign for unsigned; no spaces).
std::optional<int64_t> parseInteger(std::string_view text);
std::optional<uint64_t> parseUnsigned(std::string_view text);
std::optional<double> parseDouble(std::string_view text);

bool startsWith(std::string_view text, std::string_view prefix);
bool endsWith(std::string_view text, std::string_view suffix);
/// `text` without leading and trailing white space.
std::string_view trim(std::string_view text);
/// The pieces of `text` between `separator`s (empty pieces kept; "" gives one piece).
std::vector<std::string_view> split(std::string_view text, char separator);

/// "8x1x3x3" for a shape.
std::string shapeText(const std::vector<int64_t> &shape);

/// A 64-bit FNV-1a hash (cache keys: stable across runs and machines).
uint64_t hash64(std::string_view bytes);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_SUPPORT_STRINGS_H
