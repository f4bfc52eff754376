//===- Checked.h - sizes from file contents, without wrapping ---*- C++ -*-===//
//
// Every size a reader computes from what a file says (element counts, byte counts,
// offsets) goes through these: a result that does not fit in int64 is reported, never
// wrapped, so that a header claiming 2^62 elements is refused instead of passing a size
// check and aborting an allocation later (docs/RELIABILITY.md).
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_SUPPORT_CHECKED_H
#define SIMCLR_RUNTIME_SUPPORT_CHECKED_H

#include <cstdint>
#include <optional>

namespace mlir::simclr::runtime {

/// a * b for a, b >= 0; nullopt when either is negative or the product overflows.
inline std::optional<int64_t> checkedMul(int64_t a, int64_t b) {
  int64_t product;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &product))
    return std::nullopt;
  return product;
}

/// a + b for a, b >= 0; nullopt when either is negative or the sum overflows.
inline std::optional<int64_t> checkedAdd(int64_t a, int64_t b) {
  int64_t sum;
  if (a < 0 || b < 0 || __builtin_add_overflow(a, b, &sum))
    return std::nullopt;
  return sum;
}

/// The number of elements of a shape (extents >= 0), times `elementBytes` when given:
/// nullopt when an extent is negative or the count overflows.
template <typename Extents>
std::optional<int64_t> checkedCount(const Extents &extents, int64_t elementBytes = 1) {
  std::optional<int64_t> count = elementBytes;
  for (auto extent : extents) {
    count = checkedMul(*count, int64_t(extent));
    if (!count)
      return std::nullopt;
  }
  return count;
}

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_SUPPORT_CHECKED_H
