//===- Reductions.cuh - sums, means and maxima over axes --------*- CUDA -*-===//
//
// A block per output element (block-stride over the outputs), its threads over the group
// the output reduces, in double. Semantics as runtime/cpu/kernels/Reductions.h.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CUDA_KERNELS_REDUCTIONS_CUH
#define SIMCLR_RUNTIME_CUDA_KERNELS_REDUCTIONS_CUH

#include "runtime/cuda/kernels/Common.cuh"

namespace simclr_kernels {

/// Addresses element `g` of group `o` of a reduction over the dimensions flagged in
/// `reduced`: outputs in the row-major order of the kept dimensions, a group's elements in
/// the row-major order of the reduced ones (so in increasing index order).
struct ReductionShape {
  int kept = 0, folded = 0;
  i64 keptSize[8], keptStride[8], foldedSize[8], foldedStride[8];
  i64 outputs = 1, groupSize = 1;

  __device__ ReductionShape(const i64 *xs, int rank, const bool *reduced) {
    i64 stride = 1, strides[8];
    for (int d = rank - 1; d >= 0; --d) {
      strides[d] = stride;
      stride *= xs[d];
    }
    for (int d = 0; d < rank; ++d) {
      if (reduced[d]) {
        foldedSize[folded] = xs[d];
        foldedStride[folded++] = strides[d];
        groupSize *= xs[d];
      } else {
        keptSize[kept] = xs[d];
        keptStride[kept++] = strides[d];
        outputs *= xs[d];
      }
    }
  }
  __device__ i64 element(i64 o, i64 g) const {
    i64 index = 0;
    for (int d = kept - 1; d >= 0; --d) {
      index += (o % keptSize[d]) * keptStride[d];
      o /= keptSize[d];
    }
    for (int d = folded - 1; d >= 0; --d) {
      index += (g % foldedSize[d]) * foldedStride[d];
      g /= foldedSize[d];
    }
    return index;
  }
};

/// kind 0 = sum, 1 = mean, 2 = max over the axes flagged in `reduced`.
__device__ inline void reduce(const Phase &, int kind, const float *x, const i64 *xs, int rank,
                              const bool *reduced, float *y) {
  ReductionShape shape(xs, rank, reduced);
  for (i64 o = blockIdx.x; o < shape.outputs; o += gridDim.x) {
    double acc = kind == 2 ? -INFINITY : 0.0;
    for (i64 g = threadIdx.x; g < shape.groupSize; g += blockDim.x) {
      double v = x[shape.element(o, g)];
      acc = kind == 2 ? maxOf(acc, v) : acc + v;
    }
    acc = kind == 2 ? blockMax(acc) : blockSum(acc);
    if (threadIdx.x == 0)
      y[o] = static_cast<float>(kind == 1 ? acc / double(shape.groupSize) : acc);
  }
}

/// Gradient of a max reduction: each group's gradient to its first maximum.
__device__ inline void reduceMaxBackward(const Phase &, const float *dy, const float *x,
                                         const i64 *xs, int rank, const bool *reduced,
                                         float *dx) {
  ReductionShape shape(xs, rank, reduced);
  for (i64 o = blockIdx.x; o < shape.outputs; o += gridDim.x) {
    ValueIndex mine{-INFINITY, -1};
    for (i64 g = threadIdx.x; g < shape.groupSize; g += blockDim.x) {
      i64 e = shape.element(o, g);
      ValueIndex candidate{double(x[e]), e};
      if (better(candidate, mine))
        mine = candidate;
    }
    ValueIndex best = blockArgMax(mine);
    for (i64 g = threadIdx.x; g < shape.groupSize; g += blockDim.x) {
      i64 e = shape.element(o, g);
      dx[e] = e == best.index ? dy[o] : 0.f;
    }
  }
}

} // namespace simclr_kernels

#endif // SIMCLR_RUNTIME_CUDA_KERNELS_REDUCTIONS_CUH
