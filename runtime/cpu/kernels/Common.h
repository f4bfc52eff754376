//===- Common.h - shared helpers of the kernel families -*- C++ -*-===//
//
// Part of the float32 building blocks of generated CPU kernels (one header per kernel
// family; runtime/cpu/KernelBuild.cpp lists them). Self-contained: standard library and
// OpenMP only. Semantics are those of the ops in dialects/simclr/IR/SimclrOps.td;
// test/unit/CpuKernelsTest.cpp compares every generated kernel with the reference.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CPU_KERNELS_COMMON_H
#define SIMCLR_RUNTIME_CPU_KERNELS_COMMON_H

#include <cstdint>
#include <cstring>
#include <vector>

namespace simclr_kernels {

using i64 = int64_t;

/// A bfloat16 value as a bf16 step's buffers hold it: the upper half of a float32. Made
/// from a float by rounding to the nearest, ties to even (a NaN stays a NaN); read as a
/// float exactly. Kernels compute in float and convert where they read or write one.
struct bf16 {
  uint16_t bits;
  bf16() = default;
  bf16(float f) : bits(round(f)) {}
  operator float() const {
    uint32_t u = uint32_t(bits) << 16;
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
  }
  static uint16_t round(float f) {
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u)
      return uint16_t((u >> 16) | 0x40u);
    return uint16_t((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
  }
};
static_assert(sizeof(bf16) == 2, "bf16 is two bytes");

inline bf16 toBf16(float f) { return bf16(f); }

/// Splits a shape around `axis`: index = (outer * extent + a) * inner + i.
struct Axis {
  i64 outer = 1, extent = 1, inner = 1;
  Axis(const i64 *shape, int rank, int axis) {
    for (int d = 0; d < rank; ++d)
      (d < axis ? outer : d == axis ? extent : inner) *= shape[d];
  }
};

/// Memory for kernels' intermediates: one buffer per thread, grown as needed and shared by
/// every kernel (a thread runs one kernel at a time), so that a large intermediate costs
/// no allocation, page faults or zero-filling per call.
inline float *scratch(i64 n) {
  thread_local std::vector<float> buffer;
  if (static_cast<i64>(buffer.size()) < n + 16)
    buffer.resize(n + 16);
  auto address = reinterpret_cast<std::uintptr_t>(buffer.data());
  return buffer.data() + ((64 - address % 64) % 64) / sizeof(float);
}

inline i64 count(const i64 *shape, int rank) {
  i64 n = 1;
  for (int d = 0; d < rank; ++d)
    n *= shape[d];
  return n;
}

} // namespace simclr_kernels

#endif // SIMCLR_RUNTIME_CPU_KERNELS_COMMON_H
