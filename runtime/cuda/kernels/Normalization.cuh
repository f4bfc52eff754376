//===- Normalization.cuh - softmax and L2 normalisation ---------*- CUDA -*-===//
//
// A block per row (block-stride over the outer x inner rows of the axis), its threads
// over the row's extent, in double. Semantics as runtime/cpu/kernels/Normalization.h.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CUDA_KERNELS_NORMALIZATION_CUH
#define SIMCLR_RUNTIME_CUDA_KERNELS_NORMALIZATION_CUH

#include "runtime/cuda/kernels/Common.cuh"

namespace simclr_kernels {

/// Element a of row r along `v`.
__device__ inline i64 rowElement(const Axis &v, i64 r, i64 a) {
  return ((r / v.inner) * v.extent + a) * v.inner + r % v.inner;
}

__device__ inline void softmax(const Phase &, const float *x, float *y, const Axis &v) {
  for (i64 r = blockIdx.x; r < v.outer * v.inner; r += gridDim.x) {
    double peak = -INFINITY, sum = 0;
    for (i64 a = threadIdx.x; a < v.extent; a += blockDim.x)
      peak = maxOf(peak, double(x[rowElement(v, r, a)]));
    peak = blockMax(peak);
    for (i64 a = threadIdx.x; a < v.extent; a += blockDim.x)
      sum += exp(x[rowElement(v, r, a)] - peak);
    sum = blockSum(sum);
    for (i64 a = threadIdx.x; a < v.extent; a += blockDim.x) {
      i64 e = rowElement(v, r, a);
      y[e] = static_cast<float>(exp(x[e] - peak) / sum);
    }
  }
}

__device__ inline void softmaxBackward(const Phase &, const float *dy, const float *y, float *dx,
                                       const Axis &v) {
  for (i64 r = blockIdx.x; r < v.outer * v.inner; r += gridDim.x) {
    double dot = 0;
    for (i64 a = threadIdx.x; a < v.extent; a += blockDim.x) {
      i64 e = rowElement(v, r, a);
      dot += double(dy[e]) * y[e];
    }
    dot = blockSum(dot);
    for (i64 a = threadIdx.x; a < v.extent; a += blockDim.x) {
      i64 e = rowElement(v, r, a);
      dx[e] = static_cast<float>(y[e] * (dy[e] - dot));
    }
  }
}

__device__ inline void l2Normalize(const Phase &, const float *x, float *y, const Axis &v,
                                   double epsilon) {
  for (i64 r = blockIdx.x; r < v.outer * v.inner; r += gridDim.x) {
    double sum = 0;
    for (i64 a = threadIdx.x; a < v.extent; a += blockDim.x) {
      double t = x[rowElement(v, r, a)];
      sum += t * t;
    }
    sum = blockSum(sum);
    double s = 1.0 / sqrt(maxOf(sum, epsilon));
    for (i64 a = threadIdx.x; a < v.extent; a += blockDim.x) {
      i64 e = rowElement(v, r, a);
      y[e] = static_cast<float>(x[e] * s);
    }
  }
}

__device__ inline void l2NormalizeBackward(const Phase &, const float *dy, const float *x,
                                           float *dx, const Axis &v, double epsilon) {
  for (i64 r = blockIdx.x; r < v.outer * v.inner; r += gridDim.x) {
    double sum = 0;
    for (i64 a = threadIdx.x; a < v.extent; a += blockDim.x) {
      double t = x[rowElement(v, r, a)];
      sum += t * t;
    }
    sum = blockSum(sum);
    double norm = sqrt(maxOf(sum, epsilon)), dot = 0;
    for (i64 a = threadIdx.x; a < v.extent; a += blockDim.x) {
      i64 e = rowElement(v, r, a);
      dot += double(dy[e]) * x[e] / norm;
    }
    dot = blockSum(dot);
    for (i64 a = threadIdx.x; a < v.extent; a += blockDim.x) {
      i64 e = rowElement(v, r, a);
      dx[e] = static_cast<float>(sum > epsilon ? (dy[e] - x[e] / norm * dot) / norm
                                               : dy[e] / norm);
    }
  }
}

} // namespace simclr_kernels

#endif // SIMCLR_RUNTIME_CUDA_KERNELS_NORMALIZATION_CUH
