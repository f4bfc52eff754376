//===- Tensor.h - host tensors and their element types ----------*- C++ -*-===//
//
// A tensor as it is stored on disk and handed between tools: element type, shape, raw
// little-endian bytes.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_TENSOR_H
#define SIMCLR_RUNTIME_TENSOR_H

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mlir::simclr::runtime {

/// The safetensors element types the project reads and writes.
enum class DType { F64, F32, F16, BF16, I64, I32, I8, U8, Bool };

/// Bytes per element.
size_t dtypeSize(DType dtype);
/// The safetensors spelling ("F32", "I64", ...).
const char *dtypeName(DType dtype);
std::optional<DType> parseDType(std::string_view name);

/// bfloat16 bits of `value`: rounded to float32, then to the nearest bfloat16, ties to even
/// (a NaN stays a NaN); and back, exactly.
uint16_t doubleToBfloat(double value);
double bfloatToDouble(uint16_t bits);

struct Tensor {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data; ///< numElements() * dtypeSize(dtype) bytes

  int64_t numElements() const;
  /// Elements converted to double (F64, F32, I64, I32, I8, U8, Bool; F16/BF16 too).
  std::vector<double> toDoubles() const;
  static Tensor fromDoubles(DType dtype, std::vector<int64_t> shape,
                            const std::vector<double> &values);
};

/// Tensors by name, in name order (the order they are written in).
using TensorMap = std::map<std::string, Tensor>;

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_TENSOR_H
