//===- DescriptionParser.cpp - YAML description -> Description -------------===//
//
// Reads a description in two steps: YamlReader copies the YAML into a tree that keeps
// every node's location, then the tree is interpreted section by section with its typed
// readers. Interpreting a tree rather than the stream lets stage-dependent defaults apply
// whatever order the keys come in. Every error names path:line:col and shows the
// offending line.
//
//===----------------------------------------------------------------------===//

#include "frontend/Description.h"
#include "frontend/YamlReader.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>
#include <cstdio>
#include <functional>
#include <map>

using namespace mlir::simclr::frontend;
using llvm::ArrayRef;
using llvm::SMLoc;
using llvm::StringRef;

llvm::StringRef mlir::simclr::frontend::stageName(Stage stage) {
  switch (stage) {
  case Stage::Pretrain:
    return "pretrain";
  case Stage::Finetune:
    return "finetune";
  case Stage::Distill:
    return "distill";
  case Stage::LinearEval:
    return "linear_eval";
  }
  return "";
}

namespace {

/// The widest layer a network may have (SimCLRv2's widest, R152 3x, has 6144).
constexpr int64_t kMaxChannels = 65536;

class Parser : public YamlReader {
public:
  using YamlReader::YamlReader;
  llvm::Expected<Description> run();

private:
  // --- sections -----------------------------------------------------------------------
  bool readInput(const Node &node, InputSpec &input);
  bool readNetwork(const Node &node, NetworkSpec &network, StringRef what,
                   const InputSpec &input);
  bool readOptimizer(const Node &node, OptimizerSpec &optimizer);
  bool readLoss(const Node &node, Description &desc);

  // Where sections were, for checks that involve more than one of them.
  SMLoc stageLoc, blurLoc;
};

bool Parser::readInput(const Node &node, InputSpec &input) {
  return readMapping(node, "'input'",
                     {intField("channels", input.channels, 1, 64),
                      intField("height", input.height, 1, 4096),
                      intField("width", input.width, 1, 4096),
                      intField("batch_size", input.batchSize, 1, 1 << 20)},
                     {"channels", "height", "width", "batch_size"});
}

bool Parser::readNetwork(const Node &node, NetworkSpec &net, StringRef what,
                         const InputSpec &input) {
  net.pos = position(node.loc);
  bool depthGiven = false, blocksGiven = false;
  SMLoc skRatioLoc, blockLoc;
  std::string block, stem;
  auto readHead = [&](const Node &n) {
    return readMapping(n, "'head'",
                       {intField("layers", net.head.layers, 0, 16),
                        intField("output_dim", net.head.outputDim, 1, 1 << 16),
                        intField("finetune_from_layer", net.head.finetuneFromLayer, 0, 16)}) &&
           (net.head.finetuneFromLayer <= net.head.layers ||
            fail(n, "'finetune_from_layer' (" + llvm::Twine(net.head.finetuneFromLayer) +
                        ") exceeds the head's " + llvm::Twine(net.head.layers) +
                        " layer(s)"));
  };
  auto readBatchNorm = [&](const Node &n) {
    BatchNormSpec &bn = net.batchNorm;
    return readMapping(n, "'batch_norm'",
                       {numberField("momentum", bn.momentum, 0.0, 0.9999),
                        numberField("epsilon", bn.epsilon, 0.0, 1.0, /*minExclusive=*/true),
                        boolField("global", bn.global)});
  };
  bool ok = readMapping(
      node, what,
      {{"depth", [&](const Node &n) {
          depthGiven = true;
          if (!readInt(n, "depth", net.depth, 0, 1000))
            return false;
          if (!llvm::is_contained({18, 34, 50, 101, 152}, net.depth))
            return fail(n, "'depth' must be one of 18, 34, 50, 101, 152 (or give 'blocks')");
          return true;
        }},
       {"blocks", [&](const Node &n) {
          blocksGiven = true;
          return readIntList(n, "blocks", net.blocks, 1, 64, 8);
        }},
       choiceField("block", {"basic", "bottleneck"}, block, &blockLoc),
       intField("width_multiplier", net.widthMultiplier, 1, 16),
       intField("base_width", net.baseWidth, 2, 4096),
       numberField("sk_ratio", net.skRatio, 0.0, 1.0, false, &skRatioLoc),
       choiceField("stem", {"imagenet", "small"}, stem),
       {"head", readHead},
       {"batch_norm", readBatchNorm}});
  if (!ok)
    return false;

  if (depthGiven == blocksGiven)
    return fail(node, what + " needs exactly one of 'depth' (18, 34, 50, 101, 152) or "
                             "'blocks' (residual blocks per group)");
  if (depthGiven) {
    if (!block.empty())
      return fail(blockLoc, "'block' goes with 'blocks'; 'depth' " + llvm::Twine(net.depth) +
                                " already fixes the block type");
    static const std::map<int, std::vector<int>> kGroups = {{18, {2, 2, 2, 2}},
                                                            {34, {3, 4, 6, 3}},
                                                            {50, {3, 4, 6, 3}},
                                                            {101, {3, 4, 23, 3}},
                                                            {152, {3, 8, 36, 3}}};
    net.blocks = kGroups.at(net.depth);
    net.block = net.depth >= 50 ? BlockKind::Bottleneck : BlockKind::Basic;
  } else {
    net.depth = 0;
    net.block = block == "basic" ? BlockKind::Basic : BlockKind::Bottleneck;
  }
  // The widest layer: absurd widths would only overflow the statistics downstream.
  int64_t widest = int64_t(net.baseWidth) * net.widthMultiplier
                   << (net.blocks.size() - 1);
  if (net.block == BlockKind::Bottleneck)
    widest *= 4;
  if (widest > kMaxChannels)
    return fail(node, what + " reaches " + llvm::Twine(widest) +
                          " channels in its last group; at most " + llvm::Twine(kMaxChannels) +
                          " are supported");
  if (net.skRatio > 0 && net.block == BlockKind::Basic)
    return fail(skRatioLoc, "selective kernels ('sk_ratio' > 0) need bottleneck blocks "
                            "(depth 50, 101, 152 or 'block: bottleneck')");
  // Without an explicit stem, images of 32 pixels and below get the small-image stem, as
  // in the SimCLR CIFAR-10 recipe ('input' is read before the networks).
  if (!stem.empty())
    net.stem = stem == "small" ? Stem::Small : Stem::ImageNet;
  else
    net.stem = std::min(input.height, input.width) <= 32 ? Stem::Small : Stem::ImageNet;
  return true;
}

bool Parser::readOptimizer(const Node &node, OptimizerSpec &opt) {
  SMLoc trustLoc;
  bool ok = readMapping(
      node, "'optimizer'",
      {choiceField("kind", {"lars", "momentum"}, opt.kind),
       numberField("learning_rate", opt.learningRate, 0.0, 1e3, /*minExclusive=*/true),
       choiceField("lr_scaling", {"linear", "sqrt"}, opt.lrScaling),
       numberField("momentum", opt.momentum, 0.0, 0.9999),
       boolField("nesterov", opt.nesterov),
       numberField("weight_decay", opt.weightDecay, 0.0, 1.0),
       numberField("trust_coefficient", opt.trustCoefficient, 0.0, 1.0,
                   /*minExclusive=*/true, &trustLoc),
       numberField("warmup_epochs", opt.warmupEpochs, 0.0, 1e6),
       numberField("epochs", opt.epochs, 0.0, 1e6, /*minExclusive=*/true)});
  if (!ok)
    return false;
  if (trustLoc.isValid() && opt.kind != "lars")
    return fail(trustLoc, "'trust_coefficient' only applies to the lars optimizer");
  if (opt.warmupEpochs > opt.epochs)
    return fail(node, "'warmup_epochs' (" + number(opt.warmupEpochs) +
                          ") exceeds 'epochs' (" + number(opt.epochs) + ")");
  return true;
}

bool Parser::readLoss(const Node &node, Description &desc) {
  SMLoc scaleLoc, labelWeightLoc;
  bool ok = readMapping(
      node, "'loss'",
      {numberField("temperature", desc.loss.temperature, 0.0, 1e3, /*minExclusive=*/true),
       boolField("scale_by_temperature_squared", desc.loss.scaleByTemperatureSquared,
                 &scaleLoc),
       numberField("label_weight", desc.loss.labelWeight, 0.0, 1e3, /*minExclusive=*/false,
                   &labelWeightLoc)});
  if (ok && scaleLoc.isValid() && desc.stage != Stage::Distill)
    return fail(scaleLoc, "'scale_by_temperature_squared' only applies to distillation");
  if (ok && labelWeightLoc.isValid() && desc.stage != Stage::Distill)
    return fail(labelWeightLoc, "'label_weight' only applies to distillation (fine-tuning "
                                "trains on the labels alone)");
  return ok;
}

/// Stage defaults from SIMCLR.md (reference code and paper).
void applyStageDefaults(Description &desc) {
  OptimizerSpec &opt = desc.optimizer;
  switch (desc.stage) {
  case Stage::Pretrain:
    break; // the OptimizerSpec/LossSpec defaults are the pretraining ones
  case Stage::Finetune:
  case Stage::Distill:
    opt.learningRate = 0.005;
    opt.lrScaling = "sqrt";
    opt.weightDecay = 0.0;
    opt.warmupEpochs = 0.0;
    opt.epochs = 60;
    desc.loss.temperature = 1.0;
    break;
  case Stage::LinearEval:
    opt.kind = "momentum";
    opt.nesterov = true;
    opt.learningRate = 0.1;
    opt.lrScaling = "linear";
    opt.weightDecay = 0.0;
    opt.warmupEpochs = 0.0;
    opt.epochs = 90;
    desc.loss.temperature = 1.0;
    break;
  }
}

llvm::Expected<Description> Parser::run() {
  Description desc;
  desc.path = path;
  std::unique_ptr<Node> root =
      mappingDocument("'name', 'stage', 'input', 'network', ...");
  if (!root)
    return failure();

  // The stage decides the defaults of everything else, so it is read first.
  for (const Node::Entry &entry : root->entries)
    if (entry.key == "stage") {
      stageLoc = entry.value->loc;
      std::string stage;
      if (!readChoice(*entry.value, "stage", {"pretrain", "finetune", "distill", "linear_eval"},
                      stage))
        return failure();
      desc.stage = stage == "pretrain"   ? Stage::Pretrain
                   : stage == "finetune" ? Stage::Finetune
                   : stage == "distill"  ? Stage::Distill
                                         : Stage::LinearEval;
    }
  applyStageDefaults(desc);

  const Node *inputNode = nullptr, *networkNode = nullptr, *teacherNode = nullptr,
             *classifierNode = nullptr, *memoryNode = nullptr;
  bool ok = readMapping(
      *root, "the description",
      {{"name", [&](const Node &n) {
          if (n.kind != Node::Scalar || n.scalar.empty() ||
              !llvm::all_of(n.scalar, [](char c) {
                return llvm::isAlnum(c) || c == '_' || c == '-' || c == '.';
              }))
            return fail(n, "'name' must be a non-empty identifier of letters, digits, "
                           "'_', '-' and '.'");
          desc.name = n.scalar;
          return true;
        }},
       {"stage", [](const Node &) { return true; }},
       {"input", [&](const Node &n) {
          inputNode = &n;
          return readInput(n, desc.input);
        }},
       {"network", [&](const Node &n) {
          networkNode = &n;
          return readNetwork(n, desc.network, "'network'", desc.input);
        }},
       {"teacher", [&](const Node &n) {
          teacherNode = &n;
          desc.teacher.emplace();
          return readNetwork(n, *desc.teacher, "'teacher'", desc.input);
        }},
       {"classifier", [&](const Node &n) {
          classifierNode = &n;
          return readMapping(n, "'classifier'",
                             {intField("num_classes", desc.numClasses, 2, 1 << 20)});
        }},
       {"loss", [&](const Node &n) { return readLoss(n, desc); }},
       {"memory", [&](const Node &n) {
          memoryNode = &n;
          return readMapping(n, "'memory'",
                             {intField("queue", desc.memory.queue, 1, 1 << 24),
                              numberField("momentum", desc.memory.momentum, 0.0, 1.0,
                                          /*minExclusive=*/false)});
        }},
       {"optimizer", [&](const Node &n) { return readOptimizer(n, desc.optimizer); }},
       {"augment", [&](const Node &n) {
          return readMapping(
              n, "'augment'",
              {numberField("crop_min_area", desc.augment.cropMinArea, 0.0, 1.0,
                           /*minExclusive=*/true),
               numberField("color_strength", desc.augment.colorStrength, 0.0, 2.0),
               boolField("flip", desc.augment.flip),
               boolField("blur", desc.augment.blur, &blurLoc)});
        }},
       {"precision", [&](const Node &n) {
          return readChoice(n, "precision", {"f32", "bf16"}, desc.precision);
        }},
       {"replicas", [&](const Node &n) { return readInt(n, "replicas", desc.replicas, 1, 4096); }}});
  if (!ok)
    return failure();
  if (!blurLoc.isValid()) // SimCLR blurs ImageNet-size images, not CIFAR-size ones
    desc.augment.blur = std::min(desc.input.height, desc.input.width) >= 64;

  // Cross-section rules.
  auto missing = [&](StringRef key) {
    fail(*root, "missing required key '" + key + "'");
    return failure();
  };
  if (desc.name.empty())
    return missing("name");
  if (!stageLoc.isValid())
    return missing("stage");
  if (!inputNode)
    return missing("input");
  if (!networkNode)
    return missing("network");
  if (desc.stage == Stage::Distill && !teacherNode) {
    fail(stageLoc, "stage 'distill' needs a 'teacher' network");
    return failure();
  }
  if (desc.stage != Stage::Distill && teacherNode) {
    fail(teacherNode->loc, "'teacher' only applies to stage 'distill'");
    return failure();
  }
  if (desc.stage == Stage::Pretrain && classifierNode) {
    fail(classifierNode->loc, "pretraining has no classifier; remove 'classifier'");
    return failure();
  }
  if (desc.stage != Stage::Pretrain && !classifierNode) {
    fail(stageLoc, "stage '" + stageName(desc.stage) +
                       "' needs 'classifier: {num_classes: N}'");
    return failure();
  }
  if (memoryNode && desc.stage != Stage::Pretrain) {
    fail(memoryNode->loc, "'memory' only applies to stage 'pretrain' (its queue holds "
                          "negatives of the contrastive loss)");
    return failure();
  }
  if (memoryNode && desc.memory.queue == 0) {
    fail(memoryNode->loc, "'memory' needs 'queue: K', the number of embeddings it keeps");
    return failure();
  }
  if (int64_t keys = stepKeys(desc); memoryNode && desc.memory.queue < keys) {
    fail(memoryNode->loc, "'memory' queue of " + std::to_string(desc.memory.queue) +
                              " cannot take one step's " + std::to_string(keys) +
                              " keys (two views of the global batch); make it at least that");
    return failure();
  }
  if (desc.stage == Stage::Pretrain && desc.input.batchSize < 2) {
    fail(stageLoc, "contrastive pretraining needs a batch of at least 2 images "
                   "(the other images are the negatives)");
    return failure();
  }
  return desc;
}

} // namespace

llvm::Expected<Description> mlir::simclr::frontend::parseDescription(StringRef text,
                                                               StringRef path) {
  Parser parser(text, path);
  return parser.run();
}

llvm::Expected<Description> mlir::simclr::frontend::parseDescriptionFile(StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return llvm::createStringError(buffer.getError(), "%s: error: cannot read file: %s",
                                   path.str().c_str(),
                                   buffer.getError().message().c_str());
  return parseDescription((*buffer)->getBuffer(), path);
}
