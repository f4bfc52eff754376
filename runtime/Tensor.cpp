//===- Tensor.cpp - host tensors and their element types -------------------===//

#include "runtime/Tensor.h"

#include <cmath>
#include <cstring>

using namespace mlir::simclr::runtime;

size_t mlir::simclr::runtime::dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F64:
  case DType::I64:
    return 8;
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::F16:
  case DType::BF16:
    return 2;
  case DType::I8:
  case DType::U8:
  case DType::Bool:
    return 1;
  }
  return 0;
}

const char *mlir::simclr::runtime::dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F64: return "F64";
  case DType::F32: return "F32";
  case DType::F16: return "F16";
  case DType::BF16: return "BF16";
  case DType::I64: return "I64";
  case DType::I32: return "I32";
  case DType::I8: return "I8";
  case DType::U8: return "U8";
  case DType::Bool: return "BOOL";
  }
  return "";
}

std::optional<DType> mlir::simclr::runtime::parseDType(std::string_view name) {
  for (DType d : {DType::F64, DType::F32, DType::F16, DType::BF16, DType::I64, DType::I32,
                  DType::I8, DType::U8, DType::Bool})
    if (dtypeName(d) == name)
      return d;
  return std::nullopt;
}

int64_t Tensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

double mlir::simclr::runtime::bfloatToDouble(uint16_t b) {
  uint32_t bits = uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t mlir::simclr::runtime::doubleToBfloat(double value) {
  float f = static_cast<float>(value);
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if (std::isnan(f))
    return 0x7fc0;
  bits += 0x7fff + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}

namespace {

template <typename T> T load(const uint8_t *p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}

template <typename T> void store(uint8_t *p, T value) { std::memcpy(p, &value, sizeof(T)); }

double halfToDouble(uint16_t h) {
  int sign = h >> 15, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  double value;
  if (exponent == 0)
    value = std::ldexp(mantissa, -24);
  else if (exponent == 31)
    value = mantissa ? NAN : INFINITY;
  else
    value = std::ldexp(mantissa + 1024, exponent - 25);
  return sign ? -value : value;
}

uint16_t doubleToHalf(double value) {
  float f = static_cast<float>(value);
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  uint16_t sign = (bits >> 16) & 0x8000;
  if (std::isnan(f))
    return sign | 0x7e00;
  double magnitude = std::fabs(f);
  if (magnitude >= 65520.0)
    return sign | 0x7c00;
  if (magnitude < std::ldexp(1.0, -14)) // subnormal
    return sign | static_cast<uint16_t>(std::nearbyint(magnitude * std::ldexp(1.0, 24)));
  int exponent;
  double fraction = std::frexp(magnitude, &exponent); // magnitude = fraction * 2^exponent
  uint32_t mantissa = static_cast<uint32_t>(std::nearbyint((fraction * 2 - 1) * 1024));
  int biased = exponent - 1 + 15;
  if (mantissa == 1024) {
    mantissa = 0;
    ++biased;
  }
  return sign | static_cast<uint16_t>(biased << 10) | static_cast<uint16_t>(mantissa);
}

} // namespace

std::vector<double> Tensor::toDoubles() const {
  int64_t n = numElements();
  std::vector<double> out(n);
  size_t size = dtypeSize(dtype);
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t *p = data.data() + i * size;
    switch (dtype) {
    case DType::F64: out[i] = load<double>(p); break;
    case DType::F32: out[i] = load<float>(p); break;
    case DType::F16: out[i] = halfToDouble(load<uint16_t>(p)); break;
    case DType::BF16: out[i] = bfloatToDouble(load<uint16_t>(p)); break;
    case DType::I64: out[i] = static_cast<double>(load<int64_t>(p)); break;
    case DType::I32: out[i] = load<int32_t>(p); break;
    case DType::I8: out[i] = load<int8_t>(p); break;
    case DType::U8: out[i] = load<uint8_t>(p); break;
    case DType::Bool: out[i] = load<uint8_t>(p) != 0; break;
    }
  }
  return out;
}

Tensor Tensor::fromDoubles(DType dtype, std::vector<int64_t> shape,
                           const std::vector<double> &values) {
  Tensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  size_t size = dtypeSize(dtype);
  t.data.resize(values.size() * size);
  for (size_t i = 0; i < values.size(); ++i) {
    uint8_t *p = t.data.data() + i * size;
    double v = values[i];
    switch (dtype) {
    case DType::F64: store<double>(p, v); break;
    case DType::F32: store<float>(p, static_cast<float>(v)); break;
    case DType::F16: store<uint16_t>(p, doubleToHalf(v)); break;
    case DType::BF16: store<uint16_t>(p, doubleToBfloat(v)); break;
    case DType::I64: store<int64_t>(p, static_cast<int64_t>(v)); break;
    case DType::I32: store<int32_t>(p, static_cast<int32_t>(v)); break;
    case DType::I8: store<int8_t>(p, static_cast<int8_t>(v)); break;
    case DType::U8: store<uint8_t>(p, static_cast<uint8_t>(v)); break;
    case DType::Bool: store<uint8_t>(p, v != 0); break;
    }
  }
  return t;
}
