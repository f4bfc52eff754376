//===- Idx.cpp - MNIST / Fashion-MNIST IDX files ---------------------------===//

#include "runtime/data/Idx.h"
#include "runtime/support/Checked.h"
#include "runtime/support/Strings.h"

#include <zlib.h>

using namespace mlir::simclr;
using namespace mlir::simclr::data;
using runtime::Error;
using runtime::Expected;

namespace {

Error error(const std::string &path, const std::string &message) {
  return runtime::makeError(path + ": error: " + message);
}

/// The whole file, decompressed when it is gzip (zlib reads plain files as they are); an
/// error past `maxBytes` (a small gzip file can decompress to any size).
Expected<std::vector<uint8_t>> readAll(const std::string &path, size_t maxBytes) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file)
    return error(path, "cannot open file");
  std::vector<uint8_t> bytes;
  uint8_t chunk[1 << 16];
  int n;
  while ((n = gzread(file, chunk, sizeof(chunk))) > 0) {
    if (bytes.size() + size_t(n) > maxBytes) {
      gzclose(file);
      return error(path, "holds more than " + std::to_string(maxBytes) +
                             " bytes (decompressed), the limit for an IDX file");
    }
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
  int status;
  const char *message = gzerror(file, &status);
  bool failed = n < 0 || (status != Z_OK && status != Z_STREAM_END);
  std::string reason = failed ? message : "";
  // zlib's messages may start with the file name; ours already do.
  if (runtime::startsWith(reason, path + ": "))
    reason = reason.substr(path.size() + 2);
  gzclose(file);
  if (failed)
    return error(path, "corrupt compressed data: " + reason);
  return bytes;
}

} // namespace

Expected<IdxArray> mlir::simclr::data::readIdx(const std::string &path, size_t maxBytes) {
  auto bytes = readAll(path, maxBytes);
  if (!bytes)
    return bytes.takeError();
  const std::vector<uint8_t> &b = *bytes;
  if (b.size() < 4 || b[0] != 0 || b[1] != 0)
    return error(path, "not an IDX file (bad magic)");
  if (b[2] != 0x08)
    return error(path, "IDX element type " + std::to_string(int(b[2])) +
                           " is not supported (only unsigned bytes, 0x08)");
  int rank = b[3];
  if (rank < 1 || rank > 4 || b.size() < 4 + 4 * size_t(rank))
    return error(path, "IDX header is truncated or has " + std::to_string(rank) + " dimensions");
  IdxArray array;
  for (int d = 0; d < rank; ++d) {
    const uint8_t *p = &b[4 + 4 * d];
    uint32_t dim = uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
    if (dim == 0) // no images, or images of no pixels
      return error(path, "IDX dimension " + std::to_string(d) + " is 0");
    array.dims.push_back(dim);
  }
  std::optional<int64_t> count = runtime::checkedCount(array.dims);
  size_t header = 4 + 4 * size_t(rank);
  if (!count || int64_t(b.size() - header) != *count)
    return error(path, "holds " + std::to_string(b.size() - header) +
                           " bytes of data but its dimensions need " +
                           (count ? std::to_string(*count) : "more than 2^63"));
  array.values.assign(b.begin() + header, b.end());
  return array;
}
