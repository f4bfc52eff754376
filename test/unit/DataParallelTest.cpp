//===- DataParallelTest.cpp - N replicas at B/N against one replica at B ---===//
//
// The test that proves the data-parallel design (docs/DISTRIBUTED.md), in float64 with
// the reference evaluator: a step compiled for N replicas (`simclr.replicas`), run as N
// replicas on the N slices of a batch (Evaluator::runReplicas), must be the one-replica
// step on the whole batch: the same parameters and velocities after the update, and
// losses whose mean is the whole batch's. Each data-parallel pass is proved on a small
// step: simclr-gradient-all-reduce's mean of the gradients and the optimizer's learning
// rate for the global batch (dense layers, cross entropy), cross-replica batch norm (after
// a dense layer or a convolution, NCHW or NHWC), and NT-Xent over negatives gathered from
// every replica (simclr-gather-negatives).
//
//===----------------------------------------------------------------------===//

#include "frontend/LoadModule.h"
#include "passes/Passes.h"
#include "reference/Evaluator.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace mlir;
using mlir::simclr::reference::Array;

namespace {

/// A two-layer classifier step on `batch` rows of 6 features, for `replicas` replicas;
/// with `batchNorm`, a cross-replica batch norm after the first layer.
/// With `conv`, the first layer is a convolution of the rows as 1x2x3 images and the batch
/// norm's input is [batch, 5, 2, 3] (global-average-pooled after it). With `contrastive`,
/// the rows are two views of batch / 2 images (view a's, then view b's) and the loss is
/// NT-Xent of the 3 features, L2-normalised, instead of cross entropy against labels.
std::string stepText(int batch, int replicas, bool batchNorm, bool conv = false,
                     bool contrastive = false) {
  std::string b = std::to_string(batch);
  std::string hType = conv ? "tensor<" + b + "x5x2x3xf32>" : "tensor<" + b + "x5xf32>";
  std::string first =
      conv ? "  %w1c = simclr.load @w1c : tensor<5x1x2x2xf32>\n"
             "  %xi = simclr.reshape %x : tensor<" + b + "x6xf32> -> tensor<" + b + "x1x2x3xf32>\n"
             "  %h = simclr.conv2d %xi, %w1c stride [1, 1] padding [1, 1, 0, 0] : tensor<" + b +
                 "x1x2x3xf32>, tensor<5x1x2x2xf32> -> " + hType + "\n"
           : "  %w1 = simclr.load @w1 : tensor<5x6xf32>\n"
             "  %b1 = simclr.load @b1 : tensor<5xf32>\n"
             "  %h = simclr.dense %x, %w1, %b1 : tensor<" + b +
                 "x6xf32>, tensor<5x6xf32>, tensor<5xf32> -> " + hType + "\n";
  std::string middle = "  %n = simclr.relu %h : " + hType + "\n";
  if (batchNorm)
    middle = "  %g = simclr.load @g : tensor<5xf32>\n"
             "  %be = simclr.load @be : tensor<5xf32>\n"
             "  %rm = simclr.load @rm : tensor<5xf32>\n"
             "  %rv = simclr.load @rv : tensor<5xf32>\n"
             "  %nb, %m2, %v2 = simclr.batch_norm_train %h scale %g offset %be running %rm, %rv "
             "{cross_replica} : " + hType + ", tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, "
             "tensor<5xf32>\n"
             "  simclr.store %m2, @rm : tensor<5xf32>\n"
             "  simclr.store %v2, @rv : tensor<5xf32>\n"
             "  %n = simclr.relu %nb : " + hType + "\n";
  std::string features =
      conv ? "  %f = simclr.global_avg_pool %n : " + hType + " -> tensor<" + b + "x5xf32>\n"
           : "  %f = simclr.reshape %n : " + hType + " -> tensor<" + b + "x5xf32>\n";
  std::string loss =
      contrastive
          ? "  %e = simclr.l2_normalize %l axis 1 : tensor<" + b + "x3xf32>\n"
            "  %loss, %acc = simclr.nt_xent_loss %e temperature 0.5 : tensor<" + b + "x3xf32>\n"
          : "  %loss, %acc = simclr.softmax_cross_entropy %l, %y : tensor<" + b +
                "x3xf32>, tensor<" + b + "xi32>\n";
  std::string labels = contrastive ? "" : ", %y: tensor<" + b + "xi32>";
  std::string images = contrastive ? std::to_string(batch / 2) : b;
  return "module attributes {simclr.replicas = " + std::to_string(replicas) +
         " : i64} {\n"
         "simclr.parameter @w1 : tensor<5x6xf32> {group = \"backbone\", init = \"zeros\"}\n"
         "simclr.parameter @b1 : tensor<5xf32> {group = \"backbone\", init = \"zeros\"}\n"
         "simclr.parameter @w1c : tensor<5x1x2x2xf32> {group = \"backbone\", init = \"zeros\"}\n"
         "simclr.parameter @w2 : tensor<3x5xf32> {group = \"classifier\", init = \"zeros\"}\n"
         "simclr.parameter @g : tensor<5xf32> {group = \"backbone\", init = \"ones\"}\n"
         "simclr.parameter @be : tensor<5xf32> {group = \"backbone\", init = \"zeros\"}\n"
         "simclr.state @rm : tensor<5xf32> {init = \"zeros\"}\n"
         "simclr.state @rv : tensor<5xf32> {init = \"ones\"}\n"
         "func.func @train_step(%x: tensor<" + b + "x6xf32>" + labels +
         ") -> (tensor<f32>, tensor<f32>) attributes {simclr.stage = \"" +
         (contrastive ? "pretrain" : "finetune") + "\",\n"
         "    simclr.input = {batch_size = " + images + ", channels = 1, height = 1, width = 6},\n"
         "    simclr.optimizer = {kind = \"lars\", learning_rate = 0.5, lr_scaling = \"linear\",\n"
         "      momentum = 0.9, nesterov = false, weight_decay = 0.001, trust_coefficient = 0.001,\n"
         "      warmup_epochs = 0, epochs = 1}} {\n"
         "  %w2 = simclr.load @w2 : tensor<3x5xf32>\n" +
         first + middle + features +
         "  %l = simclr.dense %f, %w2 : tensor<" + b + "x5xf32>, tensor<3x5xf32> -> tensor<" + b +
         "x3xf32>\n" +
         loss +
         "  return %loss, %acc : tensor<f32>, tensor<f32>\n"
         "}\n}\n";
}

/// The step differentiated, with its LARS updates and (`allReduce`) the gradients' mean in
/// buckets of `bucketBytes`.
OwningOpRef<ModuleOp> compiled(MLIRContext &context, int batch, int replicas,
                               int64_t bucketBytes, bool allReduce, bool batchNorm,
                               bool conv, bool channelsLast, bool contrastive) {
  std::string text = stepText(batch, replicas, batchNorm, conv, contrastive);
  auto module = parseSourceString<ModuleOp>(text, &context);
  EXPECT_TRUE(module) << text;
  if (!module)
    return module;
  PassManager pm(&context);
  pm.addPass(mlir::simclr::createGatherNegatives());
  pm.addPass(mlir::simclr::createAutodiff());
  pm.addPass(mlir::simclr::createOptimizer());
  pm.addPass(mlir::simclr::createCrossReplicaBatchNorm());
  mlir::simclr::GradientAllReduceOptions options;
  options.bucketBytes = bucketBytes;
  if (allReduce)
    pm.addPass(mlir::simclr::createGradientAllReduce(options));
  mlir::simclr::ChannelsLastOptions layout;
  layout.layout = channelsLast ? "nhwc" : "nchw";
  pm.addPass(mlir::simclr::createChannelsLast(layout));
  EXPECT_TRUE(succeeded(pm.run(*module)));
  return module;
}

Array rows(const Array &a, int64_t begin, int64_t count) {
  std::vector<int64_t> shape = a.shape;
  shape[0] = count;
  int64_t width = a.size() / a.shape[0];
  Array out(shape);
  std::copy(a.data.begin() + begin * width, a.data.begin() + (begin + count) * width,
            out.data.begin());
  return out;
}

double relativeDistance(const Array &a, const Array &b) {
  double d = 0, n = 0;
  for (int64_t i = 0; i < a.size(); ++i) {
    d += (a.data[i] - b.data[i]) * (a.data[i] - b.data[i]);
    n += b.data[i] * b.data[i];
  }
  return std::sqrt(d / std::max(n, 1e-300));
}

/// Runs both and checks the losses, the learning rate and that the update moved every
/// variable; returns the largest relative distance between a variable after the N
/// replicas' step and after the one replica's.
/// `conv`: the batch norm on [batch, 5, 2, 3]; `channelsLast`: the N replicas' step stored
/// NHWC (simclr-channels-last after the data-parallel passes).
/// `contrastive`: two views of 4 images and NT-Xent (replica r takes images r x 4 / N ..
/// of both views).
double compareReplicas(int replicas, int64_t bucketBytes, bool allReduce = true,
                       bool batchNorm = false, bool conv = false, bool channelsLast = false,
                       bool contrastive = false) {
  SCOPED_TRACE(std::to_string(replicas) + " replicas, buckets of " +
               std::to_string(bucketBytes) + " bytes" + (batchNorm ? ", batch norm" : "") +
               (conv ? ", convolution" : "") + (channelsLast ? ", NHWC" : "") +
               (contrastive ? ", NT-Xent" : ""));
  const int batch = 8;
  MLIRContext context;
  mlir::simclr::frontend::loadModuleDialects(context);
  OwningOpRef<ModuleOp> one =
      compiled(context, batch, 1, bucketBytes, true, batchNorm, conv, false, contrastive);
  OwningOpRef<ModuleOp> many = compiled(context, batch / replicas, replicas, bucketBytes,
                                        allReduce, batchNorm, conv, channelsLast, contrastive);
  if (!one || !many)
    return INFINITY;

  std::mt19937 rng(7);
  std::normal_distribution<double> normal;
  auto random = [&](std::vector<int64_t> shape) {
    Array a(std::move(shape));
    for (double &v : a.data)
      v = normal(rng);
    return a;
  };
  std::map<std::string, Array> variables = {{"w2", random({3, 5})},
                                             {"velocity.w2", random({3, 5})}};
  if (conv)
    variables.insert({{"w1c", random({5, 1, 2, 2})}, {"velocity.w1c", random({5, 1, 2, 2})}});
  else
    variables.insert({{"w1", random({5, 6})}, {"b1", random({5})},
                      {"velocity.w1", random({5, 6})}, {"velocity.b1", random({5})}});
  if (batchNorm) {
    Array var = random({5});
    for (double &v : var.data)
      v = 0.5 + v * v;
    variables.insert({{"g", random({5})}, {"be", random({5})}, {"rm", random({5})},
                      {"rv", var}, {"velocity.g", random({5})}, {"velocity.be", random({5})}});
  }
  Array x = random({batch, 6}), y({batch});
  for (int64_t i = 0; i < batch; ++i)
    y.data[i] = double(i % 3);
  Array step({}, 2.0), warmup({}, 0.0), total({}, 10.0);

  mlir::simclr::reference::Evaluator whole(*one);
  whole.variables = variables;
  std::vector<Array> arguments = {x, y, step, warmup, total};
  if (contrastive)
    arguments.erase(arguments.begin() + 1);
  auto expected = whole.run("train_step", arguments);
  EXPECT_TRUE(static_cast<bool>(expected)) << llvm::toString(expected.takeError());
  if (!expected)
    return INFINITY;

  mlir::simclr::reference::Evaluator parallel(*many);
  parallel.variables = variables;
  std::vector<std::vector<Array>> slices;
  int64_t share = batch / replicas;
  for (int r = 0; r < replicas; ++r) {
    if (!contrastive) {
      slices.push_back({rows(x, r * share, share), rows(y, r * share, share), step, warmup, total});
      continue;
    }
    // Images [r * share / 2, (r + 1) * share / 2) of each view, view a's rows first.
    int64_t images = share / 2;
    Array a = rows(x, r * images, images), b = rows(x, batch / 2 + r * images, images);
    Array both({share, 6});
    std::copy(a.data.begin(), a.data.end(), both.data.begin());
    std::copy(b.data.begin(), b.data.end(), both.data.begin() + a.size());
    slices.push_back({both, step, warmup, total});
  }
  auto got = parallel.runReplicas("train_step", slices);
  EXPECT_TRUE(static_cast<bool>(got)) << llvm::toString(got.takeError());
  if (!got)
    return INFINITY;

  double meanLoss = 0;
  for (const std::vector<Array> &results : *got)
    meanLoss += results[0].data[0] / replicas;
  EXPECT_NEAR(meanLoss, (*expected)[0].data[0], 1e-12 * std::fabs((*expected)[0].data[0]));
  EXPECT_DOUBLE_EQ((*got)[0][2].data[0], (*expected)[2].data[0]) << "learning rate";
  double largest = 0;
  for (const auto &[name, value] : whole.variables) {
    EXPECT_TRUE(parallel.variables.count(name)) << name;
    largest = std::max(largest, relativeDistance(parallel.variables[name], value));
    // The update moved it: the comparison is not of untouched values.
    EXPECT_GT(relativeDistance(value, variables[name]), 1e-6) << name;
  }
  return largest;
}

TEST(DataParallel, TwoReplicasAtHalfTheBatchAreOneReplicaAtTheWholeBatch) {
  EXPECT_LT(compareReplicas(2, 26214400), 1e-12); // one bucket
  EXPECT_LT(compareReplicas(2, 64), 1e-12);       // a bucket per gradient
}

TEST(DataParallel, FourReplicasWithSmallBuckets) {
  EXPECT_LT(compareReplicas(4, 128), 1e-12); // buckets of several gradients
}

// simclr-cross-replica-batch-norm: statistics, running statistics and the input's gradient
// of the global batch; the scale's and offset's gradients averaged by the all-reduce.
TEST(DataParallel, CrossReplicaBatchNormIsTheWholeBatchs) {
  EXPECT_LT(compareReplicas(2, 26214400, true, /*batchNorm=*/true), 1e-12);
  EXPECT_LT(compareReplicas(4, 64, true, /*batchNorm=*/true), 1e-12);
}

// The same on a convolution's [N, C, H, W] output, and with the N replicas' step stored
// channels last.
TEST(DataParallel, CrossReplicaBatchNormOfAConvolution) {
  EXPECT_LT(compareReplicas(2, 26214400, true, true, /*conv=*/true), 1e-12);
  EXPECT_LT(compareReplicas(2, 26214400, true, true, /*conv=*/true, /*channelsLast=*/true),
            1e-12);
}

// simclr-gather-negatives: NT-Xent over every replica's embeddings, its gradient back
// through the reduce-scatter; with a cross-replica batch norm before it.
TEST(DataParallel, ContrastiveLossOverGatheredNegativesIsTheWholeBatchs) {
  EXPECT_LT(compareReplicas(2, 26214400, true, false, false, false, /*contrastive=*/true), 1e-12);
  EXPECT_LT(compareReplicas(4, 64, true, /*batchNorm=*/true, false, false, true), 1e-12);
}

// The comparison can fail: without the gradients' mean each replica steps on its own
// slice's gradient (the replicas' losses still average to the whole batch's).
TEST(DataParallel, WithoutTheGradientAllReduceTheStepDiffers) {
  EXPECT_GT(compareReplicas(2, 26214400, /*allReduce=*/false), 1e-4);
}

} // namespace
