//===- Convolutions.cpp - convolutions on the GPU through cuDNN ------------===//

#include "runtime/cuda/Convolutions.h"

#include <cudnn.h>

#include <map>
#include <tuple>

using namespace mlir::simclr;
using namespace mlir::simclr::cuda;
using runtime::Error;
using runtime::Expected;
using runtime::makeError;

namespace {

/// FFT and Winograd algorithms: deterministic, but not within float32 rounding of a
/// direct sum.
bool isTransform(cudnnConvolutionFwdAlgo_t a) {
  return a == CUDNN_CONVOLUTION_FWD_ALGO_FFT || a == CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING ||
         a == CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD ||
         a == CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED;
}
bool isTransform(cudnnConvolutionBwdDataAlgo_t a) {
  return a == CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT ||
         a == CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING ||
         a == CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD ||
         a == CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED;
}
bool isTransform(cudnnConvolutionBwdFilterAlgo_t a) {
  return a == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT ||
         a == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT_TILING ||
         a == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD_NONFUSED;
}


/// The workspace an algorithm may ask for before a slower one that needs less is preferred.
constexpr size_t kMaxWorkspace = size_t(1) << 30;

Error cudnnError(cudnnStatus_t status, const std::string &what) {
  if (status == CUDNN_STATUS_SUCCESS)
    return Error::success();
  return makeError("error: cuDNN " + what + ": " + cudnnGetErrorString(status));
}

using Key = std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                       int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                       bool, bool>;
Key keyOf(const runtime::Convolution &c) {
  return {c.batch,       c.inChannels,  c.inHeight,    c.inWidth,      c.outChannels,
          c.kernelHeight, c.kernelWidth, c.outHeight,   c.outWidth,     c.stride[0],
          c.stride[1],   c.padding[0],  c.padding[1],  c.dilation[0],  c.dilation[1],
          c.groups,      c.bf16,        c.channelsLast};
}

/// A shape's descriptors and its algorithm in each direction (-1: not chosen yet).
struct Shape {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  int forward = -1, backwardInput = -1, backwardFilter = -1;
  size_t forwardBytes = 0, backwardInputBytes = 0, backwardFilterBytes = 0;
};

} // namespace

struct Convolutions::State {
  cudnnHandle_t handle = nullptr;
  std::map<Key, Shape> shapes;
};

Expected<std::unique_ptr<Convolutions>> Convolutions::create(cudaStream_t stream) {
  std::unique_ptr<Convolutions> made(new Convolutions());
  made->state = std::make_unique<State>();
  if (Error e = cudnnError(cudnnCreate(&made->state->handle), "cannot start"))
    return e;
  if (Error e = cudnnError(cudnnSetStream(made->state->handle, stream), "cannot use the stream"))
    return e;
  return made;
}

Convolutions::~Convolutions() {
  for (auto &[key, s] : state->shapes) {
    cudnnDestroyTensorDescriptor(s.x);
    cudnnDestroyTensorDescriptor(s.y);
    cudnnDestroyFilterDescriptor(s.w);
    cudnnDestroyConvolutionDescriptor(s.conv);
  }
  if (state->handle)
    cudnnDestroy(state->handle);
}

Expected<size_t> Convolutions::prepare(const runtime::Convolution &c, Direction direction) {
  if (c.padding[0] != c.padding[2] || c.padding[1] != c.padding[3])
    return makeError("error: the CUDA device runs convolutions whose padding is the same on "
                     "both sides of each dimension; this one has [top, left, bottom, right] = [" +
                     std::to_string(c.padding[0]) + ", " + std::to_string(c.padding[1]) + ", " +
                     std::to_string(c.padding[2]) + ", " + std::to_string(c.padding[3]) + "]");
  auto [it, fresh] = state->shapes.try_emplace(keyOf(c));
  Shape &s = it->second;
  // A bf16 step's operands are bf16, summed in float32 on the tensor cores.
  const cudnnDataType_t type = c.bf16 ? CUDNN_DATA_BFLOAT16 : CUDNN_DATA_FLOAT;
  const cudnnMathType_t math = c.bf16 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH;
  // NHWC tensors with OHWI filters (a module compiled channels last), else NCHW and OIHW;
  // the dimensions are given in NCHW terms either way.
  const cudnnTensorFormat_t format = c.channelsLast ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW;
  if (fresh) {
    Error e = cudnnError(cudnnCreateTensorDescriptor(&s.x), "descriptor");
    if (!e) e = cudnnError(cudnnCreateTensorDescriptor(&s.y), "descriptor");
    if (!e) e = cudnnError(cudnnCreateFilterDescriptor(&s.w), "descriptor");
    if (!e) e = cudnnError(cudnnCreateConvolutionDescriptor(&s.conv), "descriptor");
    if (!e)
      e = cudnnError(cudnnSetTensor4dDescriptor(s.x, format, type,
                                                int(c.batch), int(c.inChannels),
                                                int(c.inHeight), int(c.inWidth)),
                     "input shape");
    if (!e)
      e = cudnnError(cudnnSetTensor4dDescriptor(s.y, format, type,
                                                int(c.batch), int(c.outChannels),
                                                int(c.outHeight), int(c.outWidth)),
                     "output shape");
    if (!e)
      e = cudnnError(cudnnSetFilter4dDescriptor(s.w, type, format,
                                                int(c.outChannels),
                                                int(c.inChannels / c.groups),
                                                int(c.kernelHeight), int(c.kernelWidth)),
                     "filter shape");
    if (!e)
      e = cudnnError(cudnnSetConvolution2dDescriptor(
                         s.conv, int(c.padding[0]), int(c.padding[1]), int(c.stride[0]),
                         int(c.stride[1]), int(c.dilation[0]), int(c.dilation[1]),
                         CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
                     "convolution geometry");
    if (!e)
      e = cudnnError(cudnnSetConvolutionGroupCount(s.conv, int(c.groups)), "groups");
    if (!e)
      e = cudnnError(cudnnSetConvolutionMathType(s.conv, math), "math type");
    if (e)
      return e;
  }
  // Among the algorithms that are deterministic, compute in FMA math (no TF32; a bf16
  // step's: tensor-op math, summing in float32) and are no
  // transform (FFT, Winograd: their error exceeds float32 rounding of a direct sum): the
  // first in cuDNN's order (fastest first) whose workspace is at most kMaxWorkspace, else
  // the one that needs the least (large batches: the workspace allocation then says
  // whether it fits).
  auto choose = [&](auto *results, int returned, int &algorithm, size_t &bytes,
                    const char *what) -> Error {
    int smallest = -1;
    for (int i = 0; i < returned; ++i) {
      if (results[i].status != CUDNN_STATUS_SUCCESS ||
          results[i].determinism != CUDNN_DETERMINISTIC ||
          (results[i].mathType != math && !(c.bf16 && results[i].mathType == CUDNN_DEFAULT_MATH)) ||
          isTransform(results[i].algo))
        continue;
      if (results[i].memory <= kMaxWorkspace) {
        smallest = i;
        break;
      }
      if (smallest < 0 || results[i].memory < results[smallest].memory)
        smallest = i;
    }
    if (smallest >= 0) {
      algorithm = int(results[smallest].algo);
      bytes = results[smallest].memory;
      return Error::success();
    }
    std::string candidates;
    for (int i = 0; i < returned; ++i)
      candidates += std::string(i ? "; " : "") + "algorithm " +
                    std::to_string(int(results[i].algo)) + ": " +
                    cudnnGetErrorString(results[i].status) +
                    (results[i].determinism == CUDNN_DETERMINISTIC ? ", deterministic"
                                                                   : ", not deterministic") +
                    ", math " + std::to_string(int(results[i].mathType)) +
                    (isTransform(results[i].algo) ? ", a transform" : "") + ", " +
                    std::to_string(results[i].memory >> 20) + " MiB";
    return makeError(std::string("error: cuDNN has no deterministic ") + what +
                     " algorithm in FMA math, other than FFT and Winograd, for this "
                     "convolution (cuDNN offers " +
                     (candidates.empty() ? std::string("none") : candidates) + ")");
  };
  constexpr int kAlgorithms = 16;
  int returned = 0;
  if (direction == Direction::Forward && s.forward < 0) {
    cudnnConvolutionFwdAlgoPerf_t results[kAlgorithms];
    if (Error e = cudnnError(cudnnGetConvolutionForwardAlgorithm_v7(
                                 state->handle, s.x, s.w, s.conv, s.y, kAlgorithms, &returned,
                                 results),
                             "forward algorithms"))
      return e;
    if (Error e = choose(results, returned, s.forward, s.forwardBytes, "forward"))
      return e;
  } else if (direction == Direction::BackwardInput && s.backwardInput < 0) {
    cudnnConvolutionBwdDataAlgoPerf_t results[kAlgorithms];
    if (Error e = cudnnError(cudnnGetConvolutionBackwardDataAlgorithm_v7(
                                 state->handle, s.w, s.y, s.conv, s.x, kAlgorithms, &returned,
                                 results),
                             "input-gradient algorithms"))
      return e;
    if (Error e = choose(results, returned, s.backwardInput, s.backwardInputBytes,
                         "input-gradient"))
      return e;
  } else if (direction == Direction::BackwardFilter && s.backwardFilter < 0) {
    cudnnConvolutionBwdFilterAlgoPerf_t results[kAlgorithms];
    if (Error e = cudnnError(cudnnGetConvolutionBackwardFilterAlgorithm_v7(
                                 state->handle, s.x, s.y, s.conv, s.w, kAlgorithms, &returned,
                                 results),
                             "filter-gradient algorithms"))
      return e;
    if (Error e = choose(results, returned, s.backwardFilter, s.backwardFilterBytes,
                         "filter-gradient"))
      return e;
  }
  return direction == Direction::Forward         ? s.forwardBytes
         : direction == Direction::BackwardInput ? s.backwardInputBytes
                                                 : s.backwardFilterBytes;
}

Error Convolutions::forward(const runtime::Convolution &c, const void *x, const void *w,
                            void *y, void *workspace, size_t bytes) {
  const Shape &s = state->shapes.at(keyOf(c));
  const float one = 1.f, zero = 0.f;
  return cudnnError(cudnnConvolutionForward(state->handle, &one, s.x, x, s.w, w, s.conv,
                                            cudnnConvolutionFwdAlgo_t(s.forward), workspace,
                                            bytes, &zero, s.y, y),
                    "convolution");
}

Error Convolutions::backwardInput(const runtime::Convolution &c, const void *dy,
                                  const void *w, void *dx, void *workspace, size_t bytes) {
  const Shape &s = state->shapes.at(keyOf(c));
  const float one = 1.f, zero = 0.f;
  return cudnnError(cudnnConvolutionBackwardData(state->handle, &one, s.w, w, s.y, dy, s.conv,
                                                 cudnnConvolutionBwdDataAlgo_t(s.backwardInput),
                                                 workspace, bytes, &zero, s.x, dx),
                    "input gradient");
}

Error Convolutions::backwardFilter(const runtime::Convolution &c, const void *x,
                                   const void *dy, void *dw, void *workspace, size_t bytes) {
  const Shape &s = state->shapes.at(keyOf(c));
  const float one = 1.f, zero = 0.f;
  return cudnnError(cudnnConvolutionBackwardFilter(
                        state->handle, &one, s.x, x, s.y, dy, s.conv,
                        cudnnConvolutionBwdFilterAlgo_t(s.backwardFilter), workspace, bytes,
                        &zero, s.w, dw),
                    "filter gradient");
}
