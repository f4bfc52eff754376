//===- DescriptionParser.cpp - YAML description -> Description -------------===//
//
// Reads a description with LLVM's YAML parser in two steps: the single-pass YAML node
// stream is first copied into a small tree that keeps every node's location (and rejects
// duplicate keys), then the tree is interpreted field by field. Interpreting a tree rather
// than the stream lets stage-dependent defaults apply whatever order the keys come in.
// Every error names path:line:col and shows the offending line.
//
//===----------------------------------------------------------------------===//

#include "frontend/Description.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/YAMLParser.h"
#include "llvm/Support/raw_ostream.h"

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

/// Shortest readable form of a number for messages (0.001, 1e-06, 20).
std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

/// A YAML node copied out of the stream, with its location.
struct Node {
  enum Kind { Scalar, Mapping, Sequence, Null } kind = Null;
  SMLoc loc;
  std::string scalar;
  struct Entry {
    std::string key;
    SMLoc keyLoc;
    std::unique_ptr<Node> value;
  };
  std::vector<Entry> entries;                // Mapping, in document order
  std::vector<std::unique_ptr<Node>> items;  // Sequence
};

using Handler = std::function<bool(const Node &)>;
struct Field {
  StringRef key;
  Handler read;
};

class Parser {
public:
  Parser(StringRef text, StringRef path) : path(path.str()) {
    llvm::MemoryBufferRef buffer(text, path);
    sm.setDiagHandler(
        [](const llvm::SMDiagnostic &diag, void *context) {
          static_cast<Parser *>(context)->record(diag);
        },
        this);
    stream = std::make_unique<llvm::yaml::Stream>(buffer, sm, /*ShowColors=*/false);
  }

  llvm::Expected<Description> run();

private:
  // --- errors -------------------------------------------------------------------------
  void record(const llvm::SMDiagnostic &diag) {
    if (!error.empty())
      return;
    llvm::raw_string_ostream os(error);
    diag.print(nullptr, os, /*ShowColors=*/false);
  }
  bool fail(SMLoc loc, const llvm::Twine &message) {
    sm.PrintMessage(loc, llvm::SourceMgr::DK_Error, message);
    return false;
  }
  bool fail(const Node &node, const llvm::Twine &message) { return fail(node.loc, message); }
  SourcePos position(SMLoc loc) {
    auto [line, column] = sm.getLineAndColumn(loc);
    return {line, column};
  }

  // --- YAML stream -> tree ------------------------------------------------------------
  std::unique_ptr<Node> copy(llvm::yaml::Node *node, int depth);

  // --- typed reads --------------------------------------------------------------------
  bool readMapping(const Node &node, StringRef what, ArrayRef<Field> fields,
                   ArrayRef<StringRef> required = {});
  bool readInt(const Node &node, StringRef key, int &out, int64_t min, int64_t max);
  bool readDouble(const Node &node, StringRef key, double &out, double min, double max,
                  bool minExclusive = false);
  bool readBool(const Node &node, StringRef key, bool &out);
  bool readChoice(const Node &node, StringRef key, ArrayRef<StringRef> choices,
                  std::string &out);
  bool readIntList(const Node &node, StringRef key, std::vector<int> &out, int64_t min,
                   int64_t max, size_t maxItems);

  // --- fields: a key and its typed reader; `seen` records where the key was -----------
  Field intField(StringRef key, int &out, int64_t min, int64_t max) {
    return {key, [=, &out](const Node &n) { return readInt(n, key, out, min, max); }};
  }
  Field numberField(StringRef key, double &out, double min, double max,
                    bool minExclusive = false, SMLoc *seen = nullptr) {
    return {key, [=, &out](const Node &n) {
              if (seen)
                *seen = n.loc;
              return readDouble(n, key, out, min, max, minExclusive);
            }};
  }
  Field boolField(StringRef key, bool &out, SMLoc *seen = nullptr) {
    return {key, [=, &out](const Node &n) {
              if (seen)
                *seen = n.loc;
              return readBool(n, key, out);
            }};
  }
  Field choiceField(StringRef key, std::vector<StringRef> choices, std::string &out,
                    SMLoc *seen = nullptr) {
    return {key, [=, &out](const Node &n) {
              if (seen)
                *seen = n.loc;
              return readChoice(n, key, choices, out);
            }};
  }

  // --- sections -----------------------------------------------------------------------
  bool readInput(const Node &node, InputSpec &input);
  bool readNetwork(const Node &node, NetworkSpec &network, StringRef what,
                   const InputSpec &input);
  bool readOptimizer(const Node &node, OptimizerSpec &optimizer);
  bool readLoss(const Node &node, Description &desc);

  std::string path;
  llvm::SourceMgr sm;
  std::unique_ptr<llvm::yaml::Stream> stream;
  std::string error;
  // Where sections were, for checks that involve more than one of them.
  SMLoc stageLoc, blurLoc;
};

std::unique_ptr<Node> Parser::copy(llvm::yaml::Node *yamlNode, int depth) {
  auto node = std::make_unique<Node>();
  if (!yamlNode)
    return node;
  node->loc = yamlNode->getSourceRange().Start;
  if (depth > 16) {
    fail(node->loc, "description is nested too deeply");
    return nullptr;
  }
  if (llvm::isa<llvm::yaml::AliasNode>(yamlNode)) {
    fail(node->loc, "YAML aliases are not supported in descriptions");
    return nullptr;
  }
  if (auto *scalar = llvm::dyn_cast<llvm::yaml::ScalarNode>(yamlNode)) {
    llvm::SmallString<64> storage;
    node->kind = Node::Scalar;
    node->scalar = scalar->getValue(storage).str();
  } else if (auto *block = llvm::dyn_cast<llvm::yaml::BlockScalarNode>(yamlNode)) {
    node->kind = Node::Scalar;
    node->scalar = block->getValue().str();
  } else if (auto *mapping = llvm::dyn_cast<llvm::yaml::MappingNode>(yamlNode)) {
    node->kind = Node::Mapping;
    for (llvm::yaml::KeyValueNode &kv : *mapping) {
      auto *key = llvm::dyn_cast_or_null<llvm::yaml::ScalarNode>(kv.getKey());
      if (!key) {
        if (error.empty())
          fail(kv.getSourceRange().Start, "expected a plain key");
        return nullptr;
      }
      llvm::SmallString<32> storage;
      std::string name = key->getValue(storage).str();
      SMLoc keyLoc = key->getSourceRange().Start;
      // An alias node's own range is unreliable; name the key it is the value of.
      if (llvm::isa_and_nonnull<llvm::yaml::AliasNode>(kv.getValue())) {
        fail(keyLoc, "'" + name + "': YAML aliases are not supported in descriptions");
        return nullptr;
      }
      for (const Node::Entry &seen : node->entries)
        if (seen.key == name) {
          fail(keyLoc, "duplicate key '" + name + "'");
          return nullptr;
        }
      auto value = copy(kv.getValue(), depth + 1);
      if (!value || !error.empty())
        return nullptr;
      node->entries.push_back({name, keyLoc, std::move(value)});
    }
  } else if (auto *sequence = llvm::dyn_cast<llvm::yaml::SequenceNode>(yamlNode)) {
    node->kind = Node::Sequence;
    for (llvm::yaml::Node &item : *sequence) {
      auto value = copy(&item, depth + 1);
      if (!value || !error.empty())
        return nullptr;
      node->items.push_back(std::move(value));
    }
  }
  if (!error.empty())
    return nullptr;
  return node;
}

bool Parser::readMapping(const Node &node, StringRef what, ArrayRef<Field> fields,
                         ArrayRef<StringRef> required) {
  if (node.kind != Node::Mapping)
    return fail(node, "expected a mapping for " + what);
  for (StringRef key : required)
    if (llvm::none_of(node.entries, [&](const Node::Entry &e) { return e.key == key; }))
      return fail(node, "missing required key '" + key + "' in " + what);
  for (const Node::Entry &entry : node.entries) {
    if (llvm::none_of(fields, [&](const Field &f) { return f.key == entry.key; })) {
      std::string known;
      for (const Field &f : fields)
        known += (known.empty() ? "" : ", ") + f.key.str();
      return fail(entry.keyLoc, "unknown key '" + entry.key + "' in " + what +
                                    " (expected one of: " + known + ")");
    }
  }
  // Fields are read in the order of the table, not of the file.
  for (const Field &field : fields)
    for (const Node::Entry &entry : node.entries)
      if (entry.key == field.key && !field.read(*entry.value))
        return false;
  return true;
}

bool Parser::readInt(const Node &node, StringRef key, int &out, int64_t min, int64_t max) {
  int64_t value;
  if (node.kind != Node::Scalar || StringRef(node.scalar).getAsInteger(10, value))
    return fail(node, "'" + key + "' must be an integer");
  if (value < min || value > max)
    return fail(node, "'" + key + "' must be in [" + llvm::Twine(min) + ", " +
                          llvm::Twine(max) + "], got " + llvm::Twine(value));
  out = static_cast<int>(value);
  return true;
}

bool Parser::readDouble(const Node &node, StringRef key, double &out, double min, double max,
                        bool minExclusive) {
  double value;
  if (node.kind != Node::Scalar || StringRef(node.scalar).getAsDouble(value) ||
      !std::isfinite(value))
    return fail(node, "'" + key + "' must be a number");
  if (value < min || value > max || (minExclusive && value == min)) {
    std::string range =
        (minExclusive ? "(" : "[") + number(min) + ", " + number(max) + "]";
    return fail(node, "'" + key + "' must be in " + range + ", got " + node.scalar);
  }
  out = value;
  return true;
}

bool Parser::readBool(const Node &node, StringRef key, bool &out) {
  if (node.kind == Node::Scalar && (node.scalar == "true" || node.scalar == "false")) {
    out = node.scalar == "true";
    return true;
  }
  return fail(node, "'" + key + "' must be true or false");
}

bool Parser::readChoice(const Node &node, StringRef key, ArrayRef<StringRef> choices,
                        std::string &out) {
  if (node.kind == Node::Scalar && llvm::is_contained(choices, StringRef(node.scalar))) {
    out = node.scalar;
    return true;
  }
  std::string list;
  for (StringRef c : choices)
    list += (list.empty() ? "" : ", ") + c.str();
  return fail(node, "'" + key + "' must be one of: " + list);
}

bool Parser::readIntList(const Node &node, StringRef key, std::vector<int> &out, int64_t min,
                         int64_t max, size_t maxItems) {
  if (node.kind != Node::Sequence || node.items.empty() || node.items.size() > maxItems)
    return fail(node, "'" + key + "' must be a list of 1 to " + llvm::Twine(maxItems) +
                          " integers");
  out.clear();
  for (const auto &item : node.items) {
    int value;
    if (!readInt(*item, key, value, min, max))
      return false;
    out.push_back(value);
  }
  return true;
}

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
  SMLoc scaleLoc;
  bool ok = readMapping(
      node, "'loss'",
      {numberField("temperature", desc.loss.temperature, 0.0, 1e3, /*minExclusive=*/true),
       boolField("scale_by_temperature_squared", desc.loss.scaleByTemperatureSquared,
                 &scaleLoc)});
  if (ok && scaleLoc.isValid() && desc.stage != Stage::Distill)
    return fail(scaleLoc, "'scale_by_temperature_squared' only applies to distillation");
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
  auto failure = [&]() {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   error.empty() ? path + ": error: invalid description"
                                                 : error);
  };

  auto docs = stream->begin();
  if (docs == stream->end() || !docs->getRoot() || !error.empty()) {
    if (error.empty())
      fail(SMLoc::getFromPointer(sm.getMemoryBuffer(1)->getBufferStart()),
           "empty description");
    return failure();
  }
  std::unique_ptr<Node> root = copy(docs->getRoot(), 0);
  if (!root || !error.empty())
    return failure();
  if (root->kind == Node::Null) {
    fail(*root, "the description is empty");
    return failure();
  }
  if (root->kind != Node::Mapping) {
    fail(*root, "a description must be a mapping with 'name', 'stage', 'input', "
                "'network', ...");
    return failure();
  }
  if (++docs != stream->end()) {
    fail(docs->getRoot() ? docs->getRoot()->getSourceRange().Start : root->loc,
         "a description file holds a single YAML document");
    return failure();
  }

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
             *classifierNode = nullptr;
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
       {"optimizer", [&](const Node &n) { return readOptimizer(n, desc.optimizer); }},
       {"augment", [&](const Node &n) {
          return readMapping(
              n, "'augment'",
              {numberField("crop_min_area", desc.augment.cropMinArea, 0.0, 1.0,
                           /*minExclusive=*/true),
               numberField("color_strength", desc.augment.colorStrength, 0.0, 2.0),
               boolField("flip", desc.augment.flip),
               boolField("blur", desc.augment.blur, &blurLoc)});
        }}});
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
