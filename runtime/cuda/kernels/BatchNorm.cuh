//===- BatchNorm.cuh - batch normalisation and its gradients ----*- CUDA -*-===//
//
// A block per channel (block-stride over the channels) for everything that needs a
// channel's statistics: its threads sum over the batch and the spatial positions in
// double, the values shifted by the channel's first value (as the CPU blocks, so that a
// large mean does not cancel the variance). x is [N, C, S] (S = 1 for NC inputs).
// Semantics as runtime/cpu/kernels/BatchNorm.h.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CUDA_KERNELS_BATCHNORM_CUH
#define SIMCLR_RUNTIME_CUDA_KERNELS_BATCHNORM_CUH

#include "runtime/cuda/kernels/Common.cuh"

namespace simclr_kernels {

/// Element i of channel c's N * S values.
__device__ inline i64 channelElement(i64 c, i64 i, i64 C, i64 S) {
  return ((i / S) * C + c) * S + i % S;
}

/// The batch mean and (biased) variance of channel c; every thread of the block calls it.
__device__ inline void channelStatistics(const float *x, i64 N, i64 C, i64 S, i64 c,
                                         double &mean, double &var) {
  const float shift = x[c * S];
  double sum = 0, sq = 0;
  for (i64 i = threadIdx.x; i < N * S; i += blockDim.x) {
    double v = double(x[channelElement(c, i, C, S)] - shift);
    sum += v;
    sq += v * v;
  }
  sum = blockSum(sum);
  sq = blockSum(sq);
  double m = double(N * S), shifted = sum / m;
  mean = shift + shifted;
  var = maxOf(sq / m - shifted * shifted, 0.0);
}

__device__ inline void batchNormTrain(const Phase &, const float *x, i64 N, i64 C, i64 S,
                                      const float *gamma, const float *beta,
                                      const float *runningMean, const float *runningVar,
                                      double epsilon, double momentum, float *y, float *newMean,
                                      float *newVar) {
  double m = double(N * S), unbias = m > 1 ? m / (m - 1) : 1.0;
  for (i64 c = blockIdx.x; c < C; c += gridDim.x) {
    double mean, var;
    channelStatistics(x, N, C, S, c, mean, var);
    float a = static_cast<float>(gamma[c] / sqrt(var + epsilon));
    float b = static_cast<float>((beta ? beta[c] : 0.0) - mean * a);
    for (i64 i = threadIdx.x; i < N * S; i += blockDim.x) {
      i64 e = channelElement(c, i, C, S);
      y[e] = x[e] * a + b;
    }
    if (threadIdx.x == 0) {
      newMean[c] = static_cast<float>(momentum * runningMean[c] + (1 - momentum) * mean);
      newVar[c] = static_cast<float>(momentum * runningVar[c] + (1 - momentum) * var * unbias);
    }
  }
}

__device__ inline void batchNormInfer(const Phase &, const float *x, i64 N, i64 C, i64 S,
                                      const float *gamma, const float *beta, const float *mean,
                                      const float *var, double epsilon, float *y) {
  // A block per channel: the scale and shift once per channel, as on the CPU.
  for (i64 c = blockIdx.x; c < C; c += gridDim.x) {
    float a = static_cast<float>(gamma[c] / sqrt(double(var[c]) + epsilon));
    float b = static_cast<float>((beta ? beta[c] : 0.0) - mean[c] * double(a));
    for (i64 i = threadIdx.x; i < N * S; i += blockDim.x) {
      i64 e = channelElement(c, i, C, S);
      y[e] = x[e] * a + b;
    }
  }
}

__device__ inline void batchNormTrainBackward(const Phase &, const float *dy, const float *x,
                                              i64 N, i64 C, i64 S, const float *gamma,
                                              double epsilon, float *dx, float *dgamma,
                                              float *dbeta) {
  double m = double(N * S);
  for (i64 c = blockIdx.x; c < C; c += gridDim.x) {
    double mean, var;
    channelStatistics(x, N, C, S, c, mean, var);
    double inv = 1.0 / sqrt(var + epsilon), sumDy = 0, sumDyXhat = 0;
    for (i64 i = threadIdx.x; i < N * S; i += blockDim.x) {
      i64 e = channelElement(c, i, C, S);
      sumDy += dy[e];
      sumDyXhat += dy[e] * (x[e] - mean) * inv;
    }
    sumDy = blockSum(sumDy);
    sumDyXhat = blockSum(sumDyXhat);
    for (i64 i = threadIdx.x; i < N * S; i += blockDim.x) {
      i64 e = channelElement(c, i, C, S);
      double xhat = (x[e] - mean) * inv;
      dx[e] = static_cast<float>(gamma[c] * inv * (dy[e] - sumDy / m - xhat * sumDyXhat / m));
    }
    if (threadIdx.x == 0) {
      dgamma[c] = static_cast<float>(sumDyXhat);
      dbeta[c] = static_cast<float>(sumDy);
    }
  }
}

__device__ inline void batchNormInferBackward(const Phase &, const float *dy, const float *x,
                                              i64 N, i64 C, i64 S, const float *gamma,
                                              const float *mean, const float *var,
                                              double epsilon, float *dx, float *dgamma,
                                              float *dbeta) {
  for (i64 c = blockIdx.x; c < C; c += gridDim.x) {
    double inv = 1.0 / sqrt(double(var[c]) + epsilon), sumDy = 0, sumDyXhat = 0;
    for (i64 i = threadIdx.x; i < N * S; i += blockDim.x) {
      i64 e = channelElement(c, i, C, S);
      sumDy += dy[e];
      sumDyXhat += dy[e] * (x[e] - mean[c]) * inv;
      dx[e] = static_cast<float>(dy[e] * gamma[c] * inv);
    }
    sumDy = blockSum(sumDy);
    sumDyXhat = blockSum(sumDyXhat);
    if (threadIdx.x == 0) {
      dgamma[c] = static_cast<float>(sumDyXhat);
      dbeta[c] = static_cast<float>(sumDy);
    }
  }
}

} // namespace simclr_kernels

#endif // SIMCLR_RUNTIME_CUDA_KERNELS_BATCHNORM_CUH
