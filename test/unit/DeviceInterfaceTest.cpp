//===- DeviceInterfaceTest.cpp - the executor through the Device interface -===//
//
// A device that records what the executor asks of it: the core's dispatch (operands
// resolved once, arguments staged, library calls, launches, stores, results read back),
// the keys under which a GPU may record a run, a run in three parts (the next run staged
// while this one runs), and "will it fit" (the bytes a run takes, checked before anything
// is allocated), seen through the Device interface alone.
//
//===----------------------------------------------------------------------===//

#include "TestModels.h"
#include "dialects/simclr/IR/SimclrDialect.h"
#include "frontend/Description.h"
#include "frontend/ModelBuilder.h"
#include "passes/Passes.h"
#include "runtime/comm/Communicator.h"
#include "runtime/exec/DeviceBytes.h"
#include "runtime/exec/Executor.h"
#include "runtime/train/RunState.h"
#include "targets/module/Writer.h"

#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <list>

using namespace mlir;
using namespace mlir::simclr;

namespace {

// A device that records what the executor asks of it: the core's dispatch (operands
// resolved once, arguments staged, library calls, launches, stores, results read back)
// seen through the Device interface alone.
class RecordingDevice : public runtime::Device {
public:
  std::vector<std::string> calls;
  const char *name() const override { return "recording"; }
  runtime::Expected<void *> allocate(size_t bytes) override {
    blocks.push_back(std::vector<char>(bytes + 16, 0));
    return static_cast<void *>(blocks.back().data());
  }
  void release(void *) override { calls.push_back("release"); }
  void upload(void *to, const void *from, size_t bytes) override { std::memcpy(to, from, bytes); }
  void download(void *to, const void *from, size_t bytes) override {
    calls.push_back("download " + std::to_string(bytes));
    std::memcpy(to, from, bytes);
  }
  void copy(void *to, const void *from, size_t bytes) override {
    calls.push_back("copy " + std::to_string(bytes));
    std::memcpy(to, from, bytes);
  }
  runtime::Expected<const void *> stageArgument(const void *, size_t index, const void *host,
                                                size_t bytes) override {
    calls.push_back("stage " + std::to_string(index) + " " + std::to_string(bytes));
    return host;
  }
  void convolution(const runtime::Convolution &c, const void *, const void *, void *) override {
    calls.push_back("conv " + std::to_string(c.outChannels));
  }
  void convolutionBackwardInput(const runtime::Convolution &, const void *, const void *,
                                void *) override {
    calls.push_back("conv-input");
  }
  void convolutionBackwardFilter(const runtime::Convolution &, const void *, const void *,
                                 void *) override {
    calls.push_back("conv-filter");
  }
  void matmul(const runtime::MatrixProduct &p, const void *, const void *, const void *bias,
              void *) override {
    calls.push_back("matmul " + std::to_string(p.m) + "x" + std::to_string(p.n) + "x" +
                    std::to_string(p.k) + (bias ? " bias" : ""));
  }
  void launch(int kernel, const void *const *, size_t inputs, void *const *,
              size_t outputs) override {
    calls.push_back("kernel " + std::to_string(kernel) + " (" + std::to_string(inputs) + ", " +
                    std::to_string(outputs) + ")");
  }
  runtime::Error issue(const std::vector<const void *> &key,
                       const std::function<runtime::Error()> &instructions) override {
    keys.push_back(key);
    calls.push_back("issue");
    runtime::Error e = instructions();
    calls.push_back("issued");
    return e;
  }
  void forget(const void *owner) override { forgotten.push_back(owner); }

  std::vector<std::vector<const void *>> keys;
  std::vector<const void *> forgotten;

private:
  std::list<std::vector<char>> blocks;
};

/// The tiny fine-tuning step (tiny::tinyDescription), compiled, written as a module
/// image and read back, as a runtime sees it.
runtime::Expected<runtime::LoadedModule> tinyModule() {
  MLIRContext context;
  auto module = tiny::compileDescription(context, tiny::tinyDescription("finetune", ""));
  if (!module)
    return runtime::makeError(llvm::toString(module.takeError()));
  auto bytes = serializeModule(**module);
  if (failed(bytes))
    return runtime::makeError("tiny: error: the module could not be written");
  return runtime::parseModule(std::move(*bytes), "tiny.sclm");
}

TEST(CpuExecutor, DispatchThroughTheDeviceInterface) {
  auto loaded = tinyModule();
  ASSERT_TRUE(static_cast<bool>(loaded)) << loaded.errorMessage();
  RecordingDevice device;
  {
    auto variables = runtime::VariableTable::create(*loaded, device);
    ASSERT_TRUE(static_cast<bool>(variables));
    auto predict = runtime::Executor::create(*loaded, "predict", device, **variables);
    ASSERT_TRUE(static_cast<bool>(predict)) << predict.errorMessage();
    std::vector<float> images(4 * 1 * 8 * 8, 0.5f);
    auto results = (*predict)->run({images.data()});
    ASSERT_TRUE(static_cast<bool>(results));
    ASSERT_EQ(results->size(), 1u);
    EXPECT_EQ((*results)[0].size(), 4u * 3u); // [batch, classes]
  }
  // The schedule's instructions, in order, as the Device calls they became, issued as one
  // run the device may record.
  std::vector<std::string> expected = {"stage 0 1024", "issue"};
  auto schedule = runtime::Schedule::create(*loaded, "predict");
  ASSERT_TRUE(static_cast<bool>(schedule));
  for (const runtime::Instruction &i : schedule->instructions()) {
    switch (i.op) {
    case format::Op::Conv2D:
      expected.push_back("conv " + std::to_string(i.convolution.outChannels));
      break;
    case format::Op::Dense:
    case format::Op::Matmul:
      expected.push_back("matmul " + std::to_string(i.product.m) + "x" +
                         std::to_string(i.product.n) + "x" + std::to_string(i.product.k) +
                         (i.inputs.size() == 3 ? " bias" : ""));
      break;
    case format::Op::Kernel:
      expected.push_back("kernel " + std::to_string(i.kernel) + " (" +
                         std::to_string(i.inputs.size()) + ", " +
                         std::to_string(i.outputs.size()) + ")");
      break;
    default:
      FAIL() << "predict has no " << runtime::opName(i.op);
    }
  }
  expected.push_back("issued");
  expected.push_back("download 48");
  std::vector<std::string> run(device.calls.begin(), device.calls.begin() + expected.size());
  EXPECT_EQ(run, expected);
  // The key: the executor, then where its one argument was staged; the executor's
  // recordings are dropped when it goes.
  ASSERT_EQ(device.keys.size(), 1u);
  ASSERT_EQ(device.keys[0].size(), 2u);
  EXPECT_EQ(device.forgotten, std::vector<const void *>{device.keys[0][0]});
  // Everything the executor and the table allocated is given back.
  EXPECT_EQ(std::count(device.calls.begin(), device.calls.end(), "release"),
            std::ptrdiff_t(loaded->root().variables()->size() + 1 +
                           (loaded->root().constants() ? loaded->root().constants()->size() : 0)));
}

// Every run of an executor with its arguments staged at the same place gets the same key
// (what lets a GPU replay a graph); another executor another key; profiling, which waits
// after each instruction, issues with the empty key (never recorded).
TEST(CpuExecutor, RunsOfOneShapeShareTheirRecordingKey) {
  auto loaded = tinyModule();
  ASSERT_TRUE(static_cast<bool>(loaded)) << loaded.errorMessage();
  RecordingDevice device;
  auto variables = runtime::VariableTable::create(*loaded, device);
  ASSERT_TRUE(static_cast<bool>(variables));
  auto first = runtime::Executor::create(*loaded, "predict", device, **variables);
  auto second = runtime::Executor::create(*loaded, "predict", device, **variables);
  ASSERT_TRUE(first && second);
  std::vector<float> images(4 * 1 * 8 * 8, 0.5f), other(4 * 1 * 8 * 8, 0.25f);
  ASSERT_TRUE(static_cast<bool>((*first)->run({images.data()})));
  ASSERT_TRUE(static_cast<bool>((*first)->run({images.data()})));
  ASSERT_TRUE(static_cast<bool>((*second)->run({images.data()})));
  ASSERT_TRUE(static_cast<bool>((*first)->run({other.data()}))); // staged elsewhere
  (*first)->setProfiling(true);
  ASSERT_TRUE(static_cast<bool>((*first)->run({images.data()})));
  ASSERT_EQ(device.keys.size(), 5u);
  EXPECT_EQ(device.keys[0], device.keys[1]);
  EXPECT_NE(device.keys[0], device.keys[2]);
  EXPECT_NE(device.keys[0], device.keys[3]);
  EXPECT_EQ(device.keys[0][0], device.keys[3][0]);
  EXPECT_TRUE(device.keys[4].empty());
}

// "Will it fit": the bytes of a run, by part, are the module's variables (4 bytes an element),
// each entry point's planned arena and the largest entry point's staged arguments; the CUDA
// target adds cuBLASLt's workspace and its kernels' scratch.
TEST(DeviceBytes, CountTheVariablesTheArenasAndTheArguments) {
  auto loaded = tinyModule();
  ASSERT_TRUE(static_cast<bool>(loaded)) << loaded.errorMessage();
  auto cpu = runtime::deviceBytes(*loaded, format::Target::Cpu, {"train_step", "predict"});
  ASSERT_TRUE(static_cast<bool>(cpu)) << cpu.errorMessage();
  size_t variables = 0;
  for (const format::Variable *v : *loaded->root().variables()) {
    size_t count = 1;
    for (int64_t dim : *v->shape())
      count *= size_t(dim);
    variables += 4 * count;
  }
  EXPECT_EQ(cpu->variables, variables);
  ASSERT_EQ(cpu->arenas.size(), 2u);
  size_t largestArguments = 0;
  for (size_t i = 0; i < 2; ++i) {
    auto schedule = runtime::Schedule::create(*loaded, cpu->arenas[i].first);
    ASSERT_TRUE(static_cast<bool>(schedule));
    EXPECT_EQ(cpu->arenas[i].second, size_t(schedule->arenaBytes()) + 16);
    size_t arguments = 0;
    for (const runtime::Operand &a : schedule->arguments())
      arguments += a.bytes();
    largestArguments = std::max(largestArguments, arguments);
  }
  EXPECT_EQ(cpu->arguments, largestArguments);
  EXPECT_EQ(cpu->libraryWorkspace, 0u);
  EXPECT_EQ(cpu->total(), cpu->variables + cpu->constants + cpu->arenas[0].second +
                              cpu->arenas[1].second + cpu->arguments);
  EXPECT_NE(cpu->describe().find("arena of train_step "), std::string::npos) << cpu->describe();

  auto cuda = runtime::deviceBytes(*loaded, format::Target::Cuda, {"train_step"});
  ASSERT_TRUE(static_cast<bool>(cuda));
  EXPECT_EQ(cuda->libraryWorkspace, runtime::kCublasLtWorkspaceBytes);

  auto missing = runtime::deviceBytes(*loaded, format::Target::Cpu, {"no_such_entry"});
  ASSERT_FALSE(static_cast<bool>(missing));
  EXPECT_NE(missing.errorMessage().find("no_such_entry"), std::string::npos)
      << missing.errorMessage();
}

// A device that says the run does not fit stops it before the variables or the arena are
// allocated, and its message is the run's error; it is asked about the entry points the run
// will use.
class RefusingDevice : public RecordingDevice {
public:
  RefusingDevice(std::vector<std::string> &asked, size_t &allocated)
      : asked(asked), allocated(allocated) {}
  runtime::Expected<void *> allocate(size_t bytes) override {
    ++allocated;
    return RecordingDevice::allocate(bytes);
  }
  runtime::Error checkFits(const runtime::LoadedModule &module,
                           const std::vector<std::string> &entries) override {
    asked = entries;
    auto needed = runtime::deviceBytes(module, format::Target::Cpu, entries);
    return runtime::makeError("tiny.sclm: error: the run takes " +
                              runtime::humanBytes(needed ? needed->total() : 0));
  }

private:
  std::vector<std::string> &asked;
  size_t &allocated;
};

TEST(DeviceBytes, ARunThatDoesNotFitIsRefusedBeforeAnythingIsAllocated) {
  auto loaded = tinyModule();
  ASSERT_TRUE(static_cast<bool>(loaded)) << loaded.errorMessage();
  std::vector<std::string> asked;
  size_t allocated = 0;
  runtime::DeviceFactory factory =
      [&](const runtime::LoadedModule &) -> runtime::Expected<std::unique_ptr<runtime::Device>> {
    return std::unique_ptr<runtime::Device>(std::make_unique<RefusingDevice>(asked, allocated));
  };
  runtime::TrainingOptions options;
  std::unique_ptr<runtime::Communicator> alone = runtime::localCommunicator();
  auto state = runtime::prepareRun(*loaded, factory, *alone, options, "finetune", false);
  ASSERT_FALSE(static_cast<bool>(state));
  EXPECT_NE(state.errorMessage().find("tiny.sclm: error: the run takes "), std::string::npos)
      << state.errorMessage();
  EXPECT_EQ(allocated, 0u);
  EXPECT_EQ(asked, std::vector<std::string>{"train_step"});
  // With --eval the run will also hold predict's arena: it is counted.
  options.evaluate = true;
  ASSERT_FALSE(static_cast<bool>(
      runtime::prepareRun(*loaded, factory, *alone, options, "finetune", false)));
  EXPECT_EQ(asked, (std::vector<std::string>{"train_step", "predict"}));
  EXPECT_EQ(allocated, 0u);
}


// A run in three parts: the next run's arguments are staged between this run's launch and
// finish (what lets a GPU copy the next batch while a step computes); one run at a time.
TEST(CpuExecutor, TheNextRunIsStagedWhileThisOneRuns) {
  auto loaded = tinyModule();
  ASSERT_TRUE(static_cast<bool>(loaded)) << loaded.errorMessage();
  RecordingDevice device;
  auto variables = runtime::VariableTable::create(*loaded, device);
  ASSERT_TRUE(static_cast<bool>(variables));
  auto predict = runtime::Executor::create(*loaded, "predict", device, **variables);
  ASSERT_TRUE(static_cast<bool>(predict));
  std::vector<float> first(4 * 1 * 8 * 8, 0.5f), second(4 * 1 * 8 * 8, 0.25f);

  auto a = (*predict)->stage({first.data()});
  ASSERT_TRUE(static_cast<bool>(a));
  EXPECT_EQ(a->where, std::vector<const void *>{first.data()}); // the recording device: in place
  ASSERT_FALSE(static_cast<bool>((*predict)->launch(*a)));
  size_t launched = device.calls.size();
  auto b = (*predict)->stage({second.data()});
  ASSERT_TRUE(static_cast<bool>(b));
  // Staging the next run issued nothing and read nothing back.
  EXPECT_EQ(std::vector<std::string>(device.calls.begin() + launched, device.calls.end()),
            std::vector<std::string>{"stage 0 1024"});
  // One run at a time.
  runtime::Error twice = (*predict)->launch(*b);
  ASSERT_TRUE(static_cast<bool>(twice));
  EXPECT_NE(runtime::toString(twice).find("launched before the last one finished"),
            std::string::npos);
  auto results = (*predict)->finish();
  ASSERT_TRUE(static_cast<bool>(results)) << results.errorMessage();
  EXPECT_EQ(device.calls.back(), "download 48");
  auto none = (*predict)->finish();
  ASSERT_FALSE(static_cast<bool>(none));
  EXPECT_NE(none.errorMessage().find("no run to finish"), std::string::npos);
  // The staged run goes next, with its own arguments (its recording key says where).
  ASSERT_FALSE(static_cast<bool>((*predict)->launch(*b)));
  ASSERT_TRUE(static_cast<bool>((*predict)->finish()));
  ASSERT_EQ(device.keys.size(), 2u);
  EXPECT_EQ(device.keys[0][1], static_cast<const void *>(first.data()));
  EXPECT_EQ(device.keys[1][1], static_cast<const void *>(second.data()));
}

} // namespace

// A step for 2 replicas: each collective is waited for just before the first instruction
// that touches its memory (reads its result, or writes where its operands are), not
// earlier, so that the work in between overlaps it; and not later.
TEST(Schedule, CollectivesAreWaitedForBeforeTheirMemoryIsTouched) {
  MLIRContext context;
  auto description = frontend::parseDescription(
      tiny::tinyDescription("pretrain", "replicas: 2\n"), "tiny2.yaml");
  ASSERT_TRUE(static_cast<bool>(description)) << llvm::toString(description.takeError());
  OwningOpRef<ModuleOp> module = frontend::buildModule(*description, context);
  ASSERT_TRUE(module);
  // Gradient buckets of at most 512 bytes: several, each issued during the backward.
  context.getLoadedDialect<SimclrDialect>()->getBucketBytesAttrHelper().setAttr(
      *module, IntegerAttr::get(IntegerType::get(&context, 64), 512));
  ASSERT_TRUE(succeeded(compileTrainingStep(*module)));
  auto bytes = serializeModule(*module);
  ASSERT_TRUE(succeeded(bytes));
  auto loaded = runtime::parseModule(std::move(*bytes), "tiny2.sclm");
  ASSERT_TRUE(static_cast<bool>(loaded)) << loaded.errorMessage();
  EXPECT_EQ(loaded->replicas(), 2);
  auto schedule = runtime::Schedule::create(*loaded, "train_step");
  ASSERT_TRUE(static_cast<bool>(schedule)) << schedule.errorMessage();
  const std::vector<runtime::Instruction> &steps = schedule->instructions();
  auto shares = [](const runtime::Operand &a, const runtime::Operand &b) {
    if (a.kind != b.kind)
      return false;
    if (a.kind != runtime::Operand::Kind::Arena)
      return a.index == b.index;
    return a.offset < b.offset + int64_t(b.bytes()) && b.offset < a.offset + int64_t(a.bytes());
  };
  auto touches = [&](const runtime::Instruction &collective, const runtime::Instruction &other) {
    for (const auto *mine : {&collective.inputs, &collective.outputs})
      for (const runtime::Operand &m : *mine)
        for (const auto *theirs : {&other.inputs, &other.outputs})
          for (const runtime::Operand &t : *theirs)
            if (shares(m, t))
              return true;
    return false;
  };
  int collectives = 0, overlapping = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    const runtime::Instruction &c = steps[i];
    if (c.op != format::Op::AllReduce && c.op != format::Op::AllGather &&
        c.op != format::Op::ReduceScatter)
      continue;
    collectives += 1;
    ASSERT_GT(c.waitBefore, i) << c.what;
    ASSERT_LT(c.waitBefore, steps.size()) << c.what << ": its result is read";
    EXPECT_TRUE(touches(c, steps[c.waitBefore])) << c.what;
    for (size_t j = i + 1; j < c.waitBefore; ++j)
      EXPECT_FALSE(touches(c, steps[j])) << c.what << " and " << steps[j].what;
    overlapping += c.waitBefore > i + 1;
  }
  // 2 gathers, 2 reduce-scatters, 3 sums for each of the 8 batch norms (6 in the backbone,
  // 2 in the head), and the gradient buckets, of which all but the last overlap the rest
  // of the backward.
  EXPECT_GT(collectives, 2 + 2 + 3 * 8 + 2);
  EXPECT_GT(overlapping, 1);
}
