//===- Optimizer.cuh - learning-rate schedule, LARS and momentum -*- CUDA -*-===//
//
// Every parameter's update of a step in one launch: a table of the parameters (where
// each operand lives and the update's settings), a block per parameter (block-stride
// over the table), which first sums |w|^2 and |g + wd w|^2 over the block for the LARS
// trust ratio and then updates every element. Semantics as runtime/cpu/kernels/Optimizer.h.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CUDA_KERNELS_OPTIMIZER_CUH
#define SIMCLR_RUNTIME_CUDA_KERNELS_OPTIMIZER_CUH

#include "runtime/cuda/kernels/Common.cuh"

namespace simclr_kernels {

__device__ inline float learningRate(double peak, double step, double warmup, double total) {
  if (step < warmup)
    return static_cast<float>(peak * step / warmup);
  double decay = total - warmup;
  if (decay <= 0)
    return 0.f;
  double progress = (step - warmup < decay ? step - warmup : decay) / decay;
  return static_cast<float>(peak * 0.5 * (1.0 + cos(M_PI * progress)));
}

/// One parameter's update: LARS (`lars`) or momentum SGD of n elements, w and g and v in,
/// the new w and v out, at the learning rate lr[0]. weightDecay is 0 for a parameter excluded
/// from decay; `adapt` says whether LARS scales the step by its trust ratio.
struct ParameterUpdate {
  OperandRef w, g, v, lr, newW, newV;
  i64 n;
  double momentum, weightDecay, trustCoefficient;
  bool lars, adapt, nesterov;
};

__device__ inline void updateParameters(const Phase &, const void *const *in, void *const *out,
                                        float *scratch, const ParameterUpdate *table,
                                        int count) {
  for (int p = blockIdx.x; p < count; p += gridDim.x) {
    const ParameterUpdate &u = table[p];
    const float *w = resolve(u.w, in, out, scratch), *g = resolve(u.g, in, out, scratch);
    const float *v = resolve(u.v, in, out, scratch);
    float *newW = resolve(u.newW, in, out, scratch), *newV = resolve(u.newV, in, out, scratch);
    double lr = *resolve(u.lr, in, out, scratch);
    double decay = u.weightDecay;
    double wn = 0, gn = 0;
    for (i64 i = threadIdx.x; i < u.n; i += blockDim.x) {
      double gi = g[i] + decay * w[i];
      wn += double(w[i]) * w[i];
      gn += gi * gi;
    }
    wn = blockSum(wn);
    gn = blockSum(gn);
    double trust = 1.0;
    if (u.lars && u.adapt && wn > 0 && gn > 0)
      trust = u.trustCoefficient * sqrt(wn) / sqrt(gn);
    for (i64 i = threadIdx.x; i < u.n; i += blockDim.x) {
      double gi = g[i] + decay * w[i];
      if (u.lars) {
        double vi = u.momentum * v[i] + lr * trust * gi;
        newV[i] = static_cast<float>(vi);
        newW[i] = static_cast<float>(w[i] - (u.nesterov ? u.momentum * vi + lr * trust * gi : vi));
      } else {
        double vi = u.momentum * v[i] + gi;
        newV[i] = static_cast<float>(vi);
        newW[i] = static_cast<float>(w[i] - lr * (u.nesterov ? gi + u.momentum * vi : vi));
      }
    }
  }
}

} // namespace simclr_kernels

#endif // SIMCLR_RUNTIME_CUDA_KERNELS_OPTIMIZER_CUH
