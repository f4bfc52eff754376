//===- Safetensors.h - reading and writing safetensors files ----*- C++ -*-===//
//
// The safetensors format: an 8-byte little-endian header length N, N bytes of JSON
// ({"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}), then
// the data, with offsets relative to its start. Pure data: nothing runs on load.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_SAFETENSORS_H
#define SIMCLR_RUNTIME_SAFETENSORS_H

#include "runtime/Tensor.h"

#include "llvm/Support/Error.h"

namespace mlir::simclr::runtime {

/// Parses a safetensors image held in memory; `path` names it in errors. Every field is
/// validated: header length, JSON shape, known dtypes, non-negative shapes, offsets that lie
/// inside the data, match the tensor's size, and tile the data without gaps or overlaps.
llvm::Expected<TensorMap> parseSafetensors(llvm::StringRef bytes, llvm::StringRef path,
                                           std::map<std::string, std::string> *metadata =
                                               nullptr);

/// Reads a safetensors file.
llvm::Expected<TensorMap> readSafetensors(llvm::StringRef path,
                                          std::map<std::string, std::string> *metadata =
                                              nullptr);

/// Serialises tensors (in name order) to a safetensors image.
std::string serializeSafetensors(const TensorMap &tensors,
                                 const std::map<std::string, std::string> &metadata = {});

/// Writes a safetensors file atomically: to a temporary file beside `path`, then renamed
/// over it, so that an interrupted write never leaves a torn file.
llvm::Error writeSafetensors(llvm::StringRef path, const TensorMap &tensors,
                             const std::map<std::string, std::string> &metadata = {});

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_SAFETENSORS_H
