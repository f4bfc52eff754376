//===- Executor.cpp - running a module's entry point on the CPU -----------===//

#include "runtime/cpu/Executor.h"
#include "runtime/Initializers.h"
#include "runtime/cpu/LibraryCalls.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"

#include <chrono>
#include <cstring>

using namespace mlir::simclr;
using namespace mlir::simclr::cpu;
namespace format = mlir::simclr::format;

namespace {

llvm::Error executionError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

std::vector<int64_t> shapeOf(const format::ValueRef *ref) {
  return std::vector<int64_t>(ref->shape()->begin(), ref->shape()->end());
}

int64_t countOf(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

/// Where an operand lives: an argument (known per run), a variable (looked up by name at
/// the start of every run: `Executor::variables` may be assigned or replaced between
/// runs), or fixed memory.
struct Slot {
  enum Kind { Argument, Variable, Fixed } kind = Fixed;
  int index = -1; ///< Argument: argument number; Variable: module variable index
  void *fixed = nullptr;
  int64_t count = 0;
};

enum class Call { Convolution, ConvolutionInput, ConvolutionFilter, Dense, Matmul, Kernel, Store };

struct Step {
  Call call;
  std::string what; ///< for profiles
  std::vector<Slot> inputs, outputs;
  Convolution convolution{};
  int64_t m = 0, n = 0, k = 0;
  bool transposeA = false, transposeB = false;
  KernelFn kernel = nullptr;
};

} // namespace

struct Executor::Impl {
  runtime::LoadedModule module;
  const format::EntryPoint *entry = nullptr;
  std::vector<format::DType> argumentTypes;
  /// Every variable's name and element count, by module index.
  std::vector<std::pair<std::string, int64_t>> declared;
  std::vector<Step> steps;
  std::vector<Slot> results;
  std::vector<std::vector<float>> constants;
  std::vector<uint64_t> arena; // 8-byte aligned
  LibraryCalls library;
  bool profiling = false;
  std::vector<double> seconds;
  int64_t runs = 0;
};

Executor::Executor() : impl(std::make_unique<Impl>()) {}
Executor::~Executor() = default;

namespace {

/// Decodes and checks one entry point's instructions.
class Decoder {
public:
  Decoder(const runtime::LoadedModule &module, std::vector<std::vector<float>> &constants,
          char *arena)
      : module(module), constants(constants), arena(arena) {}

  llvm::Expected<Slot> slot(const format::ValueRef *ref, const std::string &at) {
    Slot s;
    std::vector<int64_t> shape = shapeOf(ref);
    s.count = countOf(shape);
    bool isInt = ref->dtype() == format::DType::I32;
    if (ref->dtype() != format::DType::F32 &&
        !(isInt && ref->kind() == format::ValueKind::Argument))
      return fail(at, "the CPU runtime runs float32 (and int32 labels) only");
    switch (ref->kind()) {
    case format::ValueKind::Argument:
      s.kind = Slot::Argument;
      s.index = ref->index();
      break;
    case format::ValueKind::Variable:
      s.kind = Slot::Variable;
      s.index = ref->index();
      break;
    case format::ValueKind::Constant:
      s.fixed = constants[ref->index()].data();
      if (static_cast<int64_t>(constants[ref->index()].size()) != s.count)
        return fail(at, "a constant's shape differs from its use");
      break;
    case format::ValueKind::Buffer:
      if (ref->offset() % 4 != 0)
        return fail(at, "a buffer at an unaligned offset");
      s.fixed = arena + ref->offset();
      break;
    }
    return s;
  }

  llvm::Error fail(const std::string &at, const llvm::Twine &message) {
    return executionError(module.path() + ": error: " + at + ": " + message);
  }

  llvm::Expected<Step> decode(const format::Instruction &inst, const std::string &at,
                              const std::vector<KernelFn> &kernels) {
    Step step;
    llvm::StringRef op = inst.op()->string_view();
    std::vector<std::vector<int64_t>> in, out;
    for (const auto *ref : *inst.inputs()) {
      auto s = slot(ref, at);
      if (!s)
        return s.takeError();
      step.inputs.push_back(std::move(*s));
      in.push_back(shapeOf(ref));
    }
    for (const auto *ref : *inst.outputs()) {
      auto s = slot(ref, at);
      if (!s)
        return s.takeError();
      if (s->kind == Slot::Argument)
        return fail(at, "writes to an argument");
      step.outputs.push_back(std::move(*s));
      out.push_back(shapeOf(ref));
    }
    auto arity = [&](size_t minInputs, size_t maxInputs, size_t outputs) -> llvm::Error {
      if (in.size() < minInputs || in.size() > maxInputs || out.size() != outputs)
        return fail(at, "has " + llvm::Twine(in.size()) + " inputs and " +
                            llvm::Twine(out.size()) + " outputs");
      return llvm::Error::success();
    };
    if (op == "simclr.conv2d" || op == "simclr.conv2d_backward_input" ||
        op == "simclr.conv2d_backward_filter") {
      if (auto e = arity(2, 2, 1))
        return std::move(e);
      // x, w, y in conv2d's terms, whichever of them this instruction computes.
      std::vector<int64_t> x, w, y;
      if (op == "simclr.conv2d") {
        step.call = Call::Convolution;
        x = in[0], w = in[1], y = out[0];
      } else if (op == "simclr.conv2d_backward_input") {
        step.call = Call::ConvolutionInput;
        y = in[0], w = in[1], x = out[0];
      } else {
        step.call = Call::ConvolutionFilter;
        x = in[0], y = in[1], w = out[0];
      }
      if (auto e = convolution(inst, x, w, y, at, step.convolution))
        return std::move(e);
    } else if (op == "simclr.dense") {
      if (auto e = arity(2, 3, 1))
        return std::move(e);
      step.call = Call::Dense;
      bool ok = in[0].size() == 2 && in[1].size() == 2 && out[0].size() == 2 &&
                in[0][1] == in[1][1] && out[0][0] == in[0][0] && out[0][1] == in[1][0] &&
                (in.size() == 2 || in[2] == std::vector<int64_t>{in[1][0]});
      if (!ok)
        return fail(at, "operand shapes do not make a dense layer");
      step.m = in[0][0], step.n = in[1][0], step.k = in[0][1];
      step.transposeB = true;
    } else if (op == "simclr.matmul") {
      if (auto e = arity(2, 2, 1))
        return std::move(e);
      step.call = Call::Matmul;
      step.transposeA = inst.transpose_a(), step.transposeB = inst.transpose_b();
      bool ok = in[0].size() == 2 && in[1].size() == 2 && out[0].size() == 2;
      if (ok) {
        int64_t m = step.transposeA ? in[0][1] : in[0][0], k = step.transposeA ? in[0][0] : in[0][1];
        int64_t kb = step.transposeB ? in[1][1] : in[1][0], n = step.transposeB ? in[1][0] : in[1][1];
        ok = k == kb && out[0][0] == m && out[0][1] == n;
        step.m = m, step.n = n, step.k = k;
      }
      if (!ok)
        return fail(at, "operand shapes do not make a matrix product");
    } else if (op == "simclr.kernel") {
      step.call = Call::Kernel;
      if (inst.kernel() < 0 || static_cast<size_t>(inst.kernel()) >= kernels.size() ||
          !kernels[inst.kernel()])
        return fail(at, "kernel " + llvm::Twine(inst.kernel()) + " is not built");
      step.kernel = kernels[inst.kernel()];
    } else if (op == "simclr.store") {
      if (auto e = arity(1, 1, 1))
        return std::move(e);
      step.call = Call::Store;
      if (step.outputs[0].kind != Slot::Variable || step.inputs[0].count != step.outputs[0].count)
        return fail(at, "a store must write a variable of its value's size");
    } else {
      return fail(at, "'" + op + "' is not an instruction the CPU runtime runs");
    }
    return std::move(step);
  }

private:
  llvm::Error convolution(const format::Instruction &inst, const std::vector<int64_t> &x,
                          const std::vector<int64_t> &w, const std::vector<int64_t> &y,
                          const std::string &at, Convolution &c) {
    const format::Convolution *g = inst.convolution();
    if (!g || g->stride()->size() != 2 || g->padding()->size() != 4 ||
        g->dilation()->size() != 2)
      return fail(at, "has no valid convolution geometry");
    if (x.size() != 4 || w.size() != 4 || y.size() != 4)
      return fail(at, "convolution operands must be 4-D");
    c = Convolution{x[0], x[1], x[2], x[3], w[0], w[2], w[3], y[2], y[3]};
    for (int i = 0; i < 2; ++i)
      c.stride[i] = g->stride()->Get(i), c.dilation[i] = g->dilation()->Get(i);
    for (int i = 0; i < 4; ++i)
      c.padding[i] = g->padding()->Get(i);
    c.groups = g->groups();
    bool ok = c.stride[0] > 0 && c.stride[1] > 0 && c.dilation[0] > 0 && c.dilation[1] > 0 &&
              c.groups > 0 && c.padding[0] >= 0 && c.padding[1] >= 0 && c.padding[2] >= 0 &&
              c.padding[3] >= 0 && c.inChannels % c.groups == 0 &&
              c.outChannels % c.groups == 0 && w[1] * c.groups == c.inChannels &&
              y[0] == x[0] && y[1] == c.outChannels;
    if (ok) {
      int64_t h = (x[2] + c.padding[0] + c.padding[2] - c.dilation[0] * (w[2] - 1) - 1);
      int64_t wd = (x[3] + c.padding[1] + c.padding[3] - c.dilation[1] * (w[3] - 1) - 1);
      ok = h >= 0 && wd >= 0 && h / c.stride[0] + 1 == y[2] && wd / c.stride[1] + 1 == y[3];
    }
    if (!ok)
      return fail(at, "operand shapes do not match the convolution's geometry");
    return llvm::Error::success();
  }

  const runtime::LoadedModule &module;
  std::vector<std::vector<float>> &constants;
  char *arena;
};

} // namespace

llvm::Expected<std::unique_ptr<Executor>>
Executor::create(runtime::LoadedModule module, llvm::StringRef entryName,
                 std::vector<KernelFn> kernels) {
  std::unique_ptr<Executor> executor(new Executor());
  Impl &m = *executor->impl;
  m.module = std::move(module);
  const format::Module &root = m.module.root();
  m.entry = m.module.entryPoint(entryName);
  if (!m.entry)
    return executionError(m.module.path() + ": error: no entry point '" + entryName + "'");
  for (const auto *v : *root.variables()) {
    if (v->dtype() != format::DType::F32)
      return executionError(m.module.path() + ": error: variable '" + v->name()->str() +
                            "' is not float32, which the CPU runtime needs");
    m.declared.emplace_back(v->name()->str(),
                            countOf(std::vector<int64_t>(v->shape()->begin(), v->shape()->end())));
    executor->variables[m.declared.back().first].assign(m.declared.back().second, 0.f);
  }
  if (root.constants())
    for (const auto *c : *root.constants())
      m.constants.emplace_back(countOf(std::vector<int64_t>(c->shape()->begin(), c->shape()->end())),
                               static_cast<float>(c->value()));
  m.arena.assign(m.entry->arena_bytes() / 8 + 2, 0);
  for (const auto *arg : *m.entry->arguments())
    m.argumentTypes.push_back(arg->dtype());

  Decoder decoder(m.module, m.constants,
                  reinterpret_cast<char *>(m.arena.data()));
  std::string where = "entry point '" + entryName.str() + "'";
  for (auto [i, inst] : llvm::enumerate(*m.entry->instructions())) {
    std::string at = where + ", instruction " + std::to_string(i) + " (" + inst->op()->str() + ")";
    auto step = decoder.decode(*inst, at, kernels);
    if (!step)
      return step.takeError();
    step->what = std::to_string(i) + " " + inst->op()->str();
    if (step->call == Call::Kernel)
      step->what += " " + root.kernels()->Get(inst->kernel())->name()->str();
    else if (inst->outputs()->size() == 1) {
      std::string dims;
      for (int64_t d : *inst->outputs()->Get(0)->shape())
        dims += (dims.empty() ? " " : "x") + std::to_string(d);
      step->what += dims;
    }
    m.steps.push_back(std::move(*step));
  }
  for (const auto *ref : *m.entry->results()) {
    auto s = decoder.slot(ref, where + " results");
    if (!s)
      return s.takeError();
    m.results.push_back(std::move(*s));
  }
  return std::move(executor);
}

llvm::Error Executor::initialize(uint64_t seed) {
  for (const auto *v : *impl->module.root().variables()) {
    std::vector<int64_t> shape(v->shape()->begin(), v->shape()->end());
    auto values = runtime::initialValues(v->name()->string_view(), v->init()->string_view(),
                                         shape, v->init_std(), seed);
    if (!values)
      return values.takeError();
    variables[v->name()->str()].assign(values->begin(), values->end());
  }
  return llvm::Error::success();
}

runtime::TensorMap Executor::saveVariables() const {
  runtime::TensorMap tensors;
  for (const auto *v : *impl->module.root().variables()) {
    const std::vector<float> &values = variables.at(v->name()->str());
    runtime::Tensor t;
    t.dtype = runtime::DType::F32;
    t.shape.assign(v->shape()->begin(), v->shape()->end());
    t.data.resize(values.size() * sizeof(float));
    std::memcpy(t.data.data(), values.data(), t.data.size());
    tensors[v->name()->str()] = std::move(t);
  }
  return tensors;
}

llvm::Expected<std::vector<std::string>>
Executor::loadVariables(const runtime::TensorMap &checkpoint, llvm::StringRef path,
                        llvm::StringRef prefix, bool optimizerState) {
  std::vector<std::string> missing;
  for (const auto *v : *impl->module.root().variables()) {
    llvm::StringRef name = v->name()->string_view();
    if (!name.consume_front(prefix) || (!optimizerState && name.starts_with("velocity.")))
      continue;
    auto it = checkpoint.find(name.str());
    if (it == checkpoint.end()) {
      missing.push_back(v->name()->str());
      continue;
    }
    std::vector<int64_t> shape(v->shape()->begin(), v->shape()->end());
    if (it->second.shape != shape) {
      std::string want, got;
      for (int64_t d : shape)
        want += (want.empty() ? "" : "x") + std::to_string(d);
      for (int64_t d : it->second.shape)
        got += (got.empty() ? "" : "x") + std::to_string(d);
      return executionError(path + ": error: tensor '" + name + "' is " + got +
                            ", the network's '" + v->name()->str() + "' is " + want +
                            " (a checkpoint of a different network?)");
    }
    std::vector<double> values = it->second.toDoubles();
    variables[v->name()->str()].assign(values.begin(), values.end());
  }
  return missing;
}

void Executor::setProfiling(bool on) {
  impl->profiling = on;
  impl->seconds.assign(impl->steps.size(), 0.0);
  impl->runs = 0;
}

std::vector<Executor::ProfileEntry> Executor::profile() const {
  std::vector<ProfileEntry> entries;
  for (size_t i = 0; i < impl->seconds.size(); ++i)
    entries.push_back({impl->steps[i].what, impl->seconds[i], impl->runs});
  return entries;
}

llvm::Expected<std::vector<std::vector<float>>>
Executor::run(const std::vector<const void *> &arguments) {
  Impl &m = *impl;
  if (arguments.size() != m.argumentTypes.size())
    return executionError("entry point '" + m.entry->name()->str() + "' takes " +
                          llvm::Twine(m.argumentTypes.size()) + " arguments, got " +
                          llvm::Twine(arguments.size()));
  // Every variable's storage, by module index, found by name for this run; one whose
  // size differs from its declaration would be read or written out of bounds.
  std::vector<float *> storage;
  storage.reserve(m.declared.size());
  for (const auto &[name, declared] : m.declared) {
    auto it = variables.find(name);
    if (it == variables.end() || static_cast<int64_t>(it->second.size()) != declared)
      return executionError("variable '" + name + "' is missing or has another size than " +
                            "its declaration (" + llvm::Twine(declared) + " elements)");
    storage.push_back(it->second.data());
  }
  auto resolve = [&](Slot &s) -> float * {
    switch (s.kind) {
    case Slot::Argument:
      return const_cast<float *>(static_cast<const float *>(arguments[s.index]));
    case Slot::Variable:
      return storage[s.index];
    case Slot::Fixed:
      return static_cast<float *>(s.fixed);
    }
    return nullptr;
  };
  std::vector<const void *> ins;
  std::vector<void *> outs;
  if (m.profiling && m.seconds.size() != m.steps.size())
    m.seconds.assign(m.steps.size(), 0.0);
  m.runs += 1;
  auto started = std::chrono::steady_clock::now();
  for (size_t index = 0; index < m.steps.size(); ++index) {
    Step &s = m.steps[index];
    switch (s.call) {
    case Call::Convolution:
      m.library.convolution(s.convolution, resolve(s.inputs[0]), resolve(s.inputs[1]),
                            resolve(s.outputs[0]));
      break;
    case Call::ConvolutionInput:
      m.library.convolutionBackwardInput(s.convolution, resolve(s.inputs[0]),
                                         resolve(s.inputs[1]), resolve(s.outputs[0]));
      break;
    case Call::ConvolutionFilter:
      m.library.convolutionBackwardFilter(s.convolution, resolve(s.inputs[0]),
                                          resolve(s.inputs[1]), resolve(s.outputs[0]));
      break;
    case Call::Dense:
    case Call::Matmul:
      m.library.matmul(s.m, s.n, s.k, s.transposeA, s.transposeB, resolve(s.inputs[0]),
                       resolve(s.inputs[1]), s.inputs.size() == 3 ? resolve(s.inputs[2]) : nullptr,
                       resolve(s.outputs[0]));
      break;
    case Call::Kernel:
      ins.clear();
      outs.clear();
      for (Slot &in : s.inputs)
        ins.push_back(resolve(in));
      for (Slot &out : s.outputs)
        outs.push_back(resolve(out));
      s.kernel(ins.data(), outs.data());
      break;
    case Call::Store: {
      float *to = resolve(s.outputs[0]), *from = resolve(s.inputs[0]);
      if (to != from)
        std::memcpy(to, from, s.inputs[0].count * sizeof(float));
      break;
    }
    }
    if (m.profiling) {
      auto now = std::chrono::steady_clock::now();
      m.seconds[index] += std::chrono::duration<double>(now - started).count();
      started = now;
    }
  }
  std::vector<std::vector<float>> results;
  for (Slot &s : m.results) {
    float *p = resolve(s);
    results.emplace_back(p, p + s.count);
  }
  return results;
}
