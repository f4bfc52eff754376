//===- Slices.cuh - slices, split and concat slabs, permutations -*- CUDA -*-===//
//
// One thread per element written: a slice gathers from the big tensor; its gradient
// writes every element of the big tensor, the box's value where the box holds it and zero
// elsewhere. Semantics as runtime/cpu/kernels/Slices.h.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CUDA_KERNELS_SLICES_CUH
#define SIMCLR_RUNTIME_CUDA_KERNELS_SLICES_CUH

#include "runtime/cuda/kernels/Common.cuh"

namespace simclr_kernels {

/// Copies between a tensor `big` and a strided box of it (shape `box`): to the box
/// (`toBox`), or back into the big tensor, zero outside the box.
__device__ inline void slice(const Phase &, const float *from, float *to, const i64 *big,
                             const i64 *box, int rank, const i64 *offsets, const i64 *strides,
                             bool toBox) {
  i64 bst[8], xst[8], sb = 1, sx = 1;
  for (int d = rank - 1; d >= 0; --d) {
    bst[d] = sb;
    xst[d] = sx;
    sb *= big[d];
    sx *= box[d];
  }
  if (toBox) {
    for (i64 e = globalThread(); e < sx; e += gridThreads()) {
      i64 source = 0, rest = e;
      for (int d = 0; d < rank; ++d) {
        i64 i = rest / xst[d];
        rest %= xst[d];
        source += (offsets[d] + i * strides[d]) * bst[d];
      }
      to[e] = from[source];
    }
    return;
  }
  for (i64 e = globalThread(); e < sb; e += gridThreads()) {
    i64 boxIndex = 0, rest = e;
    bool inside = true;
    for (int d = 0; d < rank; ++d) {
      i64 i = rest / bst[d] - offsets[d];
      rest %= bst[d];
      inside = inside && i >= 0 && i % strides[d] == 0 && i / strides[d] < box[d];
      boxIndex += (inside ? i / strides[d] : 0) * xst[d];
    }
    to[e] = inside ? from[boxIndex] : 0.f;
  }
}

/// Copies the slab [offset, offset + extent) of `axis` between a tensor and a piece.
__device__ inline void copySlab(const Phase &, const float *from, float *to, const Axis &big,
                                i64 offset, i64 extent, bool toPiece) {
  i64 n = big.outer * extent * big.inner;
  for (i64 e = globalThread(); e < n; e += gridThreads()) {
    i64 i = e % big.inner, a = (e / big.inner) % extent, o = e / (big.inner * extent);
    i64 bigIndex = (o * big.extent + offset + a) * big.inner + i;
    if (toPiece)
      to[e] = from[bigIndex];
    else
      to[bigIndex] = from[e];
  }
}

/// y = x with its dimensions permuted: y's dimension d is x's dimension permutation[d]
/// (x of `shape`, rank at most 8; floats or bf16). One thread per element written.
template <typename T>
__device__ inline void permute(const Phase &, const T *x, T *y, const i64 *shape, int rank,
                               const i64 *permutation) {
  i64 xStride[8], yShape[8], step[8], n = 1;
  for (int d = rank - 1; d >= 0; --d) {
    xStride[d] = n;
    n *= shape[d];
  }
  for (int d = 0; d < rank; ++d) {
    yShape[d] = shape[permutation[d]];
    step[d] = xStride[permutation[d]];
  }
  for (i64 e = globalThread(); e < n; e += gridThreads()) {
    i64 source = 0, rest = e;
    for (int d = rank - 1; d >= 0; --d) {
      source += (rest % yShape[d]) * step[d];
      rest /= yShape[d];
    }
    y[e] = x[source];
  }
}

} // namespace simclr_kernels

#endif // SIMCLR_RUNTIME_CUDA_KERNELS_SLICES_CUH
