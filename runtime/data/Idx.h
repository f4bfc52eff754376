//===- Idx.h - MNIST / Fashion-MNIST IDX files ------------------*- C++ -*-===//
#ifndef SIMCLR_RUNTIME_DATA_IDX_H
#define SIMCLR_RUNTIME_DATA_IDX_H

#include "runtime/support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::simclr::data {

/// An IDX file's contents: unsigned bytes of the given dimensions (images [N, H, W],
/// labels [N]).
struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> values;
};

/// The largest IDX file read (decompressed): 8 GiB, beyond any IDX data set.
constexpr size_t kMaxIdxBytes = size_t(1) << 33;

/// Reads an IDX file, gzip-compressed (.gz) or not. Checks the magic (unsigned bytes,
/// 1 to 4 dimensions) and that the data is exactly as long as the dimensions say; errors
/// name the file, and so does one that decompresses to more than `maxBytes`.
runtime::Expected<IdxArray> readIdx(const std::string &path, size_t maxBytes = kMaxIdxBytes);

} // namespace mlir::simclr::data

#endif // SIMCLR_RUNTIME_DATA_IDX_H
