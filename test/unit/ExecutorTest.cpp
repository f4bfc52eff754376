//===- ExecutorTest.cpp - the CPU executor vs the reference evaluator -----===//
//
// Two consecutive training steps of small networks (pretraining, fine-tuning, linear
// evaluation, distillation), compiled by simclr-training-step, written to a module image,
// verified, and run from it by the float32 CPU executor (oneDNN + the module's kernels
// built by the host compiler + planned arena), against the float64 reference evaluator
// from the same initial state: metrics of both steps and every parameter, velocity and
// running statistic afterwards. Also: checkpoints in and out of the executor, and the
// executor's checks of a module's instructions.
//
//===----------------------------------------------------------------------===//

#include "TinyModels.h"
#include "runtime/cpu/Executor.h"
#include "runtime/cpu/KernelBuild.h"
#include "targets/module/Writer.h"
#include "reference/Evaluator.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

#include <random>

using namespace mlir;
using namespace mlir::simclr;
using reference::Array;

namespace {

/// A compiled module's entry point, through the module format, ready to run.
struct Compiled {
  std::unique_ptr<cpu::LoadedKernels> kernels;
  std::unique_ptr<cpu::Executor> executor;
};

llvm::Expected<Compiled> executorFor(ModuleOp module, llvm::StringRef entry = "train_step") {
  auto bytes = serializeModule(module);
  if (failed(bytes))
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "serialisation failed");
  auto loaded = runtime::parseModule(std::move(*bytes), "tiny.sclm");
  if (!loaded)
    return loaded.takeError();
  Compiled c;
  auto kernels = cpu::buildModuleKernels(*loaded);
  if (!kernels)
    return kernels.takeError();
  c.kernels = std::move(*kernels);
  auto executor = cpu::Executor::create(*loaded, entry, c.kernels->functions);
  if (!executor)
    return executor.takeError();
  c.executor = std::move(*executor);
  return std::move(c);
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
  auto module = tiny::compileTiny(context, selectiveKernels
                                               ? tiny::tinySkDescription(stage, optimizer)
                                               : tiny::tinyDescription(stage, optimizer));
  ASSERT_TRUE(module);

  auto compiled = executorFor(*module);
  ASSERT_TRUE(static_cast<bool>(compiled)) << llvm::toString(compiled.takeError());
  auto *executor = &compiled->executor;
  ASSERT_FALSE(static_cast<bool>((*executor)->initialize(3)));

  reference::Evaluator evaluator(*module);
  for (auto &[name, values] : (*executor)->variables)
    evaluator.variables[name] = Array(
        llvm::cast<RankedTensorType>(
            SymbolTable::lookupSymbolIn(*module, name)->getAttrOfType<TypeAttr>("type").getValue())
            .getShape()
            .vec(),
        std::vector<double>(values.begin(), values.end()));

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
    ASSERT_TRUE(static_cast<bool>(got)) << llvm::toString(got.takeError());
    auto want = evaluator.run("train_step", arrays);
    ASSERT_TRUE(static_cast<bool>(want)) << llvm::toString(want.takeError());
    ASSERT_EQ(got->size(), want->size());
    for (size_t r = 0; r < got->size(); ++r)
      EXPECT_LT(relativeError((*got)[r], (*want)[r].data), 1e-4) << "result " << r;
  }
  int compared = 0;
  for (auto &[name, values] : (*executor)->variables) {
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

// A checkpoint out of one executor restores another exactly; under a prefix it fills a
// distillation teacher; optimizer state only when asked.
TEST(CpuExecutor, CheckpointsRoundTrip) {
  MLIRContext context;
  auto finetune = tiny::compileTiny(context, tiny::tinyDescription("finetune", ""));
  ASSERT_TRUE(finetune);
  auto a = executorFor(*finetune), b = executorFor(*finetune);
  ASSERT_TRUE(static_cast<bool>(a)) << llvm::toString(a.takeError());
  ASSERT_TRUE(static_cast<bool>(b)) << llvm::toString(b.takeError());
  ASSERT_FALSE(static_cast<bool>(a->executor->initialize(3)));
  ASSERT_FALSE(static_cast<bool>(b->executor->initialize(4)));
  for (auto &[name, values] : a->executor->variables) // velocities start at zero: set them
    for (size_t i = 0; i < values.size(); ++i)
      values[i] += 0.25f * float(i % 7);
  runtime::TensorMap saved = a->executor->saveVariables();
  ASSERT_EQ(saved.size(), a->executor->variables.size());

  auto missing = b->executor->loadVariables(saved, "a.safetensors");
  ASSERT_TRUE(static_cast<bool>(missing)) << llvm::toString(missing.takeError());
  EXPECT_TRUE(missing->empty());
  int velocities = 0;
  for (auto &[name, values] : b->executor->variables) {
    bool velocity = llvm::StringRef(name).starts_with("velocity.");
    velocities += velocity;
    EXPECT_EQ(values == a->executor->variables[name], !velocity) << name;
  }
  EXPECT_GT(velocities, 0);
  missing = b->executor->loadVariables(saved, "a.safetensors", "", /*optimizerState=*/true);
  ASSERT_TRUE(static_cast<bool>(missing));
  EXPECT_EQ(b->executor->variables, a->executor->variables);

  auto distill = tiny::compileTiny(context, tiny::tinyDescription("distill", ""));
  ASSERT_TRUE(distill);
  auto d = executorFor(*distill);
  ASSERT_TRUE(static_cast<bool>(d)) << llvm::toString(d.takeError());
  missing = d->executor->loadVariables(saved, "a.safetensors", "teacher.");
  ASSERT_TRUE(static_cast<bool>(missing)) << llvm::toString(missing.takeError());
  int teacher = 0;
  for (auto &[name, values] : d->executor->variables)
    if (llvm::StringRef(name).starts_with("teacher.")) {
      ++teacher;
      EXPECT_EQ(values, a->executor->variables[name.substr(8)]) << name;
    }
  EXPECT_GT(teacher, 0);

  saved.begin()->second.shape.push_back(1); // another network's tensor
  auto wrong = b->executor->loadVariables(saved, "a.safetensors");
  ASSERT_FALSE(static_cast<bool>(wrong));
  EXPECT_NE(llvm::toString(wrong.takeError()).find("a.safetensors: error: tensor '"),
            std::string::npos);
}

// The evaluation entry points (embed, predict) are compiled too and run on the CPU
// runtime: the same features and logits as the reference evaluator, from the same weights.
TEST(CpuExecutor, EvaluationEntryPoints) {
  MLIRContext context;
  for (auto [stage, entry] : {std::pair<const char *, llvm::StringRef>{"pretrain", "embed"},
                              {"finetune", "predict"}}) {
    SCOPED_TRACE(entry.str());
    auto module = tiny::compileTiny(context, tiny::tinyDescription(stage, ""));
    ASSERT_TRUE(module);
    auto compiled = executorFor(*module, entry);
    ASSERT_TRUE(static_cast<bool>(compiled)) << llvm::toString(compiled.takeError());
    cpu::Executor &executor = *compiled->executor;
    ASSERT_FALSE(static_cast<bool>(executor.initialize(5)));
    reference::Evaluator evaluator(*module);
    for (auto &[name, values] : executor.variables)
      evaluator.variables[name] = Array(
          llvm::cast<RankedTensorType>(SymbolTable::lookupSymbolIn(*module, name)
                                           ->getAttrOfType<TypeAttr>("type")
                                           .getValue())
              .getShape()
              .vec(),
          std::vector<double>(values.begin(), values.end()));
    auto func = module->lookupSymbol<func::FuncOp>(entry);
    ASSERT_TRUE(func);
    auto type = llvm::cast<RankedTensorType>(func.getArgument(0).getType());
    Array images(type.getShape().vec());
    std::mt19937 rng(4);
    std::normal_distribution<float> normal;
    for (double &v : images.data)
      v = normal(rng);
    std::vector<float> input(images.data.begin(), images.data.end());
    auto got = executor.run({input.data()});
    ASSERT_TRUE(static_cast<bool>(got)) << llvm::toString(got.takeError());
    auto want = evaluator.run(entry, {images});
    ASSERT_TRUE(static_cast<bool>(want)) << llvm::toString(want.takeError());
    ASSERT_EQ(got->size(), want->size());
    for (size_t r = 0; r < got->size(); ++r) {
      EXPECT_EQ((*got)[r].size(), (*want)[r].data.size());
      EXPECT_LT(relativeError((*got)[r], (*want)[r].data), 1e-4) << "result " << r;
    }
  }
}

// Variables may be replaced wholesale between runs (a copy of another executor's, as an
// evaluation after training does): runs use the new values, whatever became of the old
// storage.
TEST(CpuExecutor, VariablesMayBeReassigned) {
  MLIRContext context;
  auto module = tiny::compileTiny(context, tiny::tinyDescription("finetune", ""));
  ASSERT_TRUE(module);
  auto a = executorFor(*module, "predict"), b = executorFor(*module, "predict");
  ASSERT_TRUE(static_cast<bool>(a)) << llvm::toString(a.takeError());
  ASSERT_TRUE(static_cast<bool>(b)) << llvm::toString(b.takeError());
  ASSERT_FALSE(static_cast<bool>(a->executor->initialize(3)));
  ASSERT_FALSE(static_cast<bool>(b->executor->initialize(4)));
  for (auto &[name, values] : a->executor->variables) // distinct values everywhere
    for (size_t i = 0; i < values.size(); ++i)
      values[i] += 0.01f * float((i + name.size()) % 13);
  auto type = llvm::cast<RankedTensorType>(
      module->lookupSymbol<func::FuncOp>("predict").getArgument(0).getType());
  std::vector<float> images(type.getNumElements());
  for (size_t i = 0; i < images.size(); ++i)
    images[i] = float(i % 17) / 17.f;
  auto before = b->executor->run({images.data()}); // b's storage is in use
  ASSERT_TRUE(static_cast<bool>(before));
  b->executor->variables = a->executor->variables;
  auto want = a->executor->run({images.data()}), got = b->executor->run({images.data()});
  ASSERT_TRUE(static_cast<bool>(want) && static_cast<bool>(got));
  EXPECT_EQ(*got, *want);
  b->executor->variables.erase(b->executor->variables.begin());
  auto missing = b->executor->run({images.data()});
  ASSERT_FALSE(static_cast<bool>(missing));
  EXPECT_NE(llvm::toString(missing.takeError()).find("is missing or has another size"),
            std::string::npos);
}

} // namespace
