//===- Slices.h - slices, split and concat slabs, permutations -*- C++ -*-===//
//
// Part of the float32 building blocks of generated CPU kernels (one header per kernel
// family; runtime/cpu/KernelBuild.cpp lists them). Self-contained: standard library and
// OpenMP only. Semantics are those of the ops in dialects/simclr/IR/SimclrOps.td;
// test/unit/CpuKernelsTest.cpp compares every generated kernel with the reference.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CPU_KERNELS_SLICES_H
#define SIMCLR_RUNTIME_CPU_KERNELS_SLICES_H

#include "runtime/cpu/kernels/Common.h"

#include <algorithm>
#include <cstring>

namespace simclr_kernels {

/// Copies between a tensor `big` and a strided box of it (shape `box`): to the box
/// (`toBox`) or back, adding into a zeroed big tensor.
inline void slice(const float *from, float *to, const i64 *big, const i64 *box, int rank,
                  const i64 *offsets, const i64 *strides, bool toBox) {
  i64 bst[8], xst[8], sb = 1, sx = 1;
  for (int d = rank - 1; d >= 0; --d) {
    bst[d] = sb;
    xst[d] = sx;
    sb *= big[d];
    sx *= box[d];
  }
  if (!toBox)
    std::fill(to, to + sb, 0.f);
  for (i64 e = 0; e < sx; ++e) {
    i64 source = 0, rest = e;
    for (int d = 0; d < rank; ++d) {
      i64 i = rest / xst[d];
      rest %= xst[d];
      source += (offsets[d] + i * strides[d]) * bst[d];
    }
    if (toBox)
      to[e] = from[source];
    else
      to[source] += from[e];
  }
}

/// Copies the slab [offset, offset + extent) of `axis` between a tensor and a piece.
inline void copySlab(const float *from, float *to, const Axis &big, i64 offset, i64 extent,
                     bool toPiece) {
  for (i64 o = 0; o < big.outer; ++o)
    for (i64 a = 0; a < extent; ++a) {
      i64 bigIndex = (o * big.extent + offset + a) * big.inner;
      i64 pieceIndex = (o * extent + a) * big.inner;
      if (toPiece)
        std::memcpy(to + pieceIndex, from + bigIndex, big.inner * sizeof(float));
      else
        std::memcpy(to + bigIndex, from + pieceIndex, big.inner * sizeof(float));
    }
}

/// y = x with its dimensions permuted: y's dimension d is x's dimension permutation[d]
/// (x of `shape`, rank at most 8; floats or bf16).
template <typename T>
inline void permute(const T *x, T *y, const i64 *shape, int rank, const i64 *permutation) {
  i64 xStride[8], yShape[8], step[8], n = 1;
  for (int d = rank - 1; d >= 0; --d) {
    xStride[d] = n;
    n *= shape[d];
  }
  for (int d = 0; d < rank; ++d) {
    yShape[d] = shape[permutation[d]];
    step[d] = xStride[permutation[d]];
  }
#pragma omp parallel for
  for (i64 e = 0; e < n; ++e) {
    i64 source = 0, rest = e;
    for (int d = rank - 1; d >= 0; --d) {
      source += (rest % yShape[d]) * step[d];
      rest /= yShape[d];
    }
    y[e] = x[source];
  }
}

} // namespace simclr_kernels

#endif // SIMCLR_RUNTIME_CPU_KERNELS_SLICES_H
