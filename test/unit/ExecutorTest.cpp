//===- ExecutorTest.cpp - the executor core on the CPU vs the reference ---===//
//
// Two consecutive training steps of small networks (pretraining, fine-tuning, linear
// evaluation, distillation), compiled by simclr-training-step, written to a module image,
// verified, and run from it by the executor core on the CPU device (oneDNN + the
// module's kernels built by the host compiler + planned arena), against the float64
// reference evaluator from the same initial state: metrics of both steps and every
// parameter, velocity and running statistic afterwards. Also: checkpoints in and out of
// the variable table by role, and evaluation entry points sharing the trained variables.
//
//===----------------------------------------------------------------------===//

#include "OrFail.h"
#include "TestModels.h"
#include "reference/Evaluator.h"
#include "runtime/cpu/CpuDevice.h"
#include "runtime/exec/DeviceBytes.h"
#include "runtime/exec/Executor.h"
#include "runtime/train/RunState.h"
#include "targets/module/Writer.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <cstring>
#include <list>
#include <random>

using namespace mlir;
using namespace mlir::simclr;
using reference::Array;
using Role = format::VariableRole;

namespace {

/// A compiled module on the CPU device: its variables, and executors of its entry points.
struct Compiled {
  std::unique_ptr<runtime::LoadedModule> module;
  std::unique_ptr<runtime::Device> device;
  std::unique_ptr<runtime::VariableTable> variables;

  runtime::Expected<std::unique_ptr<runtime::Executor>> executor(const std::string &entry) {
    return runtime::Executor::create(*module, entry, *device, *variables);
  }
  /// Every variable's values, by name.
  std::map<std::string, std::vector<float>> values() const {
    std::map<std::string, std::vector<float>> all;
    for (const auto &v : variables->variables())
      all[v.name] = variables->values(v.name);
    return all;
  }
};

/// `module` through the module format onto the CPU device, with fresh variables.
runtime::Expected<Compiled> compiledOnCpu(ModuleOp module) {
  auto bytes = serializeModule(module);
  if (failed(bytes))
    return runtime::makeError("serialisation failed");
  auto loaded = runtime::parseModule(std::move(*bytes), "tiny.sclm");
  if (!loaded)
    return loaded.takeError();
  Compiled c;
  c.module = std::make_unique<runtime::LoadedModule>(std::move(*loaded));
  auto device = cpu::cpuDeviceBuildingKernels()(*c.module);
  if (!device)
    return device.takeError();
  c.device = std::move(*device);
  auto variables = runtime::VariableTable::create(*c.module, *c.device);
  if (!variables)
    return variables.takeError();
  c.variables = std::move(*variables);
  return c;
}

/// The evaluator with the same variables as `compiled`.
void copyVariables(const Compiled &compiled, ModuleOp module, reference::Evaluator &evaluator) {
  for (auto &[name, values] : compiled.values())
    evaluator.variables[name] = Array(
        llvm::cast<RankedTensorType>(
            SymbolTable::lookupSymbolIn(module, name)->getAttrOfType<TypeAttr>("type").getValue())
            .getShape()
            .vec(),
        std::vector<double>(values.begin(), values.end()));
}

double relativeError(const std::vector<float> &got, const std::vector<double> &want) {
  double scale = 1.0, error = 0.0;
  for (double v : want)
    scale = std::max(scale, std::fabs(v));
  for (size_t i = 0; i < got.size(); ++i)
    error = std::max(error, std::fabs(got[i] - want[i]));
  return error / scale;
}

void checkStage(const std::string &stage, bool selectiveKernels = false) {
  SCOPED_TRACE(stage);
  MLIRContext context;
  const char *optimizer = "optimizer: {weight_decay: 0.001, learning_rate: 0.5}\n";
  auto module = test::orFail(tiny::compileDescription(context, selectiveKernels
                                               ? tiny::tinySkDescription(stage, optimizer)
                                               : tiny::tinyDescription(stage, optimizer)));
  ASSERT_TRUE(module);

  auto compiled = compiledOnCpu(*module);
  ASSERT_TRUE(static_cast<bool>(compiled)) << compiled.errorMessage();
  auto executor = compiled->executor("train_step");
  ASSERT_TRUE(static_cast<bool>(executor)) << executor.errorMessage();
  ASSERT_FALSE(static_cast<bool>(compiled->variables->initialize(3)));

  reference::Evaluator evaluator(*module);
  copyVariables(*compiled, *module, evaluator);

  auto step = module->lookupSymbol<func::FuncOp>("train_step");
  std::mt19937 rng(9);
  std::normal_distribution<float> normal;
  for (int iteration = 0; iteration < 2; ++iteration) {
    SCOPED_TRACE("step " + std::to_string(iteration));
    std::vector<std::vector<float>> floats;
    std::vector<std::vector<int32_t>> ints;
    std::vector<const void *> args;
    std::vector<Array> arrays;
    float schedule[3] = {float(iteration + 1), 2.f, 10.f}; // step, warmup, total
    for (auto [i, arg] : llvm::enumerate(step.getArguments())) {
      auto type = llvm::cast<RankedTensorType>(arg.getType());
      Array a(type.getShape().vec());
      bool labels = type.getElementType().isInteger(32);
      size_t scheduleIndex = i + 3 - step.getNumArguments();
      for (double &v : a.data)
        v = labels ? double(rng() % 3)
            : type.getRank() == 0 ? schedule[scheduleIndex]
                                  : double(normal(rng));
      arrays.push_back(a);
      if (labels) {
        ints.emplace_back(a.data.begin(), a.data.end());
        args.push_back(ints.back().data());
      } else {
        floats.emplace_back(a.data.begin(), a.data.end());
        args.push_back(floats.back().data());
      }
    }
    auto got = (*executor)->run(args);
    ASSERT_TRUE(static_cast<bool>(got)) << got.errorMessage();
    auto want = evaluator.run("train_step", arrays);
    ASSERT_TRUE(static_cast<bool>(want)) << llvm::toString(want.takeError());
    ASSERT_EQ(got->size(), want->size());
    for (size_t r = 0; r < got->size(); ++r)
      EXPECT_LT(relativeError((*got)[r], (*want)[r].data), 1e-4) << "result " << r;
  }
  int compared = 0;
  for (auto &[name, values] : compiled->values()) {
    EXPECT_LT(relativeError(values, evaluator.variables[name].data), 1e-4) << name;
    ++compared;
  }
  EXPECT_GT(compared, 0);
}

TEST(CpuExecutor, PretrainingSteps) { checkStage("pretrain"); }
TEST(CpuExecutor, FinetuningSteps) { checkStage("finetune"); }
TEST(CpuExecutor, LinearEvaluationSteps) { checkStage("linear_eval"); }
TEST(CpuExecutor, DistillationSteps) { checkStage("distill"); }
TEST(CpuExecutor, SelectiveKernelPretrainingSteps) { checkStage("pretrain", true); }

// A checkpoint out of one table restores another exactly; optimizer state only when its
// role is asked for; a distillation teacher takes a fine-tuned network's weights by its own
// names; a tensor of another shape is refused.
TEST(CpuExecutor, CheckpointsRoundTrip) {
  MLIRContext context;
  auto finetune = test::orFail(tiny::compileDescription(context, tiny::tinyDescription("finetune", "")));
  ASSERT_TRUE(finetune);
  auto a = compiledOnCpu(*finetune), b = compiledOnCpu(*finetune);
  ASSERT_TRUE(static_cast<bool>(a)) << a.errorMessage();
  ASSERT_TRUE(static_cast<bool>(b)) << b.errorMessage();
  ASSERT_FALSE(static_cast<bool>(a->variables->initialize(3)));
  ASSERT_FALSE(static_cast<bool>(b->variables->initialize(4)));
  for (auto &[name, values] : a->values()) { // velocities start at zero: set them
    for (size_t i = 0; i < values.size(); ++i)
      values[i] += 0.25f * float(i % 7);
    ASSERT_FALSE(static_cast<bool>(a->variables->setValues(name, values)));
  }
  runtime::TensorMap saved = a->variables->save();
  ASSERT_EQ(saved.size(), a->variables->variables().size());

  auto missing = b->variables->load(saved, "a.safetensors", {Role::Model});
  ASSERT_TRUE(static_cast<bool>(missing)) << missing.errorMessage();
  EXPECT_TRUE(missing->empty());
  int velocities = 0;
  auto bValues = b->values(), aValues = a->values();
  for (const auto &v : b->variables->variables()) {
    bool velocity = v.role == Role::Optimizer;
    EXPECT_EQ(velocity, llvm::StringRef(v.name).starts_with("velocity.")) << v.name;
    velocities += velocity;
    EXPECT_EQ(bValues[v.name] == aValues[v.name], !velocity) << v.name;
  }
  EXPECT_GT(velocities, 0);
  missing = b->variables->load(saved, "a.safetensors", {Role::Model, Role::Optimizer});
  ASSERT_TRUE(static_cast<bool>(missing));
  EXPECT_EQ(b->values(), a->values());

  auto distill = test::orFail(tiny::compileDescription(context, tiny::tinyDescription("distill", "")));
  ASSERT_TRUE(distill);
  auto d = compiledOnCpu(*distill);
  ASSERT_TRUE(static_cast<bool>(d)) << d.errorMessage();
  missing = d->variables->load(saved, "a.safetensors", {Role::Teacher},
                               runtime::VariableTable::Naming::OwnNetwork);
  ASSERT_TRUE(static_cast<bool>(missing)) << missing.errorMessage();
  EXPECT_TRUE(missing->empty());
  int teacher = 0;
  auto dValues = d->values();
  for (const auto &v : d->variables->variables())
    if (v.role == Role::Teacher) {
      ++teacher;
      EXPECT_EQ(v.key, v.name.substr(8));
      EXPECT_EQ(dValues[v.name], aValues[v.key]) << v.name;
    }
  EXPECT_GT(teacher, 0);
  // A run's own checkpoint (--resume) names the teacher's variables as the run saved them.
  missing = d->variables->load(d->variables->save(), "d.safetensors", {Role::Teacher});
  ASSERT_TRUE(static_cast<bool>(missing) && missing->empty());
  EXPECT_EQ(d->values(), dValues);

  saved.begin()->second.shape.push_back(1); // another network's tensor
  auto wrong = b->variables->load(saved, "a.safetensors", {Role::Model});
  ASSERT_FALSE(static_cast<bool>(wrong));
  EXPECT_NE(wrong.errorMessage().find("a.safetensors: error: tensor '"), std::string::npos);
  EXPECT_NE(b->variables->setValues("conv1.weight", {1.f}).message().find("has 36 elements, not 1"),
            std::string::npos);
  EXPECT_NE(b->variables->setValues("nothing", {}).message().find("no variable 'nothing'"),
            std::string::npos);
}

// The evaluation entry points (embed, predict) are compiled too and run on the CPU
// runtime: the same features and logits as the reference evaluator, from the same weights.
TEST(CpuExecutor, EvaluationEntryPoints) {
  MLIRContext context;
  for (auto [stage, entry] : {std::pair<const char *, std::string>{"pretrain", "embed"},
                              {"finetune", "predict"}}) {
    SCOPED_TRACE(entry);
    auto module = test::orFail(tiny::compileDescription(context, tiny::tinyDescription(stage, "")));
    ASSERT_TRUE(module);
    auto compiled = compiledOnCpu(*module);
    ASSERT_TRUE(static_cast<bool>(compiled)) << compiled.errorMessage();
    auto executor = compiled->executor(entry);
    ASSERT_TRUE(static_cast<bool>(executor)) << executor.errorMessage();
    ASSERT_FALSE(static_cast<bool>(compiled->variables->initialize(5)));
    reference::Evaluator evaluator(*module);
    copyVariables(*compiled, *module, evaluator);
    auto func = module->lookupSymbol<func::FuncOp>(entry);
    ASSERT_TRUE(func);
    auto type = llvm::cast<RankedTensorType>(func.getArgument(0).getType());
    Array images(type.getShape().vec());
    std::mt19937 rng(4);
    std::normal_distribution<float> normal;
    for (double &v : images.data)
      v = normal(rng);
    std::vector<float> input(images.data.begin(), images.data.end());
    auto got = (*executor)->run({input.data()});
    ASSERT_TRUE(static_cast<bool>(got)) << got.errorMessage();
    auto want = evaluator.run(entry, {images});
    ASSERT_TRUE(static_cast<bool>(want)) << llvm::toString(want.takeError());
    ASSERT_EQ(got->size(), want->size());
    for (size_t r = 0; r < got->size(); ++r) {
      EXPECT_EQ((*got)[r].size(), (*want)[r].data.size());
      EXPECT_LT(relativeError((*got)[r], (*want)[r].data), 1e-4) << "result " << r;
    }
    // A run with the wrong number of arguments is an error, not a crash.
    EXPECT_EQ((*executor)->run({}).errorMessage(),
              "error: entry point '" + entry + "' takes 1 arguments, got 0");
  }
}

// The executors of one module share its variables: an evaluation after training steps
// reads the weights the steps wrote, in place, without a copy.
TEST(CpuExecutor, EntryPointsShareTheVariables) {
  MLIRContext context;
  auto module = test::orFail(tiny::compileDescription(context, tiny::tinyDescription("finetune", "")));
  ASSERT_TRUE(module);
  auto compiled = compiledOnCpu(*module);
  ASSERT_TRUE(static_cast<bool>(compiled)) << compiled.errorMessage();
  auto step = compiled->executor("train_step"), predict = compiled->executor("predict");
  ASSERT_TRUE(static_cast<bool>(step) && static_cast<bool>(predict));
  ASSERT_FALSE(static_cast<bool>(compiled->variables->initialize(3)));
  auto type = llvm::cast<RankedTensorType>(
      module->lookupSymbol<func::FuncOp>("predict").getArgument(0).getType());
  std::vector<float> images(type.getNumElements());
  for (size_t i = 0; i < images.size(); ++i)
    images[i] = float(i % 17) / 17.f;
  auto before = (*predict)->run({images.data()});
  ASSERT_TRUE(static_cast<bool>(before));

  // One fine-tuning step at a large learning rate changes the weights.
  std::vector<int32_t> labels(4, 1);
  float number = 1, warmup = 0, total = 10;
  auto metrics = (*step)->run({images.data(), labels.data(), &number, &warmup, &total});
  ASSERT_TRUE(static_cast<bool>(metrics)) << metrics.errorMessage();
  auto after = (*predict)->run({images.data()});
  ASSERT_TRUE(static_cast<bool>(after));
  EXPECT_NE(*after, *before);

  // The same weights in a second table give the same logits: the evaluation read the
  // updated weights, nothing else.
  auto copy = compiledOnCpu(*module);
  ASSERT_TRUE(static_cast<bool>(copy));
  auto missing = copy->variables->load(compiled->variables->save(), "trained",
                                       {Role::Model, Role::Optimizer});
  ASSERT_TRUE(static_cast<bool>(missing) && missing->empty());
  auto again = copy->executor("predict");
  ASSERT_TRUE(static_cast<bool>(again));
  auto same = (*again)->run({images.data()});
  ASSERT_TRUE(static_cast<bool>(same));
  EXPECT_EQ(*same, *after);
}

// A device that records what the executor asks of it: the core's dispatch (operands
// resolved once, arguments staged, library calls, launches, stores, results read back)
// seen through the Device interface alone.
class RecordingDevice : public runtime::Device {
public:
  std::vector<std::string> calls;
  const char *name() const override { return "recording"; }
  runtime::Expected<void *> allocate(size_t bytes) override {
    ++allocations;
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
  size_t allocations = 0;

private:
  std::list<std::vector<char>> blocks;
};

TEST(CpuExecutor, DispatchThroughTheDeviceInterface) {
  MLIRContext context;
  auto module = test::orFail(tiny::compileDescription(context, tiny::tinyDescription("finetune", "")));
  ASSERT_TRUE(module);
  auto bytes = serializeModule(*module);
  ASSERT_TRUE(succeeded(bytes));
  auto loaded = runtime::parseModule(std::move(*bytes), "tiny.sclm");
  ASSERT_TRUE(static_cast<bool>(loaded));
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
// after each instruction, issues directly.
TEST(CpuExecutor, RunsOfOneShapeShareTheirRecordingKey) {
  MLIRContext context;
  auto module = test::orFail(tiny::compileDescription(context, tiny::tinyDescription("finetune", "")));
  ASSERT_TRUE(module);
  auto bytes = serializeModule(*module);
  ASSERT_TRUE(succeeded(bytes));
  auto loaded = runtime::parseModule(std::move(*bytes), "tiny.sclm");
  ASSERT_TRUE(static_cast<bool>(loaded));
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
  ASSERT_EQ(device.keys.size(), 4u);
  EXPECT_EQ(device.keys[0], device.keys[1]);
  EXPECT_NE(device.keys[0], device.keys[2]);
  EXPECT_NE(device.keys[0], device.keys[3]);
  EXPECT_EQ(device.keys[0][0], device.keys[3][0]);
}

// "Will it fit": the bytes of a run, by part, are the module's variables (4 bytes an element),
// each entry point's planned arena and the largest entry point's staged arguments; the CUDA
// target adds cuBLASLt's workspace and its kernels' scratch.
TEST(DeviceBytes, CountTheVariablesTheArenasAndTheArguments) {
  MLIRContext context;
  auto module = test::orFail(tiny::compileDescription(context, tiny::tinyDescription("finetune", "")));
  ASSERT_TRUE(module);
  auto bytes = serializeModule(*module);
  ASSERT_TRUE(succeeded(bytes));
  auto loaded = runtime::parseModule(std::move(*bytes), "tiny.sclm");
  ASSERT_TRUE(static_cast<bool>(loaded));
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
// allocated, and its message is the run's error.
class RefusingDevice : public RecordingDevice {
public:
  RefusingDevice(size_t &asked, size_t &allocated) : asked(asked), allocated(allocated) {}
  runtime::Expected<void *> allocate(size_t bytes) override {
    ++allocated;
    return RecordingDevice::allocate(bytes);
  }
  runtime::Error checkFits(const runtime::DeviceBytes &needed) override {
    asked = needed.total();
    return runtime::makeError("tiny.sclm: error: the run takes " +
                              runtime::humanBytes(needed.total()));
  }

private:
  size_t &asked, &allocated;
};

TEST(DeviceBytes, ARunThatDoesNotFitIsRefusedBeforeAnythingIsAllocated) {
  MLIRContext context;
  auto module = test::orFail(tiny::compileDescription(context, tiny::tinyDescription("finetune", "")));
  ASSERT_TRUE(module);
  auto bytes = serializeModule(*module);
  ASSERT_TRUE(succeeded(bytes));
  auto loaded = runtime::parseModule(std::move(*bytes), "tiny.sclm");
  ASSERT_TRUE(static_cast<bool>(loaded));
  size_t asked = 0, allocated = 0;
  runtime::DeviceFactory factory =
      [&](const runtime::LoadedModule &) -> runtime::Expected<std::unique_ptr<runtime::Device>> {
    return std::unique_ptr<runtime::Device>(std::make_unique<RefusingDevice>(asked, allocated));
  };
  runtime::TrainingOptions options;
  auto state = runtime::prepareRun(*loaded, factory, options, "finetune", false);
  ASSERT_FALSE(static_cast<bool>(state));
  EXPECT_NE(state.errorMessage().find("tiny.sclm: error: the run takes "), std::string::npos)
      << state.errorMessage();
  EXPECT_EQ(allocated, 0u);
  auto step = runtime::deviceBytes(*loaded, format::Target::Cpu, {"train_step"});
  ASSERT_TRUE(static_cast<bool>(step));
  EXPECT_EQ(asked, step->total());
}

} // namespace

namespace {

// A run in three parts: the next run's arguments are staged between this run's launch and
// finish (what lets a GPU copy the next batch while a step computes); one run at a time.
TEST(CpuExecutor, TheNextRunIsStagedWhileThisOneRuns) {
  MLIRContext context;
  auto module = test::orFail(tiny::compileDescription(context, tiny::tinyDescription("finetune", "")));
  ASSERT_TRUE(module);
  auto bytes = serializeModule(*module);
  ASSERT_TRUE(succeeded(bytes));
  auto loaded = runtime::parseModule(std::move(*bytes), "tiny.sclm");
  ASSERT_TRUE(static_cast<bool>(loaded));
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
