//===- Executor.cpp - running an entry point on a device -------------------===//

#include "runtime/exec/Executor.h"

#include <chrono>

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

Expected<std::unique_ptr<Executor>> Executor::create(const LoadedModule &module,
                                                     const std::string &entry, Device &device,
                                                     VariableTable &variables) {
  auto schedule = Schedule::create(module, entry);
  if (!schedule)
    return schedule.takeError();
  if (Error e = device.prepare(*schedule))
    return makeError(module.path() + ": error: entry point '" + entry + "': " + e.message());
  std::unique_ptr<Executor> executor(new Executor(std::move(*schedule), device, variables));
  auto noRoom = [&](const std::string &what, const Expected<void *> &memory) {
    return makeError(module.path() + ": error: entry point '" + entry + "': no room on the " +
                     device.name() + " device for " + what + ": " + memory.errorMessage());
  };
  // The arena, with room to spare at its end as the planned buffers were always given.
  auto arena = device.allocate(size_t(executor->plan.arenaBytes()) + 16);
  if (!arena)
    return noRoom("its arena", arena);
  executor->arena = *arena;
  if (const auto *constants = module.root().constants())
    for (const format::Constant *c : *constants) {
      int64_t count = 1;
      for (int64_t d : *c->shape())
        count *= d;
      auto memory = device.allocate(size_t(count) * sizeof(float));
      if (!memory)
        return noRoom("a constant", memory);
      executor->constants.push_back(*memory);
      std::vector<float> values(size_t(count), static_cast<float>(c->value()));
      device.upload(*memory, values.data(), values.size() * sizeof(float));
    }
  return executor;
}

Executor::~Executor() {
  device.forget(this);
  if (arena)
    device.release(arena);
  for (void *c : constants)
    device.release(c);
}

void *Executor::address(const Operand &operand, const std::vector<const void *> &staged) const {
  switch (operand.kind) {
  case Operand::Kind::Argument:
    return const_cast<void *>(staged[size_t(operand.index)]);
  case Operand::Kind::Variable:
    return variables.variables()[size_t(operand.index)].memory;
  case Operand::Kind::Constant:
    return constants[size_t(operand.index)];
  case Operand::Kind::Arena:
    return static_cast<char *>(arena) + operand.offset;
  }
  return nullptr;
}

void Executor::setProfiling(bool on) {
  profiling = on;
  seconds.assign(plan.instructions().size(), 0.0);
  runs = 0;
}

std::vector<Executor::ProfileEntry> Executor::profile() const {
  std::vector<ProfileEntry> entries;
  for (size_t i = 0; i < seconds.size(); ++i)
    entries.push_back({plan.instructions()[i].what, seconds[i], runs});
  return entries;
}

Expected<std::vector<std::vector<float>>>
Executor::run(const std::vector<const void *> &arguments) {
  auto staged = stage(arguments);
  if (!staged)
    return staged.takeError();
  if (Error e = launch(*staged))
    return e;
  return finish();
}

Expected<Executor::Staged> Executor::stage(const std::vector<const void *> &arguments) {
  const std::vector<Operand> &declared = plan.arguments();
  if (arguments.size() != declared.size())
    return makeError("error: entry point '" + plan.entry() + "' takes " +
                     std::to_string(declared.size()) + " arguments, got " +
                     std::to_string(arguments.size()));
  Staged staged;
  staged.where.resize(arguments.size());
  for (size_t i = 0; i < arguments.size(); ++i) {
    auto where = device.stageArgument(this, i, arguments[i], declared[i].bytes());
    if (!where)
      return where.takeError();
    staged.where[i] = *where;
  }
  return staged;
}

Error Executor::launch(const Staged &stagedRun) {
  if (running)
    return makeError("error: entry point '" + plan.entry() +
                     "': a run was launched before the last one finished");
  if (stagedRun.where.size() != plan.arguments().size())
    return makeError("error: entry point '" + plan.entry() + "': staged arguments of another "
                     "entry point");
  launched = stagedRun;
  const std::vector<const void *> &staged = launched.where;
  auto at = [&](const Operand &o) { return address(o, staged); };
  auto in = [&](const Instruction &s, size_t i) { return static_cast<const void *>(at(s.inputs[i])); };
  auto out = [&](const Instruction &s) { return at(s.outputs[0]); };
  std::vector<const void *> ins;
  std::vector<void *> outs;
  if (profiling && seconds.size() != plan.instructions().size())
    seconds.assign(plan.instructions().size(), 0.0);
  runs += 1;
  auto started = std::chrono::steady_clock::now();
  // Collectives in flight: each is waited for just before the first instruction that
  // touches its memory (Schedule's waitBefore), so that the step computes meanwhile; the
  // time a wait takes is the collective's in a profile (the communication not hidden).
  struct Pending {
    int ticket;
    size_t waitBefore, index;
  };
  std::vector<Pending> pending;
  auto settle = [&](size_t before) -> Error {
    for (size_t p = 0; p < pending.size();) {
      if (pending[p].waitBefore > before) {
        ++p;
        continue;
      }
      if (Error e = device.waitCollective(pending[p].ticket))
        return e;
      if (profiling) {
        auto now = std::chrono::steady_clock::now();
        seconds[pending[p].index] += std::chrono::duration<double>(now - started).count();
        started = now;
      }
      pending.erase(pending.begin() + std::ptrdiff_t(p));
    }
    return Error::success();
  };
  // The instructions of one run, each issued on the device (and, when profiling, waited
  // for and timed).
  auto instructions = [&]() -> Error {
    for (size_t index = 0; index < plan.instructions().size(); ++index) {
      const Instruction &s = plan.instructions()[index];
      if (!pending.empty()) {
        if (Error e = settle(index))
          return e;
        device.progressCollectives();
      }
      switch (s.op) {
      case format::Op::Conv2D:
        device.convolution(s.convolution, in(s, 0), in(s, 1), out(s));
        break;
      case format::Op::Conv2DBackwardInput:
        device.convolutionBackwardInput(s.convolution, in(s, 0), in(s, 1), out(s));
        break;
      case format::Op::Conv2DBackwardFilter:
        device.convolutionBackwardFilter(s.convolution, in(s, 0), in(s, 1), out(s));
        break;
      case format::Op::Dense:
      case format::Op::Matmul:
        device.matmul(s.product, in(s, 0), in(s, 1), s.inputs.size() == 3 ? in(s, 2) : nullptr,
                      out(s));
        break;
      case format::Op::Kernel:
        ins.clear();
        outs.clear();
        for (const Operand &o : s.inputs)
          ins.push_back(at(o));
        for (const Operand &o : s.outputs)
          outs.push_back(at(o));
        device.launch(s.kernel, ins.data(), ins.size(), outs.data(), outs.size());
        break;
      case format::Op::Store: {
        void *to = at(s.outputs[0]), *from = at(s.inputs[0]);
        if (to != from) // a value computed in place needs no copy
          device.copy(to, from, s.inputs[0].bytes());
        break;
      }
      case format::Op::AllReduce:
      case format::Op::AllGather:
      case format::Op::ReduceScatter: {
        Collective kind = s.op == format::Op::AllReduce   ? Collective::AllReduceSum
                          : s.op == format::Op::AllGather ? Collective::AllGather
                                                          : Collective::ReduceScatterSum;
        size_t count = size_t(s.op == format::Op::ReduceScatter ? s.outputs[0].count
                                                                : s.inputs[0].count);
        auto ticket = device.startCollective(kind, static_cast<const float *>(in(s, 0)),
                                             static_cast<float *>(out(s)), count, s.mean);
        if (!ticket)
          return ticket.takeError();
        pending.push_back({*ticket, s.waitBefore, index});
        break;
      }
      case format::Op::ReplicaId:
        device.replicaId(out(s));
        break;
      }
      if (profiling) {
        if (Error e = device.synchronize())
          return e;
        auto now = std::chrono::steady_clock::now();
        seconds[index] += std::chrono::duration<double>(now - started).count();
        started = now;
      }
    }
    return settle(plan.instructions().size()); // the rest (results read them)
  };
  // A run with the same staged arguments issues the same work: the device may replay it
  // (not while profiling, which waits after every instruction).
  std::vector<const void *> key = {this};
  key.insert(key.end(), staged.begin(), staged.end());
  if (profiling)
    key.clear(); // issued, never recorded
  if (Error e = device.issue(key, instructions))
    return e;
  running = true;
  return Error::success();
}

Expected<std::vector<std::vector<float>>> Executor::finish() {
  if (!running)
    return makeError("error: entry point '" + plan.entry() + "': no run to finish");
  running = false;
  std::vector<std::vector<float>> results;
  for (const Operand &r : plan.results()) {
    results.emplace_back(size_t(r.count));
    device.download(results.back().data(), address(r, launched.where), r.bytes());
  }
  if (Error e = device.synchronize())
    return e;
  return results;
}
