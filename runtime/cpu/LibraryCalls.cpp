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

/// Everything that makes a convolution primitive: the direction (`kind`), the element type
/// and the layout, and the geometry.
Key keyOf(int kind, const Convolution &c) {
  return Key{kind + (c.bf16 ? 16 : 0) + (c.channelsLast ? 32 : 0), c.batch, c.inChannels, c.inHeight, c.inWidth, c.outChannels,
             c.kernelHeight, c.kernelWidth, c.stride[0], c.stride[1], c.padding[0],
             c.padding[1], c.padding[2], c.padding[3], c.dilation[0], c.dilation[1],
             c.groups, c.outHeight * 100000 + c.outWidth};
}

memory::data_type typeOf(bool bf16) {
  return bf16 ? memory::data_type::bf16 : memory::data_type::f32;
}

memory::desc plain(memory::dims dims, memory::format_tag tag, memory::data_type type) {
  return memory::desc(dims, type, tag);
}

struct ConvDescs {
  memory::desc src, weights, dst;
  memory::dims strides, dilates, padLeft, padRight;
};

/// The plain descriptors of a convolution (what the step's buffers hold).
ConvDescs descsOf(const Convolution &c) {
  ConvDescs d;
  memory::data_type t = typeOf(c.bf16);
  using tag = memory::format_tag;
  bool last = c.channelsLast;
  d.src = plain({c.batch, c.inChannels, c.inHeight, c.inWidth}, last ? tag::nhwc : tag::nchw, t);
  d.dst =
      plain({c.batch, c.outChannels, c.outHeight, c.outWidth}, last ? tag::nhwc : tag::nchw, t);
  if (c.groups == 1)
    d.weights = plain({c.outChannels, c.inChannels, c.kernelHeight, c.kernelWidth},
                      last ? tag::ohwi : tag::oihw, t);
  else
    d.weights = plain({c.groups, c.outChannels / c.groups, c.inChannels / c.groups,
                       c.kernelHeight, c.kernelWidth},
                      last ? tag::gohwi : tag::goihw, t);
  d.strides = {c.stride[0], c.stride[1]};
  d.dilates = {c.dilation[0] - 1, c.dilation[1] - 1};
  d.padLeft = {c.padding[0], c.padding[1]};
  d.padRight = {c.padding[2], c.padding[3]};
  return d;
}

/// The same shapes with the layout left to oneDNN (its blocked layouts are what its fast
/// convolutions run on).
ConvDescs anyLayout(const ConvDescs &plainDescs) {
  ConvDescs d = plainDescs;
  auto any = [](const memory::desc &m) {
    return memory::desc(m.dims(), m.data_type(), memory::format_tag::any);
  };
  d.src = any(plainDescs.src);
  d.weights = any(plainDescs.weights);
  d.dst = any(plainDescs.dst);
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

/// A convolution primitive with its three operands: the layout the step's buffer has, the
/// layout the primitive chose, and the reorder between them where they differ (plain ->
/// chosen for inputs, chosen -> plain for the output).
struct Prepared {
  dnnl::primitive primitive;
  struct Operand {
    int arg;
    bool output;
    memory::desc plain, chosen;
    bool reordered = false;
    dnnl::reorder reorder;
  };
  Operand operands[3];
};

} // namespace

struct LibraryCalls::State {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  std::mutex mutex;
  std::map<Key, dnnl::primitive> primitives;
  std::map<Key, Prepared> convolutions;
  std::vector<char> staging[3]; // blocked copies of the operands, shared by every call

  /// The entry of `cache` for `key`, made by `make` the first time.
  template <typename Value, typename Make>
  Value &get(std::map<Key, Value> &cache, const Key &key, Make make) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(key);
    if (it == cache.end())
      it = cache.emplace(key, make()).first;
    return it->second;
  }

  memory wrap(const memory::desc &desc, const void *data) {
    return memory(desc, engine, const_cast<void *>(data));
  }

  /// `chosen[i]` is the layout the primitive picked for operand i.
  Prepared prepare(dnnl::primitive primitive, const int (&args)[3], const bool (&outputs)[3],
                   const memory::desc (&plains)[3], const memory::desc (&chosen)[3]) {
    Prepared p{std::move(primitive), {}};
    for (int i = 0; i < 3; ++i) {
      Prepared::Operand &o = p.operands[i];
      o.arg = args[i];
      o.output = outputs[i];
      o.plain = plains[i];
      o.chosen = chosen[i];
      o.reordered = !(chosen[i] == plains[i]);
      if (o.reordered)
        o.reorder = o.output ? dnnl::reorder(dnnl::reorder::primitive_desc(
                                   engine, o.chosen, engine, o.plain))
                             : dnnl::reorder(dnnl::reorder::primitive_desc(
                                   engine, o.plain, engine, o.chosen));
    }
    return p;
  }

  /// Runs a prepared convolution on the step's (plain) buffers.
  void run(Prepared &p, const void *const (&data)[3]) {
    std::unordered_map<int, memory> args;
    memory plainMemory[3], chosenMemory[3];
    for (int i = 0; i < 3; ++i) {
      Prepared::Operand &o = p.operands[i];
      plainMemory[i] = wrap(o.plain, data[i]);
      if (!o.reordered) {
        args.emplace(o.arg, plainMemory[i]);
        continue;
      }
      if (staging[i].size() < o.chosen.get_size() + 64)
        staging[i].resize(o.chosen.get_size() + 64);
      chosenMemory[i] = memory(o.chosen, engine, staging[i].data());
      if (!o.output)
        o.reorder.execute(stream, plainMemory[i], chosenMemory[i]);
      args.emplace(o.arg, chosenMemory[i]);
    }
    p.primitive.execute(stream, args);
    for (int i = 0; i < 3; ++i)
      if (p.operands[i].reordered && p.operands[i].output)
        p.operands[i].reorder.execute(stream, chosenMemory[i], plainMemory[i]);
    stream.wait();
  }
};

LibraryCalls::LibraryCalls() : state(std::make_unique<State>()) {}
LibraryCalls::~LibraryCalls() = default;

void LibraryCalls::convolution(const Convolution &c, const void *x, const void *w, void *y) {
  ConvDescs d = descsOf(c);
  Prepared &p = state->get(state->convolutions, keyOf(0, c), [&] {
    auto pd = forwardDesc(anyLayout(d), state->engine);
    return state->prepare(dnnl::convolution_forward(pd),
                          {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST}, {false, false, true},
                          {d.src, d.weights, d.dst},
                          {pd.src_desc(), pd.weights_desc(), pd.dst_desc()});
  });
  state->run(p, {x, w, y});
}

void LibraryCalls::convolutionBackwardInput(const Convolution &c, const void *dy,
                                            const void *w, void *dx) {
  ConvDescs d = descsOf(c);
  Prepared &p = state->get(state->convolutions, keyOf(1, c), [&] {
    ConvDescs a = anyLayout(d);
    dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, a.src,
                                               a.weights, a.dst, a.strides, a.dilates,
                                               a.padLeft, a.padRight);
    dnnl::convolution_backward_data::primitive_desc pd(desc, state->engine,
                                                       forwardDesc(a, state->engine));
    return state->prepare(dnnl::convolution_backward_data(pd),
                          {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC},
                          {false, false, true}, {d.dst, d.weights, d.src},
                          {pd.diff_dst_desc(), pd.weights_desc(), pd.diff_src_desc()});
  });
  state->run(p, {dy, w, dx});
}

void LibraryCalls::convolutionBackwardFilter(const Convolution &c, const void *x,
                                             const void *dy, void *dw) {
  ConvDescs d = descsOf(c);
  Prepared &p = state->get(state->convolutions, keyOf(2, c), [&] {
    ConvDescs a = anyLayout(d);
    dnnl::convolution_backward_weights::desc desc(dnnl::algorithm::convolution_direct, a.src,
                                                  a.weights, a.dst, a.strides, a.dilates,
                                                  a.padLeft, a.padRight);
    dnnl::convolution_backward_weights::primitive_desc pd(desc, state->engine,
                                                          forwardDesc(a, state->engine));
    return state->prepare(dnnl::convolution_backward_weights(pd),
                          {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS},
                          {false, false, true}, {d.src, d.dst, d.weights},
                          {pd.src_desc(), pd.diff_dst_desc(), pd.diff_weights_desc()});
  });
  state->run(p, {x, dy, dw});
}

void LibraryCalls::matmul(const runtime::MatrixProduct &p, const void *a, const void *b,
                          const void *bias, void *c) {
  const int64_t m = p.m, n = p.n, k = p.k;
  memory::data_type t = typeOf(p.bf16);
  // A transposed operand is the same row-major buffer read with swapped strides.
  memory::desc aDesc({m, k}, t, p.transposeA ? memory::dims{1, m} : memory::dims{k, 1});
  memory::desc bDesc({k, n}, t, p.transposeB ? memory::dims{1, k} : memory::dims{n, 1});
  memory::desc cDesc({m, n}, t, memory::dims{n, 1});
  memory::desc biasDesc({1, n}, t, memory::dims{n, 1});
  Key key{3 + (p.transposeA ? 1 : 0) + (p.transposeB ? 2 : 0) + (bias ? 4 : 0) + (p.bf16 ? 16 : 0),
          m, n, k, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  auto &prim = state->get(state->primitives, key, [&] {
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
