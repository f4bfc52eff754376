//===- TinyModels.h - small compiled steps for runtime tests ----*- C++ -*-===//
#ifndef SIMCLR_TEST_UNIT_TINYMODELS_H
#define SIMCLR_TEST_UNIT_TINYMODELS_H

#include "frontend/Description.h"
#include "frontend/ModelBuilder.h"
#include "passes/Passes.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

#include <string>

namespace mlir::simclr::tiny {

/// A description of a small network (8x8 gray images, batch 4, basic blocks [1, 1] of
/// width 4, 2-layer head) for `stage`, with `extra` appended (more top-level keys).
inline std::string tinyDescription(const std::string &stage, const std::string &extra = "") {
  const char *network = "  blocks: [1, 1]\n  block: basic\n  base_width: 4\n"
                        "  head: {layers: 2, output_dim: 6, finetune_from_layer: 1}\n";
  std::string text = "name: tiny\nstage: " + stage +
                     "\ninput: {channels: 1, height: 8, width: 8, batch_size: 4}\nnetwork:\n" +
                     network + extra;
  if (stage != "pretrain")
    text += "classifier: {num_classes: 3}\n";
  if (stage == "distill")
    text += std::string("teacher:\n") + network;
  return text;
}

/// A selective-kernel ResNet-D network (bottleneck blocks, the ImageNet-style deep stem
/// with max-pooling) on 16x16 images, for `stage`.
inline std::string tinySkDescription(const std::string &stage, const std::string &extra = "") {
  const char *network = "  blocks: [1, 1]\n  block: bottleneck\n  base_width: 4\n"
                        "  sk_ratio: 0.0625\n  stem: imagenet\n"
                        "  head: {layers: 2, output_dim: 6, finetune_from_layer: 1}\n";
  std::string text = "name: tiny_sk\nstage: " + stage +
                     "\ninput: {channels: 3, height: 16, width: 16, batch_size: 2}\nnetwork:\n" +
                     network + extra;
  if (stage != "pretrain")
    text += "classifier: {num_classes: 3}\n";
  return text;
}

/// The description built and compiled by simclr-training-step; null (with a test
/// failure) if any step fails.
inline OwningOpRef<ModuleOp> compileTiny(MLIRContext &context, const std::string &text) {
  auto desc = frontend::parseDescription(text, "tiny.yaml");
  if (!desc) {
    ADD_FAILURE() << llvm::toString(desc.takeError());
    return nullptr;
  }
  auto module = frontend::buildModule(*desc, context);
  if (!module) {
    ADD_FAILURE() << "the tiny model did not build";
    return nullptr;
  }
  if (failed(compileTrainingStep(*module))) {
    ADD_FAILURE() << "simclr-training-step failed";
    return nullptr;
  }
  return module;
}

} // namespace mlir::simclr::tiny

#endif // SIMCLR_TEST_UNIT_TINYMODELS_H
