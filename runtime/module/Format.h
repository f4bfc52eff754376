//===- Format.h - the compiled-module file layout ---------------*- C++ -*-===//
//
// A module file is a 24-byte header followed by a FlatBuffer (Module.fbs):
//
//   0  magic     "SCLMOD\0\0"
//   8  u32       format version (kModuleVersion)
//   12 u32       CRC-32 of the payload
//   16 u64       payload length in bytes
//   24 payload   the FlatBuffer, file identifier "SCLM"
//
// The checksum makes any damaged byte an error, including those the FlatBuffers verifier
// cannot see (a flipped bit in a shape or an offset still gives a well-formed buffer).
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_MODULE_FORMAT_H
#define SIMCLR_RUNTIME_MODULE_FORMAT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/CRC.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace mlir::simclr::runtime {

inline constexpr char kModuleMagic[8] = {'S', 'C', 'L', 'M', 'O', 'D', '\0', '\0'};
inline constexpr uint32_t kModuleVersion = 2;
inline constexpr uint64_t kModuleHeaderBytes = 24;

/// The file for a FlatBuffer payload: header (magic, version, checksum, length) + payload.
inline std::vector<uint8_t> wrapModulePayload(llvm::ArrayRef<uint8_t> payload,
                                              uint32_t version = kModuleVersion) {
  std::vector<uint8_t> file(kModuleHeaderBytes);
  std::memcpy(file.data(), kModuleMagic, sizeof(kModuleMagic));
  uint32_t crc = llvm::crc32(payload);
  uint64_t length = payload.size();
  std::memcpy(file.data() + 8, &version, 4);
  std::memcpy(file.data() + 12, &crc, 4);
  std::memcpy(file.data() + 16, &length, 8);
  file.insert(file.end(), payload.begin(), payload.end());
  return file;
}

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_MODULE_FORMAT_H
