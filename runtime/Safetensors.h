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
#include "runtime/support/Error.h"

#include <string_view>

namespace mlir::simclr::runtime {

/// Parses a safetensors image held in memory; `path` names it in errors. Every field is
/// validated: header length, JSON shape, known dtypes, non-negative shapes, offsets that lie
/// inside the data, match the tensor's size, and tile the data without gaps or overlaps.
Expected<TensorMap> parseSafetensors(std::string_view bytes, const std::string &path,
                                     std::map<std::string, std::string> *metadata = nullptr);

/// Reads a safetensors file.
Expected<TensorMap> readSafetensors(const std::string &path,
                                    std::map<std::string, std::string> *metadata = nullptr);

/// Serialises tensors (in name order) to a safetensors image: a compact header with its
/// keys sorted, padded with spaces so that the data starts 8-byte aligned.
std::string serializeSafetensors(const TensorMap &tensors,
                                 const std::map<std::string, std::string> &metadata = {});

/// Writes a safetensors file atomically: to a temporary file beside `path`, then renamed
/// over it, so that an interrupted write never leaves a torn file.
Error writeSafetensors(const std::string &path, const TensorMap &tensors,
                       const std::map<std::string, std::string> &metadata = {});

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_SAFETENSORS_H
