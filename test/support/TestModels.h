//===- TestModels.h - small compiled steps for the tests --------*- C++ -*-===//
//
// The tiny networks the unit tests and the GPU checks' case generator compile, and the
// modules the kernel checks run on; no GoogleTest here (simclr-gpu-cases is no test).
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_TEST_SUPPORT_TESTMODELS_H
#define SIMCLR_TEST_SUPPORT_TESTMODELS_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

#include "llvm/Support/Error.h"

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

/// The description built and compiled by simclr-training-step, with `layout` ("nchw",
/// "nhwc") as its simclr.layout when given; the error says where it failed.
llvm::Expected<OwningOpRef<ModuleOp>> compileDescription(MLIRContext &context,
                                                         const std::string &text,
                                                         const std::string &layout = "");

} // namespace mlir::simclr::tiny

namespace mlir::simclr::test {

/// The modules of the kernel checks: a tiny network's step of `stage`, compiled; the
/// selective-kernel ResNet-D pretraining step; a hand-written step with slices, max
/// reductions, both poolings and a trainable inference-mode batch norm, differentiated
/// and fused; and losses whose accuracies random inputs would leave at zero (NT-Xent over
/// two identical views, where every positive is its row's most similar, and cross entropy
/// against the logits' own argmax as soft targets; and NT-Xent scoring one replica's rows
/// among 3, the replica an argument, with its gradient). With `planned`, the last two also get
/// a memory plan, so that they can be written as module files.
llvm::Expected<OwningOpRef<ModuleOp>> stageModule(MLIRContext &context,
                                                  const std::string &stage);
llvm::Expected<OwningOpRef<ModuleOp>> selectiveKernelModule(MLIRContext &context);
llvm::Expected<OwningOpRef<ModuleOp>> unusualOpsModule(MLIRContext &context,
                                                       bool planned = false);
llvm::Expected<OwningOpRef<ModuleOp>> accurateLossesModule(MLIRContext &context,
                                                           bool planned = false);

} // namespace mlir::simclr::test

#endif // SIMCLR_TEST_SUPPORT_TESTMODELS_H
