//===- Format.h - the compiled-module file layout ---------------*- C++ -*-===//
//
// A module file is a 24-byte header followed by a FlatBuffer (Module.fbs):
//
//   0  magic     "SCLMOD\0\0"
//   8  u32       format version (kModuleVersion)
//   12 u32       CRC-32 of the payload (zlib's)
//   16 u64       payload length in bytes
//   24 payload   the FlatBuffer, file identifier "SCLM"
//
// The checksum makes any damaged byte an error, including those the FlatBuffers verifier
// cannot see (a flipped bit in a shape or an offset still gives a well-formed buffer).
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_MODULE_FORMAT_H
#define SIMCLR_RUNTIME_MODULE_FORMAT_H

#include <cstdint>
#include <cstring>
#include <vector>
#include <zlib.h>

namespace mlir::simclr::runtime {

inline constexpr char kModuleMagic[8] = {'S', 'C', 'L', 'M', 'O', 'D', '\0', '\0'};
/// Version 3: instructions name their op with an enum, kernels carry code per target,
/// variables their role.
inline constexpr uint32_t kModuleVersion = 3;
inline constexpr uint64_t kModuleHeaderBytes = 24;
/// The largest value (variable, constant, argument, buffer) a module may declare: 1 TiB at
/// 8 bytes an element. Larger ones are refused as the reader checks the module.
inline constexpr int64_t kMaxValueBytes = int64_t(1) << 40;

/// CRC-32 of a payload, as the header holds it.
inline uint32_t moduleChecksum(const uint8_t *payload, uint64_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (size > 0) { // zlib takes at most 4 GiB at a time
    uInt chunk = size > (1u << 30) ? (1u << 30) : uInt(size);
    crc = crc32(crc, payload, chunk);
    payload += chunk;
    size -= chunk;
  }
  return uint32_t(crc);
}

/// The file for a FlatBuffer payload: header (magic, version, checksum, length) + payload.
inline std::vector<uint8_t> wrapModulePayload(const uint8_t *payload, uint64_t size,
                                              uint32_t version = kModuleVersion) {
  std::vector<uint8_t> file(kModuleHeaderBytes);
  std::memcpy(file.data(), kModuleMagic, sizeof(kModuleMagic));
  uint32_t crc = moduleChecksum(payload, size);
  std::memcpy(file.data() + 8, &version, 4);
  std::memcpy(file.data() + 12, &crc, 4);
  std::memcpy(file.data() + 16, &size, 8);
  file.insert(file.end(), payload, payload + size);
  return file;
}

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_MODULE_FORMAT_H
