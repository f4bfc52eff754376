//===- DescriptionParserTest.cpp - description parsing and its errors -----===//

#include "frontend/Description.h"
#include "frontend/ModelBuilder.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

using namespace mlir::simclr::frontend;

namespace {

constexpr const char *kMinimal = R"(name: tiny
stage: pretrain
input:
  channels: 1
  height: 28
  width: 28
  batch_size: 8
network:
  blocks: [1, 1]
  block: basic
  base_width: 8
)";

Description parseOk(const std::string &text) {
  auto desc = parseDescription(text, "test.yaml");
  if (!desc) {
    ADD_FAILURE() << llvm::toString(desc.takeError());
    return {};
  }
  return *desc;
}

/// The first line of the error for `text`, or "" if it parsed.
std::string firstErrorLine(const std::string &text, const char *path = "bad.yaml") {
  auto desc = parseDescription(text, path);
  if (desc)
    return "";
  std::string message = llvm::toString(desc.takeError());
  return message.substr(0, message.find('\n'));
}

std::string replace(std::string text, const std::string &from, const std::string &to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(DescriptionParser, ReadsTheImageNetExample) {
  auto desc = parseDescriptionFile(SIMCLR_EXAMPLES_DIR "/imagenet/r152_3x_sk1.yaml");
  ASSERT_TRUE(static_cast<bool>(desc)) << llvm::toString(desc.takeError());
  EXPECT_EQ(desc->name, "r152_3x_sk1");
  EXPECT_EQ(desc->stage, Stage::Pretrain);
  EXPECT_EQ(desc->network.depth, 152);
  EXPECT_EQ(desc->network.blocks, (std::vector<int>{3, 8, 36, 3}));
  EXPECT_EQ(desc->network.block, BlockKind::Bottleneck);
  EXPECT_EQ(desc->network.widthMultiplier, 3);
  EXPECT_DOUBLE_EQ(desc->network.skRatio, 0.0625);
  EXPECT_EQ(desc->network.stem, Stem::ImageNet);
  EXPECT_EQ(desc->network.head.layers, 3);
  EXPECT_EQ(desc->network.head.outputDim, 128);
  EXPECT_EQ(desc->input.batchSize, 64);
  EXPECT_EQ(desc->optimizer.kind, "lars");
  EXPECT_EQ(desc->optimizer.lrScaling, "sqrt");
  EXPECT_DOUBLE_EQ(desc->optimizer.learningRate, 0.075);
  EXPECT_DOUBLE_EQ(desc->loss.temperature, 0.1);
}

TEST(DescriptionParser, DepthSelectsBlocksAndBlockType) {
  std::string text = replace(kMinimal, "  blocks: [1, 1]\n  block: basic\n", "  depth: 18\n");
  Description d18 = parseOk(text);
  EXPECT_EQ(d18.network.block, BlockKind::Basic);
  EXPECT_EQ(d18.network.blocks, (std::vector<int>{2, 2, 2, 2}));
  Description d101 = parseOk(replace(text, "depth: 18", "depth: 101"));
  EXPECT_EQ(d101.network.block, BlockKind::Bottleneck);
  EXPECT_EQ(d101.network.blocks, (std::vector<int>{3, 4, 23, 3}));
}

TEST(DescriptionParser, StemDefaultsToSmallForSmallImages) {
  EXPECT_EQ(parseOk(kMinimal).network.stem, Stem::Small);
  std::string big = replace(replace(kMinimal, "height: 28", "height: 64"), "width: 28",
                            "width: 64");
  EXPECT_EQ(parseOk(big).network.stem, Stem::ImageNet);
  EXPECT_EQ(parseOk(replace(big, "base_width: 8\n", "base_width: 8\n  stem: small\n"))
                .network.stem,
            Stem::Small);
}

TEST(DescriptionParser, AugmentationsReadWithTheRecipesDefaults) {
  AugmentSpec small = parseOk(kMinimal).augment;
  EXPECT_DOUBLE_EQ(small.cropMinArea, 0.08);
  EXPECT_DOUBLE_EQ(small.colorStrength, 1.0);
  EXPECT_TRUE(small.flip);
  EXPECT_FALSE(small.blur); // 28 px: no blur, as SimCLR's CIFAR recipe
  std::string big = replace(replace(kMinimal, "height: 28", "height: 64"), "width: 28",
                            "width: 64");
  EXPECT_TRUE(parseOk(big).augment.blur);
  AugmentSpec given = parseOk(big + "augment: {crop_min_area: 0.2, color_strength: 0.5, "
                                    "flip: false, blur: false}\n")
                          .augment;
  EXPECT_DOUBLE_EQ(given.cropMinArea, 0.2);
  EXPECT_DOUBLE_EQ(given.colorStrength, 0.5);
  EXPECT_FALSE(given.flip);
  EXPECT_FALSE(given.blur);
}

TEST(DescriptionParser, StageDecidesOptimizerDefaultsWhateverTheKeyOrder) {
  Description pretrain = parseOk(kMinimal);
  EXPECT_DOUBLE_EQ(pretrain.optimizer.learningRate, 0.3);
  EXPECT_EQ(pretrain.optimizer.lrScaling, "linear");
  EXPECT_DOUBLE_EQ(pretrain.optimizer.weightDecay, 1e-6);

  // The stage comes last in the file, the optimizer override first.
  std::string finetune = replace(kMinimal, "stage: pretrain\n", "");
  finetune = "optimizer:\n  momentum: 0.8\n" + finetune +
             "classifier:\n  num_classes: 10\nstage: finetune\n";
  Description ft = parseOk(finetune);
  EXPECT_EQ(ft.stage, Stage::Finetune);
  EXPECT_DOUBLE_EQ(ft.optimizer.learningRate, 0.005);
  EXPECT_EQ(ft.optimizer.lrScaling, "sqrt");
  EXPECT_DOUBLE_EQ(ft.optimizer.weightDecay, 0.0);
  EXPECT_DOUBLE_EQ(ft.optimizer.momentum, 0.8);
  EXPECT_EQ(ft.numClasses, 10);

  Description linear = parseOk(replace(finetune, "stage: finetune", "stage: linear_eval"));
  EXPECT_EQ(linear.optimizer.kind, "momentum");
  EXPECT_TRUE(linear.optimizer.nesterov);
}

TEST(DescriptionParser, ReadsEverySetting) {
  std::string text = std::string(kMinimal) + R"(  width_multiplier: 2
  head:
    layers: 2
    output_dim: 32
    finetune_from_layer: 0
  batch_norm:
    momentum: 0.99
    epsilon: 0.001
    global: false
loss:
  temperature: 0.5
optimizer:
  kind: momentum
  learning_rate: 1.5
  lr_scaling: sqrt
  momentum: 0.95
  nesterov: true
  weight_decay: 0.0001
  warmup_epochs: 2
  epochs: 7
replicas: 4
)";
  Description d = parseOk(text);
  EXPECT_EQ(d.replicas, 4);
  EXPECT_EQ(d.network.widthMultiplier, 2);
  EXPECT_EQ(d.network.head.layers, 2);
  EXPECT_EQ(d.network.head.outputDim, 32);
  EXPECT_EQ(d.network.head.finetuneFromLayer, 0);
  EXPECT_DOUBLE_EQ(d.network.batchNorm.momentum, 0.99);
  EXPECT_DOUBLE_EQ(d.network.batchNorm.epsilon, 0.001);
  EXPECT_FALSE(d.network.batchNorm.global);
  EXPECT_DOUBLE_EQ(d.loss.temperature, 0.5);
  EXPECT_EQ(d.optimizer.kind, "momentum");
  EXPECT_DOUBLE_EQ(d.optimizer.learningRate, 1.5);
  EXPECT_TRUE(d.optimizer.nesterov);
  EXPECT_DOUBLE_EQ(d.optimizer.weightDecay, 1e-4);
  EXPECT_DOUBLE_EQ(d.optimizer.warmupEpochs, 2);
  EXPECT_DOUBLE_EQ(d.optimizer.epochs, 7);
  EXPECT_EQ(d.network.pos.line, 9u);
}

TEST(DescriptionParser, DistillationReadsTeacherAndStudent) {
  std::string text = replace(kMinimal, "stage: pretrain", "stage: distill") +
                     "teacher:\n  depth: 50\n  width_multiplier: 2\n  sk_ratio: 0.0625\n"
                     "classifier:\n  num_classes: 5\n";
  Description d = parseOk(text);
  ASSERT_TRUE(d.teacher.has_value());
  EXPECT_EQ(d.teacher->depth, 50);
  EXPECT_EQ(d.teacher->widthMultiplier, 2);
  EXPECT_EQ(d.network.baseWidth, 8);
  EXPECT_DOUBLE_EQ(d.loss.temperature, 1.0);
}

struct BadCase {
  const char *what;
  std::string text;
  const char *error; // expected first line
};

TEST(DescriptionParser, MalformedDescriptionsNameFileLineAndColumn) {
  const std::string m = kMinimal;
  const BadCase cases[] = {
      {"unknown key", m + "  colour: red\n",
       "bad.yaml:12:3: error: unknown key 'colour' in 'network' (expected one of: depth, "
       "blocks, block, width_multiplier, base_width, sk_ratio, stem, head, batch_norm)"},
      {"unknown top-level key", m + "epochs: 3\n",
       "bad.yaml:12:1: error: unknown key 'epochs' in the description (expected one of: "
       "name, stage, input, network, teacher, classifier, loss, memory, optimizer, augment, "
       "precision, replicas)"},
      {"replicas out of range", m + "replicas: 0\n",
       "bad.yaml:12:11: error: 'replicas' must be in [1, 4096], got 0"},
      {"crop area out of range", m + "augment: {crop_min_area: 0}\n",
       "bad.yaml:12:26: error: 'crop_min_area' must be in (0, 1], got 0"},
      {"unknown augment key", m + "augment:\n  solarize: true\n",
       "bad.yaml:13:3: error: unknown key 'solarize' in 'augment' (expected one of: "
       "crop_min_area, color_strength, flip, blur)"},
      {"not an integer", replace(m, "base_width: 8", "base_width: eight"),
       "bad.yaml:11:15: error: 'base_width' must be an integer"},
      {"fractional integer", replace(m, "batch_size: 8", "batch_size: 8.5"),
       "bad.yaml:7:15: error: 'batch_size' must be an integer"},
      {"integer out of range", replace(m, "channels: 1", "channels: 0"),
       "bad.yaml:4:13: error: 'channels' must be in [1, 64], got 0"},
      {"bad depth", replace(m, "  blocks: [1, 1]\n  block: basic\n", "  depth: 51\n"),
       "bad.yaml:9:10: error: 'depth' must be one of 18, 34, 50, 101, 152 (or give 'blocks')"},
      {"empty block list", replace(m, "[1, 1]", "[]"),
       "bad.yaml:9:12: error: 'blocks' must be a list of 1 to 8 integers"},
      {"zero blocks", replace(m, "[1, 1]", "[1, 0]"),
       "bad.yaml:9:15: error: 'blocks' must be in [1, 64], got 0"},
      {"depth and blocks", replace(m, "  block: basic\n", "  depth: 18\n"),
       "bad.yaml:9:3: error: 'network' needs exactly one of 'depth' (18, 34, 50, 101, 152) or "
       "'blocks' (residual blocks per group)"},
      {"block with depth", replace(m, "  blocks: [1, 1]\n", "  depth: 18\n"),
       "bad.yaml:10:10: error: 'block' goes with 'blocks'; 'depth' 18 already fixes the block "
       "type"},
      {"bad choice", replace(m, "block: basic", "block: wide"),
       "bad.yaml:10:10: error: 'block' must be one of: basic, bottleneck"},
      {"bad bool", m + "  batch_norm:\n    global: yes\n",
       "bad.yaml:13:13: error: 'global' must be true or false"},
      {"sk with basic blocks", m + "  sk_ratio: 0.0625\n",
       "bad.yaml:12:13: error: selective kernels ('sk_ratio' > 0) need bottleneck blocks "
       "(depth 50, 101, 152 or 'block: bottleneck')"},
      {"zero temperature", m + "loss:\n  temperature: 0\n",
       "bad.yaml:13:16: error: 'temperature' must be in (0, 1000], got 0"},
      {"not a number", m + "loss:\n  temperature: warm\n",
       "bad.yaml:13:16: error: 'temperature' must be a number"},
      {"infinite number", m + "loss:\n  temperature: .inf\n",
       "bad.yaml:13:16: error: 'temperature' must be a number"},
      {"duplicate key", m + "  base_width: 16\n",
       "bad.yaml:12:3: error: duplicate key 'base_width'"},
      {"missing key", replace(m, "  channels: 1\n", ""),
       "bad.yaml:4:3: error: missing required key 'channels' in 'input'"},
      {"missing network", m.substr(0, m.find("network:")),
       "bad.yaml:1:1: error: missing required key 'network'"},
      {"missing stage", replace(m, "stage: pretrain\n", ""),
       "bad.yaml:1:1: error: missing required key 'stage'"},
      {"bad stage", replace(m, "stage: pretrain", "stage: train"),
       "bad.yaml:2:8: error: 'stage' must be one of: pretrain, finetune, distill, linear_eval"},
      {"mapping expected", replace(m, "input:\n  channels: 1\n  height: 28\n  width: 28\n"
                                      "  batch_size: 8\n", "input: 28\n"),
       "bad.yaml:3:8: error: expected a mapping for 'input'"},
      {"distill without teacher", replace(m, "stage: pretrain", "stage: distill") +
                                      "classifier:\n  num_classes: 10\n",
       "bad.yaml:2:8: error: stage 'distill' needs a 'teacher' network"},
      {"teacher outside distillation", m + "teacher:\n  depth: 18\n",
       "bad.yaml:13:3: error: 'teacher' only applies to stage 'distill'"},
      {"finetune without classifier", replace(m, "stage: pretrain", "stage: finetune"),
       "bad.yaml:2:8: error: stage 'finetune' needs 'classifier: {num_classes: N}'"},
      {"classifier in pretraining", m + "classifier:\n  num_classes: 10\n",
       "bad.yaml:13:3: error: pretraining has no classifier; remove 'classifier'"},
      {"one class", replace(m, "stage: pretrain", "stage: finetune") +
                        "classifier:\n  num_classes: 1\n",
       "bad.yaml:13:16: error: 'num_classes' must be in [2, 1048576], got 1"},
      {"batch of one", replace(m, "batch_size: 8", "batch_size: 1"),
       "bad.yaml:2:8: error: contrastive pretraining needs a batch of at least 2 images (the "
       "other images are the negatives)"},
      {"head layer beyond head", m + "  head:\n    layers: 2\n    finetune_from_layer: 3\n",
       "bad.yaml:13:5: error: 'finetune_from_layer' (3) exceeds the head's 2 layer(s)"},
      {"warmup beyond training", m + "optimizer:\n  warmup_epochs: 20\n  epochs: 10\n",
       "bad.yaml:13:3: error: 'warmup_epochs' (20) exceeds 'epochs' (10)"},
      {"trust coefficient without lars",
       m + "optimizer:\n  kind: momentum\n  trust_coefficient: 0.001\n",
       "bad.yaml:14:22: error: 'trust_coefficient' only applies to the lars optimizer"},
      {"temperature scaling outside distillation",
       m + "loss:\n  scale_by_temperature_squared: true\n",
       "bad.yaml:13:33: error: 'scale_by_temperature_squared' only applies to distillation"},
      {"memory outside pretraining",
       replace(m, "stage: pretrain", "stage: finetune") +
           "classifier:\n  num_classes: 10\nmemory:\n  queue: 64\n",
       "bad.yaml:15:3: error: 'memory' only applies to stage 'pretrain' (its queue holds "
       "negatives of the contrastive loss)"},
      {"memory without a queue", m + "memory:\n  momentum: 0.9\n",
       "bad.yaml:13:3: error: 'memory' needs 'queue: K', the number of embeddings it keeps"},
      {"queue smaller than a step's keys", m + "memory:\n  queue: 8\n",
       "bad.yaml:13:3: error: 'memory' queue of 8 cannot take one step's 16 keys (two views of "
       "the global batch); make it at least that"},
      {"queue smaller than the replicas' keys", m + "replicas: 4\nmemory:\n  queue: 32\n",
       "bad.yaml:14:3: error: 'memory' queue of 32 cannot take one step's 64 keys (two views of "
       "the global batch); make it at least that"},
      {"memory momentum out of range", m + "memory:\n  queue: 64\n  momentum: 1.5\n",
       "bad.yaml:14:13: error: 'momentum' must be in [0, 1], got 1.5"},
      {"label weight outside distillation", m + "loss:\n  label_weight: 0.5\n",
       "bad.yaml:13:17: error: 'label_weight' only applies to distillation (fine-tuning trains "
       "on the labels alone)"},
      {"bad name", replace(m, "name: tiny", "name: my model"),
       "bad.yaml:1:7: error: 'name' must be a non-empty identifier of letters, digits, '_', "
       "'-' and '.'"},
      {"YAML syntax", replace(m, "batch_size: 8", "batch_size: [8"),
       "bad.yaml:9:9: error: Expected , between entries!"},
      {"alias for a network key", replace(m, "height: 28", "height: &h 28") + "  stem: *h\n",
       "bad.yaml:12:3: error: 'stem': YAML aliases are not supported in descriptions"},
      {"alias use", replace(replace(m, "height: 28", "height: &h 28"), "width: 28",
                            "width: *h"),
       "bad.yaml:6:3: error: 'width': YAML aliases are not supported in descriptions"},
      {"too wide", replace(m, "base_width: 8", "base_width: 4096") + "  width_multiplier: 16\n",
       "bad.yaml:9:3: error: 'network' reaches 131072 channels in its last group; at most "
       "65536 are supported"},
      {"two documents", m + "---\nname: other\n",
       "bad.yaml:13:1: error: a description file holds a single YAML document"},
      {"not a mapping", "- a\n- b\n",
       "bad.yaml:1:1: error: a description must be a mapping with 'name', 'stage', 'input', "
       "'network', ..."},
      {"empty", "", "bad.yaml:1:1: error: the description is empty"},
  };
  for (const BadCase &c : cases)
    EXPECT_EQ(firstErrorLine(c.text), c.error) << c.what;
}

TEST(DescriptionParser, MissingFileIsAnError) {
  auto desc = parseDescriptionFile("/nonexistent/model.yaml");
  ASSERT_FALSE(static_cast<bool>(desc));
  std::string message = llvm::toString(desc.takeError());
  EXPECT_EQ(message.rfind("/nonexistent/model.yaml: error: cannot read file", 0), 0u)
      << message;
}

TEST(DescriptionParser, ErrorsQuoteTheOffendingLine) {
  auto desc = parseDescription(std::string(kMinimal) + "  colour: red\n", "m.yaml");
  ASSERT_FALSE(static_cast<bool>(desc));
  std::string message = llvm::toString(desc.takeError());
  EXPECT_NE(message.find("\n  colour: red\n  ^"), std::string::npos) << message;
}

} // namespace

namespace {

/// Thousands of deterministic mutations of the real examples (bytes changed, inserted,
/// deleted, lines duplicated or dropped, numbers replaced by extreme values): each either
/// parses and builds a verified module, or fails with a located error. None may crash.
TEST(DescriptionParser, MutatedExamplesNeverCrash) {
  const char *examples[] = {SIMCLR_EXAMPLES_DIR "/fashion_mnist/pretrain.yaml",
                            SIMCLR_EXAMPLES_DIR "/fashion_mnist/distill.yaml",
                            SIMCLR_EXAMPLES_DIR "/imagenet/r50_1x_sk1.yaml"};
  const char *replacements[] = {"0", "-1", "99999999999999999999", "1e308", "nan", "[",
                                "{}", "\"", ":", "- x", "&a", "*a", "!!binary", "\t", "\n"};
  std::mt19937 rng(2026);
  int parsed = 0, rejected = 0;
  for (const char *path : examples) {
    auto buffer = llvm::MemoryBuffer::getFile(path);
    ASSERT_TRUE(static_cast<bool>(buffer)) << path;
    std::string original = (*buffer)->getBuffer().str();
    for (int i = 0; i < 700; ++i) {
      std::string text = original;
      int edits = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < edits && !text.empty(); ++e) {
        size_t at = rng() % text.size();
        switch (rng() % 4) {
        case 0:
          text[at] = static_cast<char>(rng() % 128);
          break;
        case 1:
          text.insert(at, replacements[rng() % std::size(replacements)]);
          break;
        case 2:
          text.erase(at, 1 + rng() % 12);
          break;
        case 3: { // replace the number or word at `at`
          size_t end = text.find_first_of(" \n,]}", at);
          text.replace(at, end == std::string::npos ? 0 : end - at,
                       replacements[rng() % std::size(replacements)]);
          break;
        }
        }
      }
      auto desc = parseDescription(text, "fuzz.yaml");
      if (!desc) {
        std::string message = llvm::toString(desc.takeError());
        EXPECT_EQ(message.rfind("fuzz.yaml:", 0), 0u) << message << "\n--- input:\n" << text;
        ++rejected;
        continue;
      }
      // Keep the networks small: only shapes matter to the builder, not sizes.
      desc->input.batchSize = std::min(desc->input.batchSize, 4);
      desc->input.height = std::min(desc->input.height, 32);
      desc->input.width = std::min(desc->input.width, 32);
      mlir::MLIRContext context;
      context.getDiagEngine().registerHandler([](mlir::Diagnostic &) { return mlir::success(); });
      auto module = buildModule(*desc, context);
      EXPECT_TRUE(module) << text;
      ++parsed;
    }
  }
  EXPECT_GT(rejected, 0);
  EXPECT_GT(parsed, 0);
}

} // namespace
