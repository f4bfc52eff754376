//===- Common.cuh - shared helpers of the CUDA kernel families ---*- CUDA -*-===//
//
// The CUDA target's building blocks (one header per family, as the CPU's in
// runtime/cpu/kernels/) are device functions that every thread of a launch calls, with
// the CPU block's arguments after a Phase. They are correct for any grid and any
// power-of-two block of at most kMaxBlock threads: work is spread with grid-stride loops
// (element-wise work) or block-stride loops (a block per channel, row or group), and
// block-wide sums run in a fixed tree order, so that a run is deterministic. They use
// plain CUDA (no warp intrinsics, no atomics), which test/unit/CudaEmulation.h can also
// run on the host.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CUDA_KERNELS_COMMON_CUH
#define SIMCLR_RUNTIME_CUDA_KERNELS_COMMON_CUH

#include <math.h>
#include <stdint.h>
#include <string.h>

namespace simclr_kernels {

using i64 = int64_t;

/// The most threads a block of these kernels has (the plans launch this many).
constexpr int kMaxBlock = 256;

/// Which launch of a multi-phase block this is, and the device memory phases hand on
/// through (sized by the printer for the block's arguments).
struct Phase {
  int index;
  void *temp;
};

/// A bfloat16 value as a bf16 step's buffers hold it: the upper half of a float32 (the
/// layout of cuDNN's and cuBLASLt's CUDA_R_16BF). Made from a float by rounding to the
/// nearest, ties to even (a NaN stays a NaN); read as a float exactly. Kernels compute in
/// float and convert where they read or write one.
struct bf16 {
  uint16_t bits;
  bf16() = default;
  __host__ __device__ bf16(float f) : bits(round(f)) {}
  __host__ __device__ operator float() const {
    uint32_t u = uint32_t(bits) << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
  }
  __host__ __device__ static uint16_t round(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u)
      return uint16_t((u >> 16) | 0x40u);
    return uint16_t((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
  }
};
static_assert(sizeof(bf16) == 2, "bf16 is two bytes");

__host__ __device__ inline bf16 toBf16(float f) { return bf16(f); }

/// Splits a shape around `axis`: index = (outer * extent + a) * inner + i.
struct Axis {
  i64 outer = 1, extent = 1, inner = 1;
  __host__ __device__ Axis(const i64 *shape, int rank, int axis) {
    for (int d = 0; d < rank; ++d)
      (d < axis ? outer : d == axis ? extent : inner) *= shape[d];
  }
};

/// A pooling window over [planes, H, W] -> [planes, OH, OW] (padding top, left), planes
/// being N * C. `channels` is 0 for NCHW tensors, else C for NHWC ones.
struct Window {
  i64 planes, H, W, OH, OW, kh, kw, sh, sw, top, left, channels;
  /// The index of (plane p, row y, column x) in a tensor of h x w planes.
  __host__ __device__ i64 at(i64 p, i64 y, i64 x, i64 h, i64 w) const {
    if (channels == 0)
      return (p * h + y) * w + x;
    return (((p / channels) * h + y) * w + x) * channels + p % channels;
  }
  /// The plane, row and column of index e of a tensor of h x w planes (inverse of `at`).
  __host__ __device__ void position(i64 e, i64 h, i64 w, i64 &p, i64 &y, i64 &x) const {
    if (channels == 0) {
      p = e / (h * w), y = (e / w) % h, x = e % w;
      return;
    }
    i64 c = e % channels, pixel = e / channels;
    x = pixel % w, y = (pixel / w) % h, p = (pixel / (w * h)) * channels + c;
  }
};

__device__ inline i64 count(const i64 *shape, int rank) {
  i64 n = 1;
  for (int d = 0; d < rank; ++d)
    n *= shape[d];
  return n;
}

/// std::max's choice (the first unless the second is larger), as the CPU blocks make it.
__device__ inline double maxOf(double a, double b) { return a < b ? b : a; }
__device__ inline i64 minOf(i64 a, i64 b) { return a < b ? a : b; }

/// Grid-stride loops: the first element of this thread, and the step between its elements.
__device__ inline i64 globalThread() { return i64(blockIdx.x) * blockDim.x + threadIdx.x; }
__device__ inline i64 gridThreads() { return i64(gridDim.x) * blockDim.x; }

struct Sum {
  template <typename T> __device__ T operator()(T a, T b) const { return a + b; }
};
struct Max {
  __device__ double operator()(double a, double b) const { return maxOf(a, b); }
};

/// `value` combined over the block's threads (`combine` is associative), in a fixed tree
/// order, for every thread. Every thread of the block must call it (it synchronises).
template <typename T, typename Combine> __device__ T blockReduce(T value, Combine combine) {
  __shared__ T partial[kMaxBlock];
  partial[threadIdx.x] = value;
  __syncthreads();
  for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s)
      partial[threadIdx.x] = combine(partial[threadIdx.x], partial[threadIdx.x + s]);
    __syncthreads();
  }
  T total = partial[0];
  __syncthreads();
  return total;
}
template <typename T> __device__ T blockSum(T value) { return blockReduce(value, Sum()); }
__device__ inline double blockMax(double value) { return blockReduce(value, Max()); }

/// The largest `value` over the block and its smallest `index` among equals (the first
/// maximum, as the CPU's scans find it), for every thread. A thread with nothing passes
/// index -1.
struct ValueIndex {
  double value;
  i64 index;
};
__device__ inline bool better(const ValueIndex &a, const ValueIndex &b) {
  if (b.index < 0)
    return a.index >= 0;
  if (a.index < 0)
    return false;
  return a.value > b.value || (a.value == b.value && a.index < b.index);
}
__device__ inline ValueIndex blockArgMax(ValueIndex mine) {
  __shared__ double values[kMaxBlock];
  __shared__ i64 indices[kMaxBlock];
  values[threadIdx.x] = mine.value;
  indices[threadIdx.x] = mine.index;
  __syncthreads();
  for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) {
      ValueIndex a{values[threadIdx.x], indices[threadIdx.x]};
      ValueIndex b{values[threadIdx.x + s], indices[threadIdx.x + s]};
      if (better(b, a)) {
        values[threadIdx.x] = b.value;
        indices[threadIdx.x] = b.index;
      }
    }
    __syncthreads();
  }
  ValueIndex best{values[0], indices[0]};
  __syncthreads();
  return best;
}

/// Copies `words` 4-byte values (float32 and int32 alike), bit for bit.
__device__ inline void copyWords(void *to, const void *from, i64 words) {
  const uint32_t *source = static_cast<const uint32_t *>(from);
  uint32_t *target = static_cast<uint32_t *>(to);
  for (i64 e = globalThread(); e < words; e += gridThreads())
    target[e] = source[e];
}

/// Where an operand of a fused kernel lives, for the blocks that take tables of them (the
/// multi-tensor optimizer update): input `index`, output `index`, or `index` floats into
/// the kernel's scratch.
struct OperandRef {
  int kind; ///< 0 input, 1 output, 2 scratch
  i64 index;
};
__device__ inline float *resolve(const OperandRef &ref, const void *const *in,
                                 void *const *out, float *scratch) {
  if (ref.kind == 0)
    return static_cast<float *>(const_cast<void *>(in[ref.index]));
  if (ref.kind == 1)
    return static_cast<float *>(out[ref.index]);
  return scratch + ref.index;
}

} // namespace simclr_kernels

#endif // SIMCLR_RUNTIME_CUDA_KERNELS_COMMON_CUH
