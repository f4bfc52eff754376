//===- ModelBuilder.cpp - Description -> simclr dialect --------------------===//
//
// Emits a SimCLRv2 network the way the reference implementation (tf2/resnet.py and
// model.py) builds it, with torchvision's parameter names so that PyTorch checkpoints map
// directly. docs/FRONTEND.md lists the names, including those of the selective-kernel
// branch, the ResNet-D stem and shortcut, and the projection head.
//
// Each network is emitted by a NetworkEmitter in one of two modes: training (batch norm with
// batch statistics, running statistics stored back to state) or inference (batch norm with
// running statistics), the latter for frozen networks and the eval entry points.
//
//===----------------------------------------------------------------------===//

#include "frontend/ModelBuilder.h"
#include "dialects/simclr/IR/SimclrOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringSet.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::simclr;
using namespace mlir::simclr::frontend;

namespace {

/// What every network of a module shares: the module, and its parameter declarations.
class ModuleState {
public:
  ModuleState(ModuleOp module) : module(module), declBuilder(module.getContext()) {
    declBuilder.setInsertionPointToEnd(module.getBody());
  }

  /// Declares a parameter (once) and returns its type.
  RankedTensorType declareParameter(Location loc, StringRef name, ArrayRef<int64_t> shape,
                                    StringRef group, StringRef init, double initStd,
                                    bool frozen) {
    auto type = RankedTensorType::get(shape, declBuilder.getF32Type());
    if (declared.insert(name).second) {
      FloatAttr std = init == "normal" ? declBuilder.getF64FloatAttr(initStd) : FloatAttr();
      ParameterOp::create(declBuilder, loc, declBuilder.getStringAttr(name),
                          TypeAttr::get(type), declBuilder.getStringAttr(group),
                          declBuilder.getStringAttr(init), std,
                          frozen ? declBuilder.getUnitAttr() : UnitAttr());
    }
    return type;
  }

  RankedTensorType declareState(Location loc, StringRef name, ArrayRef<int64_t> shape,
                                StringRef init, StringRef group) {
    auto type = RankedTensorType::get(shape, declBuilder.getF32Type());
    if (declared.insert(name).second)
      StateOp::create(declBuilder, loc, declBuilder.getStringAttr(name), TypeAttr::get(type),
                      declBuilder.getStringAttr(init), declBuilder.getStringAttr(group));
    return type;
  }

  ModuleOp module;

private:
  OpBuilder declBuilder;
  llvm::StringSet<> declared;
};

/// Width of residual group `group` (the bottleneck width for bottleneck blocks).
int64_t groupWidth(const NetworkSpec &spec, size_t group) {
  return int64_t(spec.baseWidth) * spec.widthMultiplier << group;
}

/// Output width of the backbone.
int64_t featureWidth(const NetworkSpec &spec) {
  int64_t last = groupWidth(spec, spec.blocks.size() - 1);
  return spec.block == BlockKind::Bottleneck ? 4 * last : last;
}

/// How a network is emitted into a function.
struct NetworkMode {
  std::string prefix;      ///< parameter-name prefix ("", "teacher." or "ema.")
  bool training = true;    ///< batch statistics (and running-statistics updates)
  bool frozen = false;     ///< parameters marked frozen
  /// The memory's EMA network (prefix "ema."): its weights are state, moved towards the
  /// online network's by this momentum as the step begins (docs/MEMORY.md).
  std::optional<double> emaMomentum;
};

/// Emits one network (backbone, projection head, classifier) into the function `b` points
/// into. Parameters are declared in the module and loaded where they are used.
class NetworkEmitter {
public:
  NetworkEmitter(ModuleState &state, OpBuilder &b, const Description &desc,
                 const NetworkSpec &spec, NetworkMode mode)
      : state(state), b(b), desc(desc), spec(spec), mode(std::move(mode)),
        fileLoc(FileLineColLoc::get(b.getContext(), desc.path, spec.pos.line,
                                    spec.pos.column)) {}

  /// Backbone: images [N, C, H, W] -> features [N, D].
  Value backbone(Value x);
  /// Projection-head layers [0, layers): returns the output of the last one.
  Value head(Value h, int layers);
  /// Linear classifier on top of `h`.
  Value classifier(Value h, int numClasses);

private:
  int64_t groupWidth(size_t group) const { return ::groupWidth(spec, group); }
  Location at(StringRef name) {
    return NameLoc::get(b.getStringAttr(mode.prefix + name), fileLoc);
  }
  static int64_t channels(Value v) {
    return llvm::cast<RankedTensorType>(v.getType()).getDimSize(1);
  }

  Value parameter(StringRef name, ArrayRef<int64_t> shape, StringRef part, StringRef init,
                  double initStd = 0.0) {
    std::string full = mode.prefix + name.str();
    Location loc = at(name);
    if (mode.emaMomentum)
      return movingAverage(loc, name, full, shape, part, init, initStd);
    auto type = state.declareParameter(loc, full, shape, (mode.prefix + part).str(), init, initStd,
                                       mode.frozen);
    return LoadOp::create(b, loc, type, full);
  }
  /// The EMA network's copy of parameter `name`: ema = m * ema + (1 - m) * online, stored
  /// back and used. With the update first and the online weights as the optimizer left
  /// them, this is MoCo's order (its key encoder moves after each optimizer update).
  Value movingAverage(Location loc, StringRef name, StringRef full, ArrayRef<int64_t> shape,
                      StringRef part, StringRef init, double initStd) {
    double m = *mode.emaMomentum;
    auto type = state.declareParameter(loc, name, shape, part, init, initStd, false);
    state.declareState(loc, full, shape, ("copy:" + name).str(), (mode.prefix + part).str());
    Value average = LoadOp::create(b, loc, type, full), online = LoadOp::create(b, loc, type, name);
    Value moved = AddOp::create(b, loc, ScaleOp::create(b, loc, average, b.getF64FloatAttr(m)),
                                ScaleOp::create(b, loc, online, b.getF64FloatAttr(1.0 - m)));
    StoreOp::create(b, loc, moved, full);
    return moved;
  }
  Value stateTensor(StringRef name, int64_t size, StringRef init, StringRef part) {
    std::string full = mode.prefix + name.str();
    Location loc = at(name);
    auto type = state.declareState(loc, full, {size}, init, (mode.prefix + part).str());
    return LoadOp::create(b, loc, type, full);
  }

  Value conv(Value x, StringRef name, int64_t outChannels, int64_t kernel, int64_t stride);
  Value batchNorm(Value x, StringRef name, bool relu, bool zeroInit = false,
                  bool center = true, StringRef part = "backbone");
  Value stem(Value x);
  Value block(Value x, StringRef name, int64_t width, int64_t stride, bool project);
  Value selectiveKernel(Value x, StringRef name, int64_t width, int64_t stride);

  ModuleState &state;
  OpBuilder &b;
  const Description &desc;
  const NetworkSpec &spec;
  NetworkMode mode;
  Location fileLoc;
};

/// TensorFlow's fixed padding (conv2d_fixed_padding): k-1 split as evenly as possible,
/// the extra row and column at the end.
Value NetworkEmitter::conv(Value x, StringRef name, int64_t outChannels, int64_t kernel,
                           int64_t stride) {
  Value w = parameter((name + ".weight").str(), {outChannels, channels(x), kernel, kernel},
                      "backbone", "variance_scaling");
  int64_t before = (kernel - 1) / 2, after = kernel - 1 - before;
  return Conv2DOp::create(b, at(name), x, w, b.getDenseI64ArrayAttr({stride, stride}),
                          b.getDenseI64ArrayAttr({before, before, after, after}),
                          b.getDenseI64ArrayAttr({1, 1}), b.getI64IntegerAttr(1));
}

Value NetworkEmitter::batchNorm(Value x, StringRef name, bool relu, bool zeroInit,
                                bool center, StringRef part) {
  int64_t c = channels(x);
  Location loc = at(name);
  Value gamma = parameter((name + ".weight").str(), {c}, part, zeroInit ? "zeros" : "ones");
  Value beta = center ? parameter((name + ".bias").str(), {c}, part, "zeros") : Value();
  std::string meanName = (name + ".running_mean").str(), varName = (name + ".running_var").str();
  Value mean = stateTensor(meanName, c, "zeros", part);
  Value var = stateTensor(varName, c, "ones", part);
  FloatAttr epsilon = b.getF32FloatAttr(spec.batchNorm.epsilon);
  Value y;
  if (mode.training) {
    auto bn = BatchNormTrainOp::create(
        b, loc, x, gamma, beta, mean, var, epsilon,
        b.getF32FloatAttr(spec.batchNorm.momentum),
        spec.batchNorm.global ? b.getUnitAttr() : UnitAttr());
    StoreOp::create(b, loc, bn.getNewRunningMean(), mode.prefix + meanName);
    StoreOp::create(b, loc, bn.getNewRunningVar(), mode.prefix + varName);
    y = bn.getOutput();
  } else {
    y = BatchNormInferOp::create(b, loc, x, gamma, beta, mean, var, epsilon,
                                 /*channels_last=*/UnitAttr());
  }
  return relu ? ReluOp::create(b, loc, y).getResult() : y;
}

Value NetworkEmitter::stem(Value x) {
  int64_t width = groupWidth(0);
  if (spec.stem == Stem::Small) {
    // Small images: one 3x3 stride-1 conv, no max-pool.
    x = conv(x, "conv1", width, 3, 1);
    return batchNorm(x, "bn1", /*relu=*/true);
  }
  if (spec.skRatio > 0) {
    // ResNet-D deep stem (timm's names: conv1 is a Sequential of conv, bn, relu, ...).
    x = conv(x, "conv1.0", width / 2, 3, 2);
    x = batchNorm(x, "conv1.1", true);
    x = conv(x, "conv1.3", width / 2, 3, 1);
    x = batchNorm(x, "conv1.4", true);
    x = conv(x, "conv1.6", width, 3, 1);
  } else {
    x = conv(x, "conv1", width, 7, 2);
  }
  x = batchNorm(x, "bn1", true);
  return MaxPool2DOp::create(b, at("maxpool"), x, b.getDenseI64ArrayAttr({3, 3}),
                             b.getDenseI64ArrayAttr({2, 2}),
                             b.getDenseI64ArrayAttr({1, 1, 1, 1}));
}

/// Selective kernel (SK) convolution: one 3x3 conv to 2F channels split into two streams,
/// mixed by a softmax across the streams of a squeeze-and-excite style attention.
Value NetworkEmitter::selectiveKernel(Value x, StringRef name, int64_t width,
                                      int64_t stride) {
  Location loc = at(name);
  int64_t batch = llvm::cast<RankedTensorType>(x.getType()).getDimSize(0);
  int64_t mid = std::max<int64_t>(static_cast<int64_t>(width * spec.skRatio), 32);
  x = conv(x, (name + ".conv").str(), 2 * width, 3, stride);
  x = batchNorm(x, (name + ".bn").str(), true);
  auto streams = SplitOp::create(b, loc, x, b.getI64IntegerAttr(1),
                                 b.getDenseI64ArrayAttr({width, width}));
  Value a = streams.getResult(0), c = streams.getResult(1);
  Value sum = AddOp::create(b, loc, a, c);
  Value global = GlobalAvgPoolOp::create(b, loc, sum, b.getUnitAttr());
  Value reduced = conv(global, (name + ".attn.fc_reduce").str(), mid, 1, 1);
  reduced = batchNorm(reduced, (name + ".attn.bn").str(), true);
  Value select = conv(reduced, (name + ".attn.fc_select").str(), 2 * width, 1, 1);
  auto f32 = b.getF32Type();
  Value perStream = ReshapeOp::create(b, loc, RankedTensorType::get({batch, 2, width}, f32),
                                      select);
  Value weights = SoftmaxOp::create(b, loc, perStream, b.getI64IntegerAttr(1));
  Value flat = ReshapeOp::create(b, loc, RankedTensorType::get({batch, 2 * width, 1, 1}, f32),
                                 weights);
  auto mix = SplitOp::create(b, loc, flat, b.getI64IntegerAttr(1),
                             b.getDenseI64ArrayAttr({width, width}));
  Value wa = MulOp::create(b, loc, a, mix.getResult(0));
  Value wc = MulOp::create(b, loc, c, mix.getResult(1));
  return AddOp::create(b, loc, wa, wc);
}

Value NetworkEmitter::block(Value x, StringRef name, int64_t width, int64_t stride,
                            bool project) {
  bool bottleneck = spec.block == BlockKind::Bottleneck;
  int64_t outWidth = bottleneck ? 4 * width : width;
  std::string n = name.str();
  Value shortcut = x;
  if (project) {
    if (spec.skRatio > 0) {
      // ResNet-D: a 2x2 average pool carries the stride, then a 1x1 conv. The reference
      // pads the end by one and pools VALID for stride 2, and pools SAME for stride 1.
      shortcut = AvgPool2DOp::create(
          b, at(n + ".downsample.0"), x, b.getDenseI64ArrayAttr({2, 2}),
          b.getDenseI64ArrayAttr({stride, stride}), b.getDenseI64ArrayAttr({0, 0, 1, 1}),
          stride > 1 ? b.getUnitAttr() : UnitAttr());
      shortcut = conv(shortcut, n + ".downsample.1", outWidth, 1, 1);
      shortcut = batchNorm(shortcut, n + ".downsample.2", false);
    } else {
      shortcut = conv(x, n + ".downsample.0", outWidth, 1, stride);
      shortcut = batchNorm(shortcut, n + ".downsample.1", false);
    }
  }
  Value y;
  if (bottleneck) {
    y = conv(x, n + ".conv1", width, 1, 1);
    y = batchNorm(y, n + ".bn1", true);
    if (spec.skRatio > 0) {
      y = selectiveKernel(y, n + ".conv2", width, stride);
    } else {
      y = conv(y, n + ".conv2", width, 3, stride);
      y = batchNorm(y, n + ".bn2", true);
    }
    y = conv(y, n + ".conv3", outWidth, 1, 1);
    y = batchNorm(y, n + ".bn3", false, /*zeroInit=*/true);
  } else {
    y = conv(x, n + ".conv1", width, 3, stride);
    y = batchNorm(y, n + ".bn1", true);
    y = conv(y, n + ".conv2", width, 3, 1);
    y = batchNorm(y, n + ".bn2", false, /*zeroInit=*/true);
  }
  Location loc = at(n);
  return ReluOp::create(b, loc, AddOp::create(b, loc, y, shortcut));
}

Value NetworkEmitter::backbone(Value x) {
  x = stem(x);
  for (size_t g = 0; g < spec.blocks.size(); ++g) {
    int64_t width = groupWidth(g);
    for (int i = 0; i < spec.blocks[g]; ++i) {
      int64_t stride = (g > 0 && i == 0) ? 2 : 1;
      int64_t outWidth = spec.block == BlockKind::Bottleneck ? 4 * width : width;
      // torchvision: a projection shortcut where the shape changes.
      bool project = i == 0 && (stride != 1 || channels(x) != outWidth);
      x = block(x, "layer" + std::to_string(g + 1) + "." + std::to_string(i), width, stride,
                project);
    }
  }
  return GlobalAvgPoolOp::create(b, at("avgpool"), x, UnitAttr());
}

/// The SimCLRv2 projection head: dense (no bias) + BN (+ ReLU) per layer; the middle layers
/// keep the input width and have BN with beta and a ReLU, the last one has `outputDim`
/// outputs and BN without beta.
Value NetworkEmitter::head(Value h, int layers) {
  int64_t width = llvm::cast<RankedTensorType>(h.getType()).getDimSize(1);
  for (int j = 0; j < layers; ++j) {
    bool last = j == spec.head.layers - 1;
    int64_t out = last ? spec.head.outputDim : width;
    std::string name = "head." + std::to_string(j);
    Value w = parameter(name + ".fc.weight", {out, width}, "head", "normal", 0.01);
    h = DenseOp::create(b, at(name + ".fc"), h, w, Value());
    h = batchNorm(h, name + ".bn", /*relu=*/!last, false, /*center=*/!last, "head");
  }
  return h;
}

Value NetworkEmitter::classifier(Value h, int numClasses) {
  int64_t width = llvm::cast<RankedTensorType>(h.getType()).getDimSize(1);
  Value w = parameter("fc.weight", {numClasses, width}, "classifier", "normal", 0.01);
  Value bias = parameter("fc.bias", {numClasses}, "classifier", "zeros");
  return DenseOp::create(b, at("fc"), h, w, bias);
}

/// The fine-tuned model: backbone, head layers up to `finetuneFromLayer`, classifier.
Value classify(NetworkEmitter &net, const NetworkSpec &spec, Value images, int numClasses) {
  Value h = net.head(net.backbone(images), spec.head.finetuneFromLayer);
  return net.classifier(h, numClasses);
}

/// The memory (docs/MEMORY.md): returns the queue as the step begins, for the loss's
/// negatives, and stores the queue the next step reads: this step's keys (the EMA
/// network's embeddings of both views, gathered from every replica) in front, the oldest
/// rows dropped.
template <typename Project>
Value memoryQueue(ModuleState &state, OpBuilder &b, const Description &desc, Project project,
                  Value z) {
  auto type = llvm::cast<RankedTensorType>(z.getType());
  int64_t K = desc.memory.queue, D = type.getDimSize(1);
  Location loc = NameLoc::get(b.getStringAttr("memory"),
                              FileLineColLoc::get(b.getContext(), desc.path, 1, 1));
  auto queueType = state.declareState(loc, "memory.queue", {K, D}, "zeros", "memory");
  Value queue = LoadOp::create(b, loc, queueType, "memory.queue");

  NetworkEmitter ema(state, b, desc, desc.network, {"ema.", true, true, desc.memory.momentum});
  Value keys = project(ema);
  if (desc.replicas > 1) // every replica's keys: the same queue on every replica
    keys = gatherViews(b, loc, keys, desc.replicas);
  int64_t fresh = llvm::cast<RankedTensorType>(keys.getType()).getDimSize(0);
  Value next = keys;
  if (K > fresh) {
    Value kept = SliceOp::create(b, loc, queue, b.getDenseI64ArrayAttr({0, 0}),
                                 b.getDenseI64ArrayAttr({K - fresh, D}), /*strides=*/nullptr);
    next = ConcatOp::create(b, loc, ValueRange{keys, kept}, b.getI64IntegerAttr(0));
  }
  StoreOp::create(b, loc, next, "memory.queue");
  return queue;
}

DictionaryAttr optimizerAttr(Builder &b, const OptimizerSpec &opt) {
  SmallVector<NamedAttribute> entries = {
      b.getNamedAttr("kind", b.getStringAttr(opt.kind)),
      b.getNamedAttr("learning_rate", b.getF64FloatAttr(opt.learningRate)),
      b.getNamedAttr("lr_scaling", b.getStringAttr(opt.lrScaling)),
      b.getNamedAttr("momentum", b.getF64FloatAttr(opt.momentum)),
      b.getNamedAttr("nesterov", b.getBoolAttr(opt.nesterov)),
      b.getNamedAttr("weight_decay", b.getF64FloatAttr(opt.weightDecay)),
      b.getNamedAttr("warmup_epochs", b.getF64FloatAttr(opt.warmupEpochs)),
      b.getNamedAttr("epochs", b.getF64FloatAttr(opt.epochs))};
  if (opt.kind == "lars")
    entries.push_back(
        b.getNamedAttr("trust_coefficient", b.getF64FloatAttr(opt.trustCoefficient)));
  return b.getDictionaryAttr(entries);
}

DictionaryAttr lossAttr(Builder &b, const Description &desc) {
  StringRef kind = desc.stage == Stage::Pretrain  ? "nt_xent"
                   : desc.stage == Stage::Distill ? "distillation"
                                                  : "cross_entropy";
  SmallVector<NamedAttribute> entries = {b.getNamedAttr("kind", b.getStringAttr(kind))};
  if (desc.stage == Stage::Pretrain || desc.stage == Stage::Distill)
    entries.push_back(
        b.getNamedAttr("temperature", b.getF64FloatAttr(desc.loss.temperature)));
  if (desc.stage == Stage::Distill)
    entries.push_back(b.getNamedAttr("scale_by_temperature_squared",
                                     b.getBoolAttr(desc.loss.scaleByTemperatureSquared)));
  if (desc.stage == Stage::Distill && desc.loss.labelWeight > 0)
    entries.push_back(
        b.getNamedAttr("label_weight", b.getF64FloatAttr(desc.loss.labelWeight)));
  return b.getDictionaryAttr(entries);
}

DictionaryAttr inputAttr(Builder &b, const Description &desc, int views) {
  const InputSpec &in = desc.input;
  SmallVector<NamedAttribute> entries = {
      b.getNamedAttr("batch_size", b.getI64IntegerAttr(in.batchSize)),
      b.getNamedAttr("views", b.getI64IntegerAttr(views)),
      b.getNamedAttr("channels", b.getI64IntegerAttr(in.channels)),
      b.getNamedAttr("height", b.getI64IntegerAttr(in.height)),
      b.getNamedAttr("width", b.getI64IntegerAttr(in.width))};
  if (desc.numClasses > 0)
    entries.push_back(b.getNamedAttr("num_classes", b.getI64IntegerAttr(desc.numClasses)));
  return b.getDictionaryAttr(entries);
}

DictionaryAttr augmentAttr(Builder &b, const AugmentSpec &a) {
  return b.getDictionaryAttr(
      {b.getNamedAttr("crop_min_area", b.getF64FloatAttr(a.cropMinArea)),
       b.getNamedAttr("color_strength", b.getF64FloatAttr(a.colorStrength)),
       b.getNamedAttr("flip", b.getBoolAttr(a.flip)),
       b.getNamedAttr("blur", b.getBoolAttr(a.blur))});
}

/// Creates `@name(args) -> results` at the end of the module and returns its entry block.
func::FuncOp createFunction(ModuleOp module, Location loc, StringRef name,
                            ArrayRef<Type> args, ArrayRef<Type> results) {
  OpBuilder b(module.getContext());
  b.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(b, loc, name, b.getFunctionType(args, results));
  func.addEntryBlock();
  return func;
}

} // namespace

void mlir::simclr::frontend::loadFrontendDialects(MLIRContext &context) {
  context.loadDialect<SimclrDialect, func::FuncDialect>();
}

namespace mlir::simclr::frontend {
OwningOpRef<ModuleOp> buildModule(const Description &desc, MLIRContext &context) {
  loadFrontendDialects(context);
  Location fileLoc = FileLineColLoc::get(&context, desc.path, 1, 1);
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc, StringRef(desc.name));
  ModuleState state(*module);
  Builder attrs(&context);

  const InputSpec &in = desc.input;
  auto f32 = Float32Type::get(&context);
  auto scalar = RankedTensorType::get({}, f32);
  int views = desc.stage == Stage::Pretrain ? 2 : 1;
  auto images = RankedTensorType::get(
      {int64_t(in.batchSize) * views, in.channels, in.height, in.width}, f32);
  auto labels = RankedTensorType::get({in.batchSize}, IntegerType::get(&context, 32));

  // The training step.
  SmallVector<Type> stepArgs = {images};
  if (desc.stage == Stage::Finetune || desc.stage == Stage::LinearEval ||
      (desc.stage == Stage::Distill && desc.loss.labelWeight > 0))
    stepArgs.push_back(labels);
  func::FuncOp step = createFunction(*module, fileLoc, "train_step", stepArgs, {scalar, scalar});
  auto *simclr = context.getLoadedDialect<SimclrDialect>();
  if (desc.precision != "f32")
    simclr->getPrecisionAttrHelper().setAttr(*module, attrs.getStringAttr(desc.precision));
  if (desc.replicas != 1)
    simclr->getReplicasAttrHelper().setAttr(*module, attrs.getI64IntegerAttr(desc.replicas));
  simclr->getStageAttrHelper().setAttr(step, attrs.getStringAttr(stageName(desc.stage)));
  simclr->getInputAttrHelper().setAttr(step, inputAttr(attrs, desc, views));
  simclr->getLossAttrHelper().setAttr(step, lossAttr(attrs, desc));
  simclr->getAugmentAttrHelper().setAttr(step, augmentAttr(attrs, desc.augment));
  simclr->getOptimizerAttrHelper().setAttr(step, optimizerAttr(attrs, desc.optimizer));
  {
    OpBuilder b = OpBuilder::atBlockEnd(&step.getBody().front());
    Value x = step.getArgument(0);
    Location loc = step.getLoc();
    Value loss, accuracy;
    auto take = [&](Operation *lossOp) {
      loss = lossOp->getResult(0), accuracy = lossOp->getResult(1);
    };
    switch (desc.stage) {
    case Stage::Pretrain: {
      NetworkEmitter net(state, b, desc, desc.network, {"", true, false});
      auto project = [&](NetworkEmitter &network) {
        Value z = network.head(network.backbone(x), desc.network.head.layers);
        return L2NormalizeOp::create(b, loc, z, b.getI64IntegerAttr(1),
                                     b.getF32FloatAttr(1e-12f))
            .getResult();
      };
      Value z = project(net);
      Value queue;
      if (desc.memory.queue > 0)
        queue = memoryQueue(state, b, desc, project, z);
      take(NtXentLossOp::create(b, loc, z, queue, /*replica=*/Value(),
                                b.getF32FloatAttr(desc.loss.temperature), /*replicas=*/nullptr));
      break;
    }
    case Stage::Finetune:
    case Stage::LinearEval: {
      // Linear evaluation trains the classifier on a frozen backbone (and head layers).
      bool linear = desc.stage == Stage::LinearEval;
      NetworkEmitter net(state, b, desc, desc.network, {"", !linear, linear});
      Value h = net.head(net.backbone(x), desc.network.head.finetuneFromLayer);
      NetworkEmitter top(state, b, desc, desc.network, {"", true, false});
      Value logits = top.classifier(h, desc.numClasses);
      take(SoftmaxCrossEntropyOp::create(b, loc, logits, step.getArgument(1)));
      break;
    }
    case Stage::Distill: {
      NetworkEmitter teacher(state, b, desc, *desc.teacher, {"teacher.", false, true});
      Value teacherLogits = classify(teacher, *desc.teacher, x, desc.numClasses);
      NetworkEmitter student(state, b, desc, desc.network, {"", true, false});
      Value studentLogits = classify(student, desc.network, x, desc.numClasses);
      double t = desc.loss.temperature;
      take(DistillationLossOp::create(b, loc, studentLogits, teacherLogits,
                                      b.getF32FloatAttr(float(t))));
      if (desc.loss.scaleByTemperatureSquared)
        loss = ScaleOp::create(b, loc, loss, b.getF64FloatAttr(t * t));
      if (desc.loss.labelWeight > 0) {
        // The labelled images' cross entropy (unlabelled rows carry label -1).
        auto labelled = SoftmaxCrossEntropyOp::create(b, loc, studentLogits, step.getArgument(1));
        Value term =
            ScaleOp::create(b, loc, labelled.getLoss(), b.getF64FloatAttr(desc.loss.labelWeight));
        loss = AddOp::create(b, loc, loss, term);
      }
      break;
    }
    }
    func::ReturnOp::create(b, loc, ValueRange{loss, accuracy});
  }

  // The inference entry point: backbone features after pretraining, logits otherwise.
  auto evalImages = RankedTensorType::get({in.batchSize, in.channels, in.height, in.width}, f32);
  if (desc.stage == Stage::Pretrain) {
    auto features = RankedTensorType::get({in.batchSize, featureWidth(desc.network)}, f32);
    func::FuncOp embed = createFunction(*module, fileLoc, "embed", {evalImages}, {features});
    OpBuilder b = OpBuilder::atBlockEnd(&embed.getBody().front());
    NetworkEmitter net(state, b, desc, desc.network, {"", false, false});
    func::ReturnOp::create(b, fileLoc, ValueRange{net.backbone(embed.getArgument(0))});
  } else {
    auto logits = RankedTensorType::get({in.batchSize, desc.numClasses}, f32);
    func::FuncOp predict = createFunction(*module, fileLoc, "predict", {evalImages}, {logits});
    OpBuilder b = OpBuilder::atBlockEnd(&predict.getBody().front());
    NetworkEmitter net(state, b, desc, desc.network,
                       {"", false, desc.stage == Stage::LinearEval});
    func::ReturnOp::create(b, fileLoc,
                           ValueRange{classify(net, desc.network, predict.getArgument(0),
                                               desc.numClasses)});
  }

  // Declarations were created as the networks needed them; list them before the functions.
  Operation *firstFunction = (*module->getOps<func::FuncOp>().begin()).getOperation();
  for (Operation &op : llvm::make_early_inc_range(module->getBody()->getOperations()))
    if (llvm::isa<ParameterOp, StateOp>(op) && firstFunction->isBeforeInBlock(&op))
      op.moveBefore(firstFunction);

  if (failed(verify(*module)))
    return nullptr;
  return module;
}
} // namespace mlir::simclr::frontend
