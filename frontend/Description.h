//===- Description.h - a SimCLRv2 model + training-step description -*- C++ -*-===//
//
// The in-memory form of a description file (docs/FRONTEND.md documents the YAML). The
// parser fills it and checks every value; the builder turns it into the simclr dialect.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_FRONTEND_DESCRIPTION_H
#define SIMCLR_FRONTEND_DESCRIPTION_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::simclr::frontend {

/// A place in the description file, for errors found after parsing (1-based; 0 = unknown).
struct SourcePos {
  unsigned line = 0, column = 0;
};

enum class Stage { Pretrain, Finetune, Distill, LinearEval };
enum class BlockKind { Basic, Bottleneck };
enum class Stem { ImageNet, Small };

llvm::StringRef stageName(Stage stage);

struct HeadSpec {
  int layers = 3;          ///< dense+BN layers of the projection head (0: none)
  int outputDim = 128;     ///< width of the last layer; the others keep the input width
  int finetuneFromLayer = 1; ///< the classifier sits on the output of this head layer (0: backbone)
};

struct BatchNormSpec {
  double momentum = 0.9;   ///< TensorFlow's decay: running = m * running + (1 - m) * batch
  double epsilon = 1e-5;
  bool global = true;      ///< statistics over the global batch of all replicas
};

struct NetworkSpec {
  int depth = 50;                 ///< 18, 34, 50, 101, 152; 0 when `blocks` is given
  BlockKind block = BlockKind::Bottleneck;
  std::vector<int> blocks;        ///< residual blocks per group (filled from depth if absent)
  int widthMultiplier = 1;
  int baseWidth = 64;             ///< stem and first-group width before the multiplier
  double skRatio = 0.0;           ///< selective kernels when > 0 (implies ResNet-D)
  Stem stem = Stem::ImageNet;
  HeadSpec head;
  BatchNormSpec batchNorm;
  SourcePos pos;                  ///< where the network mapping starts
};

struct InputSpec {
  int channels = 3, height = 224, width = 224;
  int batchSize = 256;            ///< images per step per replica
};

struct OptimizerSpec {
  std::string kind = "lars";      ///< lars | momentum
  double learningRate = 0.3;      ///< base rate, scaled by lrScaling
  std::string lrScaling = "linear"; ///< linear (lr * B / 256) | sqrt (lr * sqrt(B))
  double momentum = 0.9;
  bool nesterov = false;
  double weightDecay = 1e-6;
  double trustCoefficient = 0.001;
  double warmupEpochs = 10;
  double epochs = 100;
};

struct LossSpec {
  double temperature = 0.1;
  bool scaleByTemperatureSquared = false; ///< distillation only, as the reference colab
  /// Distillation only: the weight of the student's cross entropy on the batch's labelled
  /// images, added to the distillation loss (0: none, and the step takes no labels).
  double labelWeight = 0;
};

/// The memory of negatives (docs/MEMORY.md): pretraining only.
struct MemorySpec {
  int queue = 0;          ///< K, the queue's rows; 0: no memory
  double momentum = 0.99; ///< m of the EMA network: ema = m * ema + (1 - m) * online
};

/// The augmentations of a stage's views (docs/STAGES.md). Colour jitter, grayscale and
/// blur apply to pretraining only; fine-tuning and distillation crop and flip.
struct AugmentSpec {
  double cropMinArea = 0.08;      ///< random resized crop: smallest area fraction
  double colorStrength = 1.0;     ///< colour jitter strength s (0.5 in the CIFAR recipe)
  bool flip = true;
  bool blur = false;              ///< default: on for images of 64 px and more
};

struct Description {
  std::string path;               ///< file it came from (for locations)
  std::string name;
  Stage stage = Stage::Pretrain;
  InputSpec input;
  NetworkSpec network;            ///< the trained network (the student when distilling)
  std::optional<NetworkSpec> teacher; ///< distillation only
  int numClasses = 0;             ///< classifier outputs; 0 in pretraining
  OptimizerSpec optimizer;
  LossSpec loss;
  AugmentSpec augment;
  MemorySpec memory;
  /// "f32" or "bf16": the element type of the convolutions and matrix products
  /// (simclr-mixed-precision); batch norm, losses and the optimizer stay f32.
  std::string precision = "f32";
  /// How many replicas train together (data-parallel, docs/DISTRIBUTED.md); the input's
  /// batch_size is per replica.
  int replicas = 1;
};

/// The keys one pretraining step puts into the memory's queue: two views of the global
/// batch. The queue must hold at least that many.
inline int64_t stepKeys(const Description &desc) {
  return int64_t(2) * desc.input.batchSize * desc.replicas;
}

/// Parses a description from `text`; `path` names it in error messages. Errors read
/// `path:line:col: error: message`.
llvm::Expected<Description> parseDescription(llvm::StringRef text, llvm::StringRef path);

/// Reads and parses a description file.
llvm::Expected<Description> parseDescriptionFile(llvm::StringRef path);

} // namespace mlir::simclr::frontend

#endif // SIMCLR_FRONTEND_DESCRIPTION_H
