//===- ModelBuilderTest.cpp - descriptions -> simclr dialect ---------------===//

#include "dialects/simclr/IR/SimclrOps.h"
#include "frontend/Description.h"
#include "frontend/ModelBuilder.h"
#include "passes/ModelStats.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

using namespace mlir;
using namespace mlir::simclr::frontend;

namespace {

struct Built {
  std::unique_ptr<MLIRContext> context = std::make_unique<MLIRContext>();
  OwningOpRef<ModuleOp> module;
};

Built build(const std::string &path) {
  Built built;
  auto desc = parseDescriptionFile(path);
  if (!desc) {
    ADD_FAILURE() << llvm::toString(desc.takeError());
    return built;
  }
  built.module = buildModule(*desc, *built.context);
  EXPECT_TRUE(built.module) << path;
  return built;
}

std::map<std::string, std::vector<int64_t>> parameterShapes(ModuleOp module,
                                                            llvm::StringRef group) {
  std::map<std::string, std::vector<int64_t>> shapes;
  for (auto param : module.getOps<mlir::simclr::ParameterOp>())
    if (param.getGroup() == group) {
      auto type = llvm::cast<RankedTensorType>(param.getType());
      shapes[param.getSymName().str()] = std::vector<int64_t>(type.getShape());
    }
  return shapes;
}

TEST(ModelBuilder, ResNet50MatchesTorchvisionNamesAndShapes) {
  Built built = build(SIMCLR_EXAMPLES_DIR "/imagenet/r50_1x_sk0.yaml");
  ASSERT_TRUE(built.module);
  auto backbone = parameterShapes(*built.module, "backbone");
  // torchvision's resnet50 has 161 parameters; without fc.weight and fc.bias, 159.
  EXPECT_EQ(backbone.size(), 159u);
  const std::map<std::string, std::vector<int64_t>> expected = {
      {"conv1.weight", {64, 3, 7, 7}},
      {"bn1.weight", {64}},
      {"bn1.bias", {64}},
      {"layer1.0.conv1.weight", {64, 64, 1, 1}},
      {"layer1.0.conv2.weight", {64, 64, 3, 3}},
      {"layer1.0.conv3.weight", {256, 64, 1, 1}},
      {"layer1.0.downsample.0.weight", {256, 64, 1, 1}},
      {"layer1.0.downsample.1.bias", {256}},
      {"layer2.0.conv2.weight", {128, 128, 3, 3}},
      {"layer2.3.bn3.weight", {512}},
      {"layer3.5.conv1.weight", {256, 1024, 1, 1}},
      {"layer4.0.downsample.0.weight", {2048, 1024, 1, 1}},
      {"layer4.2.conv3.weight", {2048, 512, 1, 1}},
      {"layer4.2.bn3.bias", {2048}},
  };
  for (const auto &[name, shape] : expected) {
    ASSERT_TRUE(backbone.count(name)) << name;
    EXPECT_EQ(backbone[name], shape) << name;
  }
  // Two running statistics for each of the 53 backbone batch norms and the 3 head ones.
  auto states = built.module->getOps<mlir::simclr::StateOp>();
  EXPECT_EQ(std::distance(states.begin(), states.end()), 2 * (53 + 3));

  mlir::simclr::ModelStats stats = mlir::simclr::computeModelStats(*built.module);
  EXPECT_EQ(stats.backboneParameters, 23508032);
  EXPECT_EQ(stats.backboneMacsPerImage, 4087136256);
}

TEST(ModelBuilder, LastBatchNormOfEachBlockStartsAtZero) {
  Built built = build(SIMCLR_EXAMPLES_DIR "/imagenet/r50_1x_sk1.yaml");
  ASSERT_TRUE(built.module);
  int zeroGammas = 0;
  for (auto param : built.module->getOps<mlir::simclr::ParameterOp>()) {
    llvm::StringRef name = param.getSymName();
    bool lastBn = name.ends_with(".bn3.weight");
    bool gamma = name.ends_with(".weight") &&
                 llvm::cast<RankedTensorType>(param.getType()).getRank() == 1;
    if (gamma && param.getInit() == "zeros") {
      ++zeroGammas;
      EXPECT_TRUE(lastBn) << name.str();
    }
    if (lastBn) {
      EXPECT_EQ(param.getInit(), "zeros") << name.str();
    }
  }
  EXPECT_EQ(zeroGammas, 3 + 4 + 6 + 3);
}

TEST(ModelBuilder, StepFunctionsFollowTheStage) {
  for (auto [file, stage, inputs, entry] :
       {std::tuple{"pretrain", "pretrain", 1u, "embed"},
        std::tuple{"finetune", "finetune", 2u, "predict"},
        std::tuple{"distill", "distill", 1u, "predict"}}) {
    Built built = build(std::string(SIMCLR_EXAMPLES_DIR "/fashion_mnist/") + file + ".yaml");
    ASSERT_TRUE(built.module);
    auto step = built.module->lookupSymbol<func::FuncOp>("train_step");
    ASSERT_TRUE(step) << file;
    EXPECT_EQ(step->getAttrOfType<StringAttr>("simclr.stage").getValue(), stage);
    EXPECT_EQ(step.getNumArguments(), inputs) << file;
    EXPECT_EQ(step.getNumResults(), 2u) << file; // loss and accuracy
    auto eval = built.module->lookupSymbol<func::FuncOp>(entry);
    ASSERT_TRUE(eval) << file;
    // The inference entry point never updates running statistics.
    eval.walk([&](Operation *op) {
      bool updatesStatistics = llvm::isa<mlir::simclr::BatchNormTrainOp, mlir::simclr::StoreOp>(op);
      EXPECT_FALSE(updatesStatistics) << file;
    });
  }
}

TEST(ModelBuilder, DistillationTeacherIsFrozenAndInInferenceMode) {
  Built built = build(SIMCLR_EXAMPLES_DIR "/fashion_mnist/distill.yaml");
  ASSERT_TRUE(built.module);
  int teacherParams = 0;
  for (auto param : built.module->getOps<mlir::simclr::ParameterOp>()) {
    bool teacher = param.getSymName().starts_with("teacher.");
    EXPECT_EQ(teacher, param.getFrozen()) << param.getSymName().str();
    EXPECT_EQ(teacher, param.getGroup().starts_with("teacher.")) << param.getSymName().str();
    teacherParams += teacher;
  }
  EXPECT_GT(teacherParams, 0);
  auto step = built.module->lookupSymbol<func::FuncOp>("train_step");
  step.walk([&](mlir::simclr::BatchNormTrainOp bn) {
    auto gamma = bn.getScale().getDefiningOp<mlir::simclr::LoadOp>();
    ASSERT_TRUE(gamma);
    EXPECT_FALSE(gamma.getName().starts_with("teacher.")) << gamma.getName().str();
  });
  step.walk([&](mlir::simclr::StoreOp store) {
    EXPECT_FALSE(store.getName().starts_with("teacher.")) << store.getName().str();
  });
}

// The memory (docs/MEMORY.md): every parameter has an EMA copy as state, moved and stored
// before the EMA network uses it; the queue is the loss's negatives as loaded, and the new
// queue is this step's keys in front of its first K - 2N rows.
TEST(ModelBuilder, MemoryAddsTheEmaNetworkAndTheQueue) {
  auto desc = parseDescription("name: tiny\nstage: pretrain\n"
                               "input: {channels: 1, height: 8, width: 8, batch_size: 4}\n"
                               "network:\n  blocks: [1]\n  block: basic\n  base_width: 4\n"
                               "  head: {layers: 2, output_dim: 6}\n"
                               "memory: {queue: 32, momentum: 0.9}\n",
                               "memory.yaml");
  ASSERT_TRUE(static_cast<bool>(desc)) << llvm::toString(desc.takeError());
  MLIRContext context;
  OwningOpRef<ModuleOp> module = buildModule(*desc, context);
  ASSERT_TRUE(module);
  std::map<std::string, mlir::simclr::StateOp> states;
  for (auto s : module->getOps<mlir::simclr::StateOp>())
    states[s.getSymName().str()] = s;
  int parameters = 0;
  for (auto param : module->getOps<mlir::simclr::ParameterOp>()) {
    ++parameters;
    auto it = states.find("ema." + param.getSymName().str());
    ASSERT_NE(it, states.end()) << param.getSymName().str();
    EXPECT_EQ(it->second.getInit(), ("copy:" + param.getSymName()).str());
    EXPECT_EQ(it->second.getType(), param.getType());
  }
  EXPECT_GT(parameters, 0);
  ASSERT_TRUE(states.count("memory.queue"));
  EXPECT_EQ(llvm::cast<RankedTensorType>(states["memory.queue"].getType()).getShape(),
            llvm::ArrayRef<int64_t>({32, 6}));

  auto step = module->lookupSymbol<func::FuncOp>("train_step");
  mlir::simclr::NtXentLossOp loss;
  step.walk([&](mlir::simclr::NtXentLossOp op) { loss = op; });
  ASSERT_TRUE(loss);
  auto queue = loss.getNegatives().getDefiningOp<mlir::simclr::LoadOp>();
  ASSERT_TRUE(queue);
  EXPECT_EQ(queue.getName(), "memory.queue");
  int emaStores = 0;
  mlir::simclr::StoreOp queueStore;
  step.walk([&](mlir::simclr::StoreOp store) {
    if (store.getName() == "memory.queue")
      queueStore = store;
    else if (store.getName().starts_with("ema.") &&
             states[store.getName().str()].getInit().starts_with("copy:"))
      ++emaStores;
  });
  EXPECT_EQ(emaStores, parameters);
  ASSERT_TRUE(queueStore);
  EXPECT_TRUE(queue->isBeforeInBlock(queueStore)); // the loss reads the old queue
  auto next = queueStore.getValue().getDefiningOp<mlir::simclr::ConcatOp>();
  ASSERT_TRUE(next);
  auto kept = next.getInputs()[1].getDefiningOp<mlir::simclr::SliceOp>();
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept.getInput(), queue.getResult());
  EXPECT_EQ(kept.getSizes(), llvm::ArrayRef<int64_t>({24, 6}));
  // No gradient reaches the EMA network: the loss's embeddings come from the online
  // network's parameters, and the keys only from EMA values.
  auto keys = next.getInputs()[0].getDefiningOp<mlir::simclr::L2NormalizeOp>();
  ASSERT_TRUE(keys);
  EXPECT_NE(keys.getResult(), loss.getEmbeddings());
}

} // namespace
