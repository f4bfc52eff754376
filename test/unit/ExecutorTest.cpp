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
#include "runtime/exec/Executor.h"
#include "targets/module/Writer.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <cstring>
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

} // namespace
