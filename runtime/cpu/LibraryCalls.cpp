//===- LibraryCalls.cpp - convolutions and GEMMs through oneDNN ------------===//
//
// oneDNN 2.x: an operation descriptor, a primitive descriptor (the backward ones hinted
// by the forward one), then the primitive, cached by the shapes it was made for. oneDNN
// counts dilation from 0 (no dilation) where the dialect counts from 1.
//
//===----------------------------------------------------------------------===//

#include "runtime/cpu/LibraryCalls.h"

#include <dnnl.hpp>

#include <map>
#include <mutex>
#include <tuple>

using namespace mlir::simclr::cpu;
using dnnl::memory;

namespace {

using Key = std::tuple<int, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                       int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                       int64_t, int64_t>;

Key keyOf(int kind, const Convolution &c) {
  return Key{kind, c.batch, c.inChannels, c.inHeight, c.inWidth, c.outChannels,
             c.kernelHeight, c.kernelWidth, c.stride[0], c.stride[1], c.padding[0],
             c.padding[1], c.padding[2], c.padding[3], c.dilation[0], c.dilation[1],
             c.groups, c.outHeight * 100000 + c.outWidth};
}

memory::desc plain(memory::dims dims, memory::format_tag tag) {
  return memory::desc(dims, memory::data_type::f32, tag);
}

struct ConvDescs {
  memory::desc src, weights, dst;
  memory::dims strides, dilates, padLeft, padRight;
};

ConvDescs descsOf(const Convolution &c) {
  ConvDescs d;
  d.src = plain({c.batch, c.inChannels, c.inHeight, c.inWidth}, memory::format_tag::nchw);
  d.dst = plain({c.batch, c.outChannels, c.outHeight, c.outWidth}, memory::format_tag::nchw);
  if (c.groups == 1)
    d.weights = plain({c.outChannels, c.inChannels, c.kernelHeight, c.kernelWidth},
                      memory::format_tag::oihw);
  else
    d.weights = plain({c.groups, c.outChannels / c.groups, c.inChannels / c.groups,
                       c.kernelHeight, c.kernelWidth},
                      memory::format_tag::goihw);
  d.strides = {c.stride[0], c.stride[1]};
  d.dilates = {c.dilation[0] - 1, c.dilation[1] - 1};
  d.padLeft = {c.padding[0], c.padding[1]};
  d.padRight = {c.padding[2], c.padding[3]};
  return d;
}

dnnl::convolution_forward::primitive_desc forwardDesc(const ConvDescs &d,
                                                      const dnnl::engine &engine) {
  return dnnl::convolution_forward::primitive_desc(
      dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training,
                                      dnnl::algorithm::convolution_direct, d.src, d.weights,
                                      d.dst, d.strides, d.dilates, d.padLeft, d.padRight),
      engine);
}

} // namespace

struct LibraryCalls::State {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  std::mutex mutex;
  std::map<Key, dnnl::primitive> primitives;

  template <typename Make> dnnl::primitive &get(const Key &key, Make make) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = primitives.find(key);
    if (it == primitives.end())
      it = primitives.emplace(key, make()).first;
    return it->second;
  }

  memory wrap(const memory::desc &desc, const float *data) {
    return memory(desc, engine, const_cast<float *>(data));
  }
};

LibraryCalls::LibraryCalls() : state(std::make_unique<State>()) {}
LibraryCalls::~LibraryCalls() = default;

void LibraryCalls::convolution(const Convolution &c, const float *x, const float *w, float *y) {
  ConvDescs d = descsOf(c);
  auto &prim = state->get(keyOf(0, c), [&] {
    return dnnl::primitive(dnnl::convolution_forward(forwardDesc(d, state->engine)));
  });
  prim.execute(state->stream, {{DNNL_ARG_SRC, state->wrap(d.src, x)},
                               {DNNL_ARG_WEIGHTS, state->wrap(d.weights, w)},
                               {DNNL_ARG_DST, state->wrap(d.dst, y)}});
  state->stream.wait();
}

void LibraryCalls::convolutionBackwardInput(const Convolution &c, const float *dy,
                                            const float *w, float *dx) {
  ConvDescs d = descsOf(c);
  auto &prim = state->get(keyOf(1, c), [&] {
    dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, d.src,
                                               d.weights, d.dst, d.strides, d.dilates,
                                               d.padLeft, d.padRight);
    return dnnl::primitive(dnnl::convolution_backward_data(
        dnnl::convolution_backward_data::primitive_desc(desc, state->engine,
                                                        forwardDesc(d, state->engine))));
  });
  prim.execute(state->stream, {{DNNL_ARG_DIFF_DST, state->wrap(d.dst, dy)},
                               {DNNL_ARG_WEIGHTS, state->wrap(d.weights, w)},
                               {DNNL_ARG_DIFF_SRC, state->wrap(d.src, dx)}});
  state->stream.wait();
}

void LibraryCalls::convolutionBackwardFilter(const Convolution &c, const float *x,
                                             const float *dy, float *dw) {
  ConvDescs d = descsOf(c);
  auto &prim = state->get(keyOf(2, c), [&] {
    dnnl::convolution_backward_weights::desc desc(dnnl::algorithm::convolution_direct, d.src,
                                                  d.weights, d.dst, d.strides, d.dilates,
                                                  d.padLeft, d.padRight);
    return dnnl::primitive(dnnl::convolution_backward_weights(
        dnnl::convolution_backward_weights::primitive_desc(desc, state->engine,
                                                           forwardDesc(d, state->engine))));
  });
  prim.execute(state->stream, {{DNNL_ARG_SRC, state->wrap(d.src, x)},
                               {DNNL_ARG_DIFF_DST, state->wrap(d.dst, dy)},
                               {DNNL_ARG_DIFF_WEIGHTS, state->wrap(d.weights, dw)}});
  state->stream.wait();
}

void LibraryCalls::matmul(int64_t m, int64_t n, int64_t k, bool transposeA, bool transposeB,
                          const float *a, const float *b, const float *bias, float *c) {
  // A transposed operand is the same row-major buffer read with swapped strides.
  memory::desc aDesc({m, k}, memory::data_type::f32,
                     transposeA ? memory::dims{1, m} : memory::dims{k, 1});
  memory::desc bDesc({k, n}, memory::data_type::f32,
                     transposeB ? memory::dims{1, k} : memory::dims{n, 1});
  memory::desc cDesc({m, n}, memory::data_type::f32, memory::dims{n, 1});
  memory::desc biasDesc({1, n}, memory::data_type::f32, memory::dims{n, 1});
  Key key{3 + (transposeA ? 1 : 0) + (transposeB ? 2 : 0) + (bias ? 4 : 0), m, n, k, 0, 0, 0, 0,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  auto &prim = state->get(key, [&] {
    auto desc = bias ? dnnl::matmul::desc(aDesc, bDesc, biasDesc, cDesc)
                     : dnnl::matmul::desc(aDesc, bDesc, cDesc);
    return dnnl::primitive(dnnl::matmul(dnnl::matmul::primitive_desc(desc, state->engine)));
  });
  std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, state->wrap(aDesc, a)},
                                          {DNNL_ARG_WEIGHTS, state->wrap(bDesc, b)},
                                          {DNNL_ARG_DST, state->wrap(cDesc, c)}};
  if (bias)
    args.emplace(DNNL_ARG_BIAS, state->wrap(biasDesc, bias));
  prim.execute(state->stream, args);
  state->stream.wait();
}
