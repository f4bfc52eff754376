//===- Schedule.cpp - an entry point's instructions, checked once ----------===//

#include "runtime/exec/Schedule.h"
#include "runtime/support/Checked.h"
#include "runtime/support/Strings.h"

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

namespace {

std::vector<int64_t> shapeOf(const format::ValueRef *ref) {
  return std::vector<int64_t>(ref->shape()->begin(), ref->shape()->end());
}

bool isCollective(format::Op op) {
  return op == format::Op::AllReduce || op == format::Op::AllGather ||
         op == format::Op::ReduceScatter;
}

/// Whether two operands share memory (the arena's byte ranges, or the same variable).
bool overlaps(const Operand &a, const Operand &b) {
  if (a.kind != b.kind)
    return false;
  if (a.kind == Operand::Kind::Arena)
    return a.offset < b.offset + int64_t(b.bytes()) && b.offset < a.offset + int64_t(a.bytes());
  return a.index == b.index;
}

/// Where each collective of `steps` must have completed: before the first later
/// instruction that touches the memory it reads or writes.
void placeWaits(std::vector<Instruction> &steps) {
  for (size_t i = 0; i < steps.size(); ++i) {
    if (!isCollective(steps[i].op))
      continue;
    steps[i].waitBefore = steps.size();
    auto touches = [&](const Instruction &later) {
      for (const std::vector<Operand> *mine : {&steps[i].inputs, &steps[i].outputs})
        for (const Operand &m : *mine)
          for (const std::vector<Operand> *theirs : {&later.inputs, &later.outputs})
            for (const Operand &t : *theirs)
              if (overlaps(m, t))
                return true;
      return false;
    };
    for (size_t j = i + 1; j < steps.size(); ++j)
      if (touches(steps[j])) {
        steps[i].waitBefore = j;
        break;
      }
  }
}

class Decoder {
public:
  Decoder(const LoadedModule &module) : module(module) {}

  Error fail(const std::string &at, const std::string &message) {
    return makeError(module.path() + ": error: " + at + ": " + message);
  }

  Expected<Operand> operand(const format::ValueRef *ref, const std::string &at) {
    Operand o;
    o.shape = shapeOf(ref);
    // The reader bounded every value's size; a schedule made of an unchecked module
    // still refuses a count that does not fit instead of wrapping it.
    std::optional<int64_t> count = checkedCount(o.shape);
    if (!count)
      return fail(at, "a value of shape " + shapeText(o.shape) +
                          " has no element count in 64 bits");
    o.count = *count;
    o.dtype = ref->dtype();
    bool isInt = ref->dtype() == format::DType::I32;
    bool isBf16 = ref->dtype() == format::DType::BF16;
    if (ref->dtype() != format::DType::F32 &&
        !(isInt && (ref->kind() == format::ValueKind::Argument ||
                    ref->kind() == format::ValueKind::Buffer)) &&
        !(isBf16 && ref->kind() == format::ValueKind::Buffer))
      return fail(at, "the runtime runs float32, int32 labels and replica indices, and "
                      "bfloat16 intermediates only");
    switch (ref->kind()) {
    case format::ValueKind::Argument:
      o.kind = Operand::Kind::Argument;
      o.index = ref->index();
      break;
    case format::ValueKind::Variable:
      o.kind = Operand::Kind::Variable;
      o.index = ref->index();
      break;
    case format::ValueKind::Constant:
      o.kind = Operand::Kind::Constant;
      o.index = ref->index();
      break;
    case format::ValueKind::Buffer:
      if (ref->offset() % 4 != 0)
        return fail(at, "a buffer at an unaligned offset");
      o.kind = Operand::Kind::Arena;
      o.offset = ref->offset();
      break;
    }
    return o;
  }

  Expected<Instruction> decode(const format::Instruction &inst, const std::string &at) {
    Instruction step;
    step.op = inst.op();
    for (const auto *ref : *inst.inputs()) {
      auto o = operand(ref, at);
      if (!o)
        return o.takeError();
      step.inputs.push_back(std::move(*o));
    }
    for (const auto *ref : *inst.outputs()) {
      auto o = operand(ref, at);
      if (!o)
        return o.takeError();
      if (o->kind == Operand::Kind::Argument || o->kind == Operand::Kind::Constant)
        return fail(at, "writes to an argument or a constant");
      step.outputs.push_back(std::move(*o));
    }
    const std::vector<Operand> &in = step.inputs, &out = step.outputs;
    auto arity = [&](size_t minInputs, size_t maxInputs, size_t outputs) -> Error {
      if (in.size() < minInputs || in.size() > maxInputs || out.size() != outputs)
        return fail(at, "has " + std::to_string(in.size()) + " inputs and " +
                            std::to_string(out.size()) + " outputs");
      return Error::success();
    };
    switch (inst.op()) {
    case format::Op::Conv2D:
    case format::Op::Conv2DBackwardInput:
    case format::Op::Conv2DBackwardFilter: {
      if (Error e = arity(2, 2, 1))
        return e;
      // x, w, y in conv2d's terms, whichever of them this instruction computes.
      const std::vector<int64_t> *x, *w, *y;
      if (inst.op() == format::Op::Conv2D)
        x = &in[0].shape, w = &in[1].shape, y = &out[0].shape;
      else if (inst.op() == format::Op::Conv2DBackwardInput)
        y = &in[0].shape, w = &in[1].shape, x = &out[0].shape;
      else
        x = &in[0].shape, y = &in[1].shape, w = &out[0].shape;
      if (Error e = convolution(inst, *x, *w, *y, at, step.convolution))
        return e;
      auto bf16 = libraryPrecision(step, at);
      if (!bf16)
        return bf16.takeError();
      step.convolution.bf16 = *bf16;
      break;
    }
    case format::Op::Dense: {
      if (Error e = arity(2, 3, 1))
        return e;
      const auto &a = in[0].shape, &b = in[1].shape, &c = out[0].shape;
      bool ok = a.size() == 2 && b.size() == 2 && c.size() == 2 && a[1] == b[1] &&
                c[0] == a[0] && c[1] == b[0] &&
                (in.size() == 2 || in[2].shape == std::vector<int64_t>{b[0]});
      if (!ok)
        return fail(at, "operand shapes do not make a dense layer");
      step.product = {a[0], b[0], a[1], false, true};
      auto bf16 = libraryPrecision(step, at);
      if (!bf16)
        return bf16.takeError();
      step.product.bf16 = *bf16;
      break;
    }
    case format::Op::Matmul: {
      if (Error e = arity(2, 2, 1))
        return e;
      const auto &a = in[0].shape, &b = in[1].shape, &c = out[0].shape;
      bool ta = inst.transpose_a(), tb = inst.transpose_b();
      bool ok = a.size() == 2 && b.size() == 2 && c.size() == 2;
      if (ok) {
        int64_t m = ta ? a[1] : a[0], k = ta ? a[0] : a[1];
        int64_t kb = tb ? b[1] : b[0], n = tb ? b[0] : b[1];
        ok = k == kb && c[0] == m && c[1] == n;
        step.product = {m, n, k, ta, tb};
      }
      if (!ok)
        return fail(at, "operand shapes do not make a matrix product");
      auto bf16 = libraryPrecision(step, at);
      if (!bf16)
        return bf16.takeError();
      step.product.bf16 = *bf16;
      break;
    }
    case format::Op::Kernel:
      step.kernel = inst.kernel(); // in range: the reader checked
      break;
    case format::Op::Store:
      if (Error e = arity(1, 1, 1))
        return e;
      if (out[0].kind != Operand::Kind::Variable || in[0].count != out[0].count)
        return fail(at, "a store must write a variable of its value's size");
      break;
    case format::Op::AllReduce:
    case format::Op::AllGather:
    case format::Op::ReduceScatter: {
      if (Error e = arity(1, 1, 1))
        return e;
      if (in[0].dtype != format::DType::F32 || out[0].dtype != format::DType::F32)
        return fail(at, "a collective of other than float32");
      int64_t replicas = module.replicas();
      int64_t expected = inst.op() == format::Op::AllGather      ? in[0].count * replicas
                         : inst.op() == format::Op::ReduceScatter ? in[0].count / replicas
                                                                  : in[0].count;
      if (out[0].count != expected ||
          (inst.op() == format::Op::ReduceScatter && in[0].count % replicas != 0))
        return fail(at, "operand sizes do not match a collective over " +
                            std::to_string(replicas) + " replicas");
      step.mean = inst.reduce_mean();
      break;
    }
    case format::Op::ReplicaId:
      if (Error e = arity(0, 0, 1))
        return e;
      if (out[0].dtype != format::DType::I32 || out[0].count != 1)
        return fail(at, "a replica index must be one int32");
      break;
    }
    return step;
  }

private:
  /// Whether a library call runs in bf16: every operand bf16, or every one float32.
  Expected<bool> libraryPrecision(const Instruction &step, const std::string &at) {
    size_t bf16 = 0, all = step.inputs.size() + step.outputs.size();
    for (const std::vector<Operand> *side : {&step.inputs, &step.outputs})
      for (const Operand &o : *side)
        if (o.dtype == format::DType::BF16)
          bf16 += 1;
        else if (o.dtype != format::DType::F32)
          return fail(at, "a convolution or matrix product of other than float32 or bfloat16");
    if (bf16 != 0 && bf16 != all)
      return fail(at, "mixes bfloat16 and float32 operands");
    return bf16 == all;
  }

  Error convolution(const format::Instruction &inst, const std::vector<int64_t> &xStored,
                    const std::vector<int64_t> &wStored, const std::vector<int64_t> &yStored,
                    const std::string &at, Convolution &c) {
    const format::Convolution *g = inst.convolution();
    if (!g || g->stride()->size() != 2 || g->padding()->size() != 4 ||
        g->dilation()->size() != 2)
      return fail(at, "has no valid convolution geometry");
    if (xStored.size() != 4 || wStored.size() != 4 || yStored.size() != 4)
      return fail(at, "convolution operands must be 4-D");
    // The checks below read NCHW and OIHW shapes.
    auto nchw = [&](const std::vector<int64_t> &s) {
      return g->channels_last() ? std::vector<int64_t>{s[0], s[3], s[1], s[2]} : s;
    };
    std::vector<int64_t> x = nchw(xStored), w = nchw(wStored), y = nchw(yStored);
    c = Convolution{x[0], x[1], x[2], x[3], w[0], w[2], w[3], y[2], y[3]};
    c.channelsLast = g->channels_last();
    for (int i = 0; i < 2; ++i)
      c.stride[i] = g->stride()->Get(i), c.dilation[i] = g->dilation()->Get(i);
    for (int i = 0; i < 4; ++i)
      c.padding[i] = g->padding()->Get(i);
    c.groups = g->groups();
    // Strides, dilations, padding and groups come from the file: any int64. The
    // geometry is computed without wrapping (Checked.h).
    bool ok = c.stride[0] > 0 && c.stride[1] > 0 && c.dilation[0] > 0 && c.dilation[1] > 0 &&
              c.groups > 0 && c.padding[0] >= 0 && c.padding[1] >= 0 && c.padding[2] >= 0 &&
              c.padding[3] >= 0 && c.inChannels % c.groups == 0 &&
              c.outChannels % c.groups == 0 && checkedMul(w[1], c.groups) == c.inChannels &&
              y[0] == x[0] && y[1] == c.outChannels;
    for (int i = 0; ok && i < 2; ++i)
      ok = outputExtent(x[2 + i], c.padding[i], c.padding[2 + i], c.dilation[i], w[2 + i],
                        c.stride[i]) == y[2 + i];
    if (!ok)
      return fail(at, "operand shapes do not match the convolution's geometry");
    return Error::success();
  }

  /// A convolution's output extent along one axis (stride and dilation > 0, padding
  /// >= 0), or nullopt when the window does not fit or the arithmetic would overflow.
  static std::optional<int64_t> outputExtent(int64_t in, int64_t padBefore, int64_t padAfter,
                                             int64_t dilation, int64_t kernel, int64_t stride) {
    std::optional<int64_t> padded = checkedAdd(in, padBefore);
    if (padded)
      padded = checkedAdd(*padded, padAfter);
    std::optional<int64_t> span = checkedMul(dilation, kernel - 1);
    if (!padded || !span || *padded - 1 < *span)
      return std::nullopt;
    return (*padded - 1 - *span) / stride + 1;
  }

  const LoadedModule &module;
};

} // namespace

Expected<Schedule> Schedule::create(const LoadedModule &module, const std::string &entryName) {
  const format::EntryPoint *entry = module.entryPoint(entryName);
  if (!entry)
    return makeError(module.path() + ": error: no entry point '" + entryName + "'");
  Schedule schedule;
  schedule.name = entryName;
  schedule.arena = entry->arena_bytes();
  Decoder decoder(module);
  std::string where = "entry point '" + entryName + "'";
  for (const auto *arg : *entry->arguments()) {
    auto o = decoder.operand(arg, where + " arguments");
    if (!o)
      return o.takeError();
    schedule.args.push_back(std::move(*o));
  }
  size_t i = 0;
  for (const format::Instruction *inst : *entry->instructions()) {
    std::string at = where + ", instruction " + std::to_string(i) + " (" + opName(inst->op()) + ")";
    auto step = decoder.decode(*inst, at);
    if (!step)
      return step.takeError();
    step->what = std::to_string(i++) + " " + opName(inst->op());
    if (step->op == format::Op::AllReduce) // gradient buckets apart from statistics
      step->what += step->mean ? "[mean]" : "[sum]";
    if (step->op == format::Op::Kernel)
      step->what += " " + module.root().kernels()->Get(inst->kernel())->name()->str();
    else if (step->outputs.size() == 1 && !step->outputs[0].shape.empty())
      step->what += " " + shapeText(step->outputs[0].shape);
    schedule.steps.push_back(std::move(*step));
  }
  placeWaits(schedule.steps);
  for (const auto *ref : *entry->results()) {
    auto o = decoder.operand(ref, where + " results");
    if (!o)
      return o.takeError();
    schedule.outs.push_back(std::move(*o));
  }
  return schedule;
}
