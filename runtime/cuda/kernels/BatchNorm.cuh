//===- BatchNorm.cuh - batch normalisation and its gradients ----*- CUDA -*-===//
//
// x is [N, C, S]. With S > 1 (NCHW), a block per channel (block-stride over the channels)
// for everything that needs a channel's statistics: its threads sum over the batch and the
// spatial positions in double, the values shifted by the channel's first value (as the CPU
// blocks, so that a large mean does not cancel the variance). With S = 1 (channels-last
// activations as [N*H*W, C, 1], and NC inputs) a block per channel would read one element
// in C; the rows blocks below read whole rows instead, the channels across the threads,
// in phases (CudaPrinter.cpp's table: bnRowsPhases). Semantics as
// runtime/cpu/kernels/BatchNorm.h.
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


// --- Rows: x is [M, C] (S = 1) ------------------------------------------------------------
// Phases through `temp`: sums over a fixed tiling of the rows (whatever the grid: a block
// per tile, block-stride), the channels across the threads so that a warp reads
// consecutive floats of a row; then a thread per channel combining the tiles in order;
// then a thread per element. Every sum has a fixed order, so runs are deterministic.

constexpr i64 kRowTile = 64, kMaxRowTiles = 1024;

/// How many tiles the rows of an [M, C] batch norm are summed in.
__host__ __device__ inline i64 rowTiles(i64 M) {
  i64 tiles = (M + kRowTile - 1) / kRowTile;
  return tiles < kMaxRowTiles ? tiles : kMaxRowTiles;
}
/// The temp the rows blocks need: two sums per tile and channel, four values per channel.
__host__ __device__ inline i64 rowsTempBytes(i64 M, i64 C) {
  return (rowTiles(M) * C * 2 + 4 * C) * 8;
}

/// For each tile and channel c, the sums over the tile's rows of the two values
/// f(e, c, a, b) adds for element e, into partials[(tile * C + c) * 2 + {0, 1}]. Every
/// thread of the block calls it.
template <typename F> __device__ void tileSums(i64 M, i64 C, double *partials, F f) {
  __shared__ double first[kMaxBlock], second[kMaxBlock];
  const i64 tiles = rowTiles(M), rowsPerTile = (M + tiles - 1) / tiles;
  const i64 lanes = C < i64(blockDim.x) ? C : i64(blockDim.x), passes = blockDim.x / lanes;
  const i64 lane = threadIdx.x % lanes, pass = threadIdx.x / lanes;
  for (i64 tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
    const i64 begin = tile * rowsPerTile, end = minOf(begin + rowsPerTile, M);
    for (i64 base = 0; base < C; base += lanes) {
      const i64 c = base + lane;
      double a = 0, b = 0;
      if (c < C && pass < passes)
        for (i64 r = begin + pass; r < end; r += passes)
          f(r * C + c, c, a, b);
      first[threadIdx.x] = a;
      second[threadIdx.x] = b;
      __syncthreads();
      if (pass == 0 && c < C) {
        double sa = 0, sb = 0;
        for (i64 p = 0; p < passes; ++p) {
          sa += first[p * lanes + lane];
          sb += second[p * lanes + lane];
        }
        partials[(tile * C + c) * 2] = sa;
        partials[(tile * C + c) * 2 + 1] = sb;
      }
      __syncthreads();
    }
  }
}

/// Channel c's two sums over every tile, in tile order.
__device__ inline void tileTotals(i64 M, i64 C, const double *partials, i64 c, double &a,
                                  double &b) {
  a = 0, b = 0;
  for (i64 t = 0; t < rowTiles(M); ++t) {
    a += partials[(t * C + c) * 2];
    b += partials[(t * C + c) * 2 + 1];
  }
}

/// The rows blocks' temp: the tiles' sums, then four values per channel.
struct RowsTemp {
  double *partials, *channel;
  __device__ RowsTemp(const Phase &phase, i64 M, i64 C)
      : partials(static_cast<double *>(phase.temp)), channel(partials + rowTiles(M) * C * 2) {}
};

/// Sums of x - x[c] and its square (the shift as in channelStatistics).
__device__ inline void rowsStatisticsSums(const float *x, i64 M, i64 C, double *partials) {
  tileSums(M, C, partials, [&](i64 e, i64 c, double &a, double &b) {
    double v = double(x[e] - x[c]);
    a += v;
    b += v * v;
  });
}
__device__ inline void rowsStatistics(const float *x, i64 M, i64 C, const double *partials,
                                      i64 c, double &mean, double &var) {
  double sum, sq;
  tileTotals(M, C, partials, c, sum, sq);
  double m = double(M), shifted = sum / m;
  mean = x[c] + shifted;
  var = maxOf(sq / m - shifted * shifted, 0.0);
}

/// batchNormTrain on rows: 0 tile sums, 1 statistics per channel, 2 normalise.
__device__ inline void batchNormTrainRows(const Phase &phase, const float *x, i64 M, i64 C,
                                          const float *gamma, const float *beta,
                                          const float *runningMean, const float *runningVar,
                                          double epsilon, double momentum, float *y,
                                          float *newMean, float *newVar) {
  RowsTemp t(phase, M, C);
  if (phase.index == 0) {
    rowsStatisticsSums(x, M, C, t.partials);
  } else if (phase.index == 1) {
    double unbias = M > 1 ? double(M) / double(M - 1) : 1.0;
    for (i64 c = globalThread(); c < C; c += gridThreads()) {
      double mean, var;
      rowsStatistics(x, M, C, t.partials, c, mean, var);
      float a = static_cast<float>(gamma[c] * (1.0 / sqrt(var + epsilon))); // no spill
      float b = static_cast<float>((beta ? beta[c] : 0.0) - mean * a);
      t.channel[c] = a;
      t.channel[C + c] = b;
      newMean[c] = static_cast<float>(momentum * runningMean[c] + (1 - momentum) * mean);
      newVar[c] = static_cast<float>(momentum * runningVar[c] + (1 - momentum) * var * unbias);
    }
  } else {
    for (i64 e = globalThread(); e < M * C; e += gridThreads())
      y[e] = x[e] * float(t.channel[e % C]) + float(t.channel[C + e % C]);
  }
}

/// batchNormInfer on rows: 0 scale and shift per channel, 1 normalise.
__device__ inline void batchNormInferRows(const Phase &phase, const float *x, i64 M, i64 C,
                                          const float *gamma, const float *beta,
                                          const float *mean, const float *var, double epsilon,
                                          float *y) {
  RowsTemp t(phase, M, C);
  if (phase.index == 0) {
    // gamma times the inverse: gamma / sqrt(...) here made ptxas spill (test/Cuda/nvcc.test).
    for (i64 c = globalThread(); c < C; c += gridThreads()) {
      float a = static_cast<float>(gamma[c] * (1.0 / sqrt(double(var[c]) + epsilon)));
      t.channel[c] = a;
      t.channel[C + c] = static_cast<float>((beta ? beta[c] : 0.0) - mean[c] * double(a));
    }
  } else {
    for (i64 e = globalThread(); e < M * C; e += gridThreads())
      y[e] = x[e] * float(t.channel[e % C]) + float(t.channel[C + e % C]);
  }
}

/// The tile sums of dy and dy * xhat, xhat = (x - mean) * inv from the per-channel values
/// at `mean` and `inv`.
__device__ inline void rowsGradientSums(const float *dy, const float *x, i64 M, i64 C,
                                        const double *mean, const double *inv,
                                        double *partials) {
  tileSums(M, C, partials, [&](i64 e, i64 c, double &a, double &b) {
    a += dy[e];
    b += dy[e] * (x[e] - mean[c]) * inv[c];
  });
}

/// batchNormTrainBackward on rows: 0 tile sums of x, 1 statistics, 2 tile sums of the
/// gradient, 3 the parameters' gradients, 4 the input's.
__device__ inline void batchNormTrainBackwardRows(const Phase &phase, const float *dy,
                                                 const float *x, i64 M, i64 C,
                                                 const float *gamma, double epsilon,
                                                 float *dx, float *dgamma, float *dbeta) {
  RowsTemp t(phase, M, C);
  double *mean = t.channel, *inv = t.channel + C, *sumDy = t.channel + 2 * C,
         *sumDyXhat = t.channel + 3 * C;
  double m = double(M);
  if (phase.index == 0) {
    rowsStatisticsSums(x, M, C, t.partials);
  } else if (phase.index == 1) {
    for (i64 c = globalThread(); c < C; c += gridThreads()) {
      double var;
      rowsStatistics(x, M, C, t.partials, c, mean[c], var);
      inv[c] = 1.0 / sqrt(var + epsilon);
    }
  } else if (phase.index == 2) {
    rowsGradientSums(dy, x, M, C, mean, inv, t.partials);
  } else if (phase.index == 3) {
    for (i64 c = globalThread(); c < C; c += gridThreads()) {
      tileTotals(M, C, t.partials, c, sumDy[c], sumDyXhat[c]);
      dgamma[c] = static_cast<float>(sumDyXhat[c]);
      dbeta[c] = static_cast<float>(sumDy[c]);
    }
  } else {
    for (i64 e = globalThread(); e < M * C; e += gridThreads()) {
      i64 c = e % C;
      double xhat = (x[e] - mean[c]) * inv[c];
      dx[e] = static_cast<float>(gamma[c] * inv[c] *
                                 (dy[e] - sumDy[c] / m - xhat * sumDyXhat[c] / m));
    }
  }
}

/// batchNormInferBackward on rows: 0 the inverse deviations, 1 tile sums and the input's
/// gradient, 2 the parameters' gradients.
__device__ inline void batchNormInferBackwardRows(const Phase &phase, const float *dy,
                                                 const float *x, i64 M, i64 C,
                                                 const float *gamma, const float *mean,
                                                 const float *var, double epsilon, float *dx,
                                                 float *dgamma, float *dbeta) {
  RowsTemp t(phase, M, C);
  double *means = t.channel, *inv = t.channel + C;
  if (phase.index == 0) {
    for (i64 c = globalThread(); c < C; c += gridThreads()) {
      means[c] = mean[c];
      inv[c] = 1.0 / sqrt(double(var[c]) + epsilon);
    }
  } else if (phase.index == 1) {
    rowsGradientSums(dy, x, M, C, means, inv, t.partials);
    for (i64 e = globalThread(); e < M * C; e += gridThreads())
      dx[e] = static_cast<float>(dy[e] * gamma[e % C] * inv[e % C]);
  } else {
    for (i64 c = globalThread(); c < C; c += gridThreads()) {
      double sumDy, sumDyXhat;
      tileTotals(M, C, t.partials, c, sumDy, sumDyXhat);
      dgamma[c] = static_cast<float>(sumDyXhat);
      dbeta[c] = static_cast<float>(sumDy);
    }
  }
}

// --- The blocks: rows when S = 1, else a block per channel ----------------------------------
__device__ inline void batchNormTrain(const Phase &phase, const float *x, i64 N, i64 C, i64 S,
                                      const float *gamma, const float *beta,
                                      const float *runningMean, const float *runningVar,
                                      double epsilon, double momentum, float *y, float *newMean,
                                      float *newVar) {
  if (S == 1)
    return batchNormTrainRows(phase, x, N, C, gamma, beta, runningMean, runningVar, epsilon,
                              momentum, y, newMean, newVar);
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

__device__ inline void batchNormInfer(const Phase &phase, const float *x, i64 N, i64 C,
                                      i64 S, const float *gamma, const float *beta,
                                      const float *mean, const float *var, double epsilon,
                                      float *y) {
  if (S == 1)
    return batchNormInferRows(phase, x, N, C, gamma, beta, mean, var, epsilon, y);
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

__device__ inline void batchNormTrainBackward(const Phase &phase, const float *dy,
                                              const float *x, i64 N, i64 C, i64 S,
                                              const float *gamma, double epsilon, float *dx,
                                              float *dgamma, float *dbeta) {
  if (S == 1)
    return batchNormTrainBackwardRows(phase, dy, x, N, C, gamma, epsilon, dx, dgamma, dbeta);
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

__device__ inline void batchNormInferBackward(const Phase &phase, const float *dy,
                                              const float *x, i64 N, i64 C, i64 S,
                                              const float *gamma, const float *mean,
                                              const float *var, double epsilon, float *dx,
                                              float *dgamma, float *dbeta) {
  if (S == 1)
    return batchNormInferBackwardRows(phase, dy, x, N, C, gamma, mean, var, epsilon, dx,
                                      dgamma, dbeta);
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
