//===- GradientCheckTest.cpp - autodiff against central finite differences --===//
//
// For every differentiable op (and a small network that composes them), a loss is built
// from the op, the autodiff pass differentiates it, and the float64 reference evaluator
// computes both the analytic gradients and central finite differences
// (L(p + h) - L(p - h)) / 2h for every element of every trainable parameter.
//
//===----------------------------------------------------------------------===//

#include "dialects/simclr/IR/SimclrOps.h"
#include "frontend/LoadModule.h"
#include "passes/Passes.h"
#include "reference/Evaluator.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace mlir;
using mlir::simclr::reference::Array;

namespace {

struct Argument {
  std::vector<int64_t> shape;
  int classes = 0; ///< > 0: integer class labels in [0, classes)
};

struct Case {
  const char *name;
  std::string declarations; ///< simclr.parameter / simclr.state ops
  std::vector<Argument> arguments;
  std::string body;         ///< defines %loss : tensor<f32>
  /// > 1: the step runs as that many data-parallel replicas (Evaluator::runReplicas), each
  /// on its own arguments; the loss checked is the sum of theirs, its gradient the sum of
  /// their gradients (docs/DISTRIBUTED.md's convention).
  int replicas = 1;
};

std::string typeOf(const Argument &arg) {
  std::string text = "tensor<";
  for (int64_t d : arg.shape)
    text += std::to_string(d) + "x";
  return text + (arg.classes ? "i32>" : "f32>");
}

std::string moduleText(const Case &c) {
  std::string args;
  for (size_t i = 0; i < c.arguments.size(); ++i)
    args += (i ? ", " : "") + ("%a" + std::to_string(i)) + ": " + typeOf(c.arguments[i]);
  return c.declarations + "func.func @train_step(" + args +
         ") -> tensor<f32> attributes {simclr.stage = \"pretrain\"} {\n" + c.body +
         "\n  return %loss : tensor<f32>\n}\n";
}

Array random(const std::vector<int64_t> &shape, std::mt19937 &rng, double lo = -1, double hi = 1) {
  Array a(shape);
  std::uniform_real_distribution<double> dist(lo, hi);
  for (double &v : a.data)
    v = dist(rng);
  return a;
}

void checkGradients(const Case &c) {
  SCOPED_TRACE(c.name);
  MLIRContext context;
  mlir::simclr::frontend::loadModuleDialects(context);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(moduleText(c), &context);
  ASSERT_TRUE(module) << moduleText(c);
  PassManager pm(&context);
  pm.addPass(mlir::simclr::createAutodiff());
  ASSERT_TRUE(succeeded(pm.run(*module)));

  std::mt19937 rng(42);
  mlir::simclr::reference::Evaluator evaluator(*module);
  std::map<std::string, Array> initial;
  for (auto param : module->getOps<mlir::simclr::ParameterOp>())
    initial[param.getSymName().str()] =
        random(llvm::cast<RankedTensorType>(param.getType()).getShape().vec(), rng);
  for (auto state : module->getOps<mlir::simclr::StateOp>()) // variances stay positive
    initial[state.getSymName().str()] =
        random(llvm::cast<RankedTensorType>(state.getType()).getShape().vec(), rng, 0.5, 1.5);
  std::vector<std::vector<Array>> args(c.replicas);
  for (std::vector<Array> &replicaArgs : args)
    for (const Argument &arg : c.arguments) {
      Array a = random(arg.shape, rng);
      if (arg.classes)
        for (double &v : a.data)
          v = std::floor((v + 1) / 2 * arg.classes);
      replicaArgs.push_back(std::move(a));
    }

  auto step = module->lookupSymbol<func::FuncOp>("train_step");
  auto names = step->getAttrOfType<ArrayAttr>("simclr.gradients");
  ASSERT_TRUE(names);
  // The loss and the gradients: of the one step, or summed over the replicas.
  auto run = [&](const std::map<std::string, Array> &variables) {
    evaluator.variables = variables;
    if (c.replicas == 1) {
      auto results = evaluator.run("train_step", args[0]);
      EXPECT_TRUE(static_cast<bool>(results)) << llvm::toString(results.takeError());
      return results ? *results : std::vector<Array>();
    }
    auto replicas = evaluator.runReplicas("train_step", args);
    EXPECT_TRUE(static_cast<bool>(replicas)) << llvm::toString(replicas.takeError());
    if (!replicas)
      return std::vector<Array>();
    std::vector<Array> total = (*replicas)[0];
    for (size_t r = 1; r < replicas->size(); ++r)
      for (size_t i = 0; i < total.size(); ++i)
        for (int64_t e = 0; e < total[i].size(); ++e)
          total[i].data[e] += (*replicas)[r][i].data[e];
    return total;
  };
  std::vector<Array> analytic = run(initial);
  ASSERT_EQ(analytic.size(), 1 + names.size());

  const double h = 1e-6;
  int checked = 0;
  for (auto [i, name] : llvm::enumerate(names)) {
    std::string param = llvm::cast<FlatSymbolRefAttr>(name).getValue().str();
    for (int64_t e = 0; e < initial[param].size(); ++e) {
      auto plus = initial, minus = initial;
      plus[param].data[e] += h;
      minus[param].data[e] -= h;
      double numeric = (run(plus)[0].data[0] - run(minus)[0].data[0]) / (2 * h);
      double exact = analytic[1 + i].data[e];
      EXPECT_NEAR(exact, numeric, 1e-6 * std::max(1.0, std::fabs(numeric)))
          << "d loss / d " << param << "[" << e << "]";
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

/// "%loss = sum(%y * %aN)": a generic scalar loss over an op's output %y.
std::string weightedSum(const std::string &type, const std::string &weights,
                        const std::string &axes) {
  return "  %weighted = simclr.mul %y, " + weights + " : " + type + ", " + type + " -> " +
         type + "\n  %loss = simclr.reduce_sum %weighted axes " + axes + " : " + type +
         " -> tensor<f32>";
}

std::string param(const std::string &name, const std::string &type) {
  return "simclr.parameter @" + name + " : " + type +
         " {group = \"backbone\", init = \"zeros\"}\n";
}

std::string state(const std::string &name, const std::string &type) {
  return "simclr.state @" + name + " : " + type + " {init = \"ones\"}\n";
}

std::string load(const std::string &name, const std::string &type) {
  return "  %" + name + " = simclr.load @" + name + " : " + type + "\n";
}

TEST(GradientCheck, Conv2DStrideAndAsymmetricPadding) {
  checkGradients({"conv2d", param("x", "tensor<2x3x7x6xf32>") + param("w", "tensor<4x3x3x3xf32>"),
                  {{{2, 4, 4, 3}}},
                  load("x", "tensor<2x3x7x6xf32>") + load("w", "tensor<4x3x3x3xf32>") +
                      "  %y = simclr.conv2d %x, %w stride [2, 2] padding [1, 0, 2, 1] : "
                      "tensor<2x3x7x6xf32>, tensor<4x3x3x3xf32> -> tensor<2x4x4x3xf32>\n" +
                      weightedSum("tensor<2x4x4x3xf32>", "%a0", "[0, 1, 2, 3]")});
}

TEST(GradientCheck, Conv2DGroupsAndDilation) {
  checkGradients({"conv2d-groups", param("x", "tensor<1x4x6x6xf32>") + param("w", "tensor<4x2x3x3xf32>"),
                  {{{1, 4, 6, 6}}},
                  load("x", "tensor<1x4x6x6xf32>") + load("w", "tensor<4x2x3x3xf32>") +
                      "  %y = simclr.conv2d %x, %w stride [1, 1] padding [2, 2, 2, 2] "
                      "{dilation = array<i64: 2, 2>, groups = 2} : tensor<1x4x6x6xf32>, "
                      "tensor<4x2x3x3xf32> -> tensor<1x4x6x6xf32>\n" +
                      weightedSum("tensor<1x4x6x6xf32>", "%a0", "[0, 1, 2, 3]")});
}

TEST(GradientCheck, BatchNormTraining) {
  checkGradients({"batch_norm_train",
                  param("x", "tensor<3x2x3x3xf32>") + param("g", "tensor<2xf32>") +
                      param("b", "tensor<2xf32>") + state("rm", "tensor<2xf32>") +
                      state("rv", "tensor<2xf32>"),
                  {{{3, 2, 3, 3}}},
                  load("x", "tensor<3x2x3x3xf32>") + load("g", "tensor<2xf32>") +
                      load("b", "tensor<2xf32>") + load("rm", "tensor<2xf32>") +
                      load("rv", "tensor<2xf32>") +
                      "  %y, %nm, %nv = simclr.batch_norm_train %x scale %g offset %b running "
                      "%rm, %rv : tensor<3x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, "
                      "tensor<2xf32>, tensor<2xf32>\n"
                      "  simclr.store %nm, @rm : tensor<2xf32>\n" +
                      weightedSum("tensor<3x2x3x3xf32>", "%a0", "[0, 1, 2, 3]")});
}

TEST(GradientCheck, BatchNormTrainingWithoutOffset) {
  checkGradients({"batch_norm_train-nc",
                  param("x", "tensor<5x3xf32>") + param("g", "tensor<3xf32>") +
                      state("rm", "tensor<3xf32>") + state("rv", "tensor<3xf32>"),
                  {{{5, 3}}},
                  load("x", "tensor<5x3xf32>") + load("g", "tensor<3xf32>") +
                      load("rm", "tensor<3xf32>") + load("rv", "tensor<3xf32>") +
                      "  %y, %nm, %nv = simclr.batch_norm_train %x scale %g running %rm, %rv "
                      ": tensor<5x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>\n" +
                      weightedSum("tensor<5x3xf32>", "%a0", "[0, 1]")});
}

TEST(GradientCheck, BatchNormInference) {
  checkGradients({"batch_norm_infer",
                  param("x", "tensor<2x3x2x2xf32>") + param("g", "tensor<3xf32>") +
                      param("b", "tensor<3xf32>") + state("m", "tensor<3xf32>") +
                      state("v", "tensor<3xf32>"),
                  {{{2, 3, 2, 2}}},
                  load("x", "tensor<2x3x2x2xf32>") + load("g", "tensor<3xf32>") +
                      load("b", "tensor<3xf32>") + load("m", "tensor<3xf32>") +
                      load("v", "tensor<3xf32>") +
                      "  %y = simclr.batch_norm_infer %x scale %g offset %b stats %m, %v : "
                      "tensor<2x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, "
                      "tensor<3xf32>\n" +
                      weightedSum("tensor<2x3x2x2xf32>", "%a0", "[0, 1, 2, 3]")});
}

TEST(GradientCheck, ReluAddMulWithBroadcasting) {
  checkGradients({"relu-add-mul",
                  param("p", "tensor<2x3x4x4xf32>") + param("q", "tensor<2x3x1x1xf32>") +
                      param("r", "tensor<1x3x4x1xf32>") + param("s", "tensor<2x3x1x4xf32>"),
                  {{{2, 3, 4, 4}}},
                  load("p", "tensor<2x3x4x4xf32>") + load("q", "tensor<2x3x1x1xf32>") +
                      load("r", "tensor<1x3x4x1xf32>") + load("s", "tensor<2x3x1x4xf32>") +
                      "  %sum = simclr.add %p, %q : tensor<2x3x4x4xf32>, tensor<2x3x1x1xf32> -> "
                      "tensor<2x3x4x4xf32>\n"
                      "  %rs = simclr.mul %r, %s : tensor<1x3x4x1xf32>, tensor<2x3x1x4xf32> -> "
                      "tensor<2x3x4x4xf32>\n"
                      "  %both = simclr.mul %sum, %rs : tensor<2x3x4x4xf32>, "
                      "tensor<2x3x4x4xf32> -> tensor<2x3x4x4xf32>\n"
                      "  %y = simclr.relu %both : tensor<2x3x4x4xf32>\n" +
                      weightedSum("tensor<2x3x4x4xf32>", "%a0", "[0, 1, 2, 3]")});
}

TEST(GradientCheck, Pooling) {
  checkGradients({"pools", param("x", "tensor<1x2x5x5xf32>"), {{{1, 2, 3, 3}}, {{1, 2, 5, 5}}},
                  load("x", "tensor<1x2x5x5xf32>") +
                      "  %mp = simclr.max_pool2d %x kernel [3, 3] stride [2, 2] padding "
                      "[1, 1, 1, 1] : tensor<1x2x5x5xf32> -> tensor<1x2x3x3xf32>\n"
                      "  %ap = simclr.avg_pool2d %x kernel [2, 2] stride [2, 2] padding "
                      "[0, 0, 1, 1] {count_include_pad} : tensor<1x2x5x5xf32> -> "
                      "tensor<1x2x3x3xf32>\n"
                      "  %same = simclr.avg_pool2d %x kernel [2, 2] stride [1, 1] padding "
                      "[0, 0, 1, 1] : tensor<1x2x5x5xf32> -> tensor<1x2x5x5xf32>\n"
                      "  %g = simclr.global_avg_pool %x {keep_dims} : tensor<1x2x5x5xf32> -> "
                      "tensor<1x2x1x1xf32>\n"
                      "  %gs = simclr.broadcast %g : tensor<1x2x1x1xf32> -> tensor<1x2x5x5xf32>\n"
                      "  %t = simclr.add %same, %gs : tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32> -> "
                      "tensor<1x2x5x5xf32>\n"
                      "  %u = simclr.mul %t, %a1 : tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32> -> "
                      "tensor<1x2x5x5xf32>\n"
                      "  %y = simclr.add %mp, %ap : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32> -> "
                      "tensor<1x2x3x3xf32>\n"
                      "  %wy = simclr.mul %y, %a0 : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32> -> "
                      "tensor<1x2x3x3xf32>\n"
                      "  %l1 = simclr.reduce_sum %wy axes [0, 1, 2, 3] : tensor<1x2x3x3xf32> -> "
                      "tensor<f32>\n"
                      "  %l2 = simclr.reduce_sum %u axes [0, 1, 2, 3] : tensor<1x2x5x5xf32> -> "
                      "tensor<f32>\n"
                      "  %loss = simclr.add %l1, %l2 : tensor<f32>, tensor<f32> -> tensor<f32>"});
}

TEST(GradientCheck, DenseAndMatmul) {
  checkGradients({"dense-matmul",
                  param("x", "tensor<3x5xf32>") + param("w", "tensor<4x5xf32>") +
                      param("b", "tensor<4xf32>") + param("c", "tensor<6x4xf32>") +
                      param("f", "tensor<5x6xf32>"),
                  {{{3, 3}}},
                  load("x", "tensor<3x5xf32>") + load("w", "tensor<4x5xf32>") +
                      load("b", "tensor<4xf32>") + load("c", "tensor<6x4xf32>") +
                      load("f", "tensor<5x6xf32>") +
                      "  %d = simclr.dense %x, %w, %b : tensor<3x5xf32>, tensor<4x5xf32>, "
                      "tensor<4xf32> -> tensor<3x4xf32>\n"
                      "  %e = simclr.matmul %c, %d {transpose_b} : tensor<6x4xf32>, "
                      "tensor<3x4xf32> -> tensor<6x3xf32>\n"
                      "  %y = simclr.matmul %e, %f {transpose_a, transpose_b} : "
                      "tensor<6x3xf32>, tensor<5x6xf32> -> tensor<3x5xf32>\n"
                      "  %sq = simclr.mul %y, %y : tensor<3x5xf32>, tensor<3x5xf32> -> "
                      "tensor<3x5xf32>\n"
                      "  %n = simclr.scale %sq by 0.5 : tensor<3x5xf32>\n"
                      "  %k = simclr.matmul %n, %x {transpose_b} : tensor<3x5xf32>, "
                      "tensor<3x5xf32> -> tensor<3x3xf32>\n"
                      "  %z = simclr.matmul %k, %a0 : tensor<3x3xf32>, tensor<3x3xf32> -> "
                      "tensor<3x3xf32>\n"
                      "  %loss = simclr.reduce_sum %z axes [0, 1] : tensor<3x3xf32> -> "
                      "tensor<f32>"});
}

TEST(GradientCheck, TensorPlumbing) {
  checkGradients({"plumbing", param("p", "tensor<2x3xf32>") + param("q", "tensor<2x2xf32>"),
                  {{{4}}, {{2, 1}}},
                  load("p", "tensor<2x3xf32>") + load("q", "tensor<2x2xf32>") +
                      "  %c = simclr.concat %p, %q axis 1 : tensor<2x3xf32>, tensor<2x2xf32> -> "
                      "tensor<2x5xf32>\n"
                      "  %s:2 = simclr.split %c axis 1 sizes [1, 4] : tensor<2x5xf32> -> "
                      "tensor<2x1xf32>, tensor<2x4xf32>\n"
                      "  %t = simclr.slice %s#1 offsets [0, 1] sizes [2, 2] strides [1, 2] : "
                      "tensor<2x4xf32> -> tensor<2x2xf32>\n"
                      "  %y = simclr.reshape %t : tensor<2x2xf32> -> tensor<4xf32>\n"
                      "  %wy = simclr.mul %y, %a0 : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>\n"
                      "  %l1 = simclr.reduce_sum %wy axes [0] : tensor<4xf32> -> tensor<f32>\n"
                      "  %n = simclr.mul %s#0, %a1 : tensor<2x1xf32>, tensor<2x1xf32> -> "
                      "tensor<2x1xf32>\n"
                      "  %l2 = simclr.reduce_max %n axes [0, 1] : tensor<2x1xf32> -> tensor<f32>\n"
                      "  %loss = simclr.add %l1, %l2 : tensor<f32>, tensor<f32> -> tensor<f32>"});
}

TEST(GradientCheck, SoftmaxL2NormalizeAndReductions) {
  checkGradients({"normalize-reduce", param("x", "tensor<2x3x4xf32>") + param("z", "tensor<4x5xf32>"),
                  {{{2, 3, 4}}, {{4, 5}}},
                  load("x", "tensor<2x3x4xf32>") + load("z", "tensor<4x5xf32>") +
                      "  %s = simclr.softmax %x axis 1 : tensor<2x3x4xf32>\n"
                      "  %ws = simclr.mul %s, %a0 : tensor<2x3x4xf32>, tensor<2x3x4xf32> -> "
                      "tensor<2x3x4xf32>\n"
                      "  %r = simclr.reduce_mean %ws axes [1] {keep_dims} : tensor<2x3x4xf32> -> "
                      "tensor<2x1x4xf32>\n"
                      "  %q = simclr.reduce_max %x axes [2] : tensor<2x3x4xf32> -> tensor<2x3xf32>\n"
                      "  %l1 = simclr.reduce_sum %r axes [0, 1, 2] : tensor<2x1x4xf32> -> "
                      "tensor<f32>\n"
                      "  %l2 = simclr.reduce_sum %q axes [0, 1] : tensor<2x3xf32> -> tensor<f32>\n"
                      "  %n = simclr.l2_normalize %z axis 1 : tensor<4x5xf32>\n"
                      "  %wn = simclr.mul %n, %a1 : tensor<4x5xf32>, tensor<4x5xf32> -> "
                      "tensor<4x5xf32>\n"
                      "  %l3 = simclr.reduce_sum %wn axes [0, 1] : tensor<4x5xf32> -> tensor<f32>\n"
                      "  %l12 = simclr.add %l1, %l2 : tensor<f32>, tensor<f32> -> tensor<f32>\n"
                      "  %loss = simclr.add %l12, %l3 : tensor<f32>, tensor<f32> -> tensor<f32>"});
}

// Collectives across 2 replicas: NT-Xent over the rows every replica gathered (as the
// data-parallel step has it), mixed with an all-reduced mean and a reduce-scatter. The
// gradient rules (all_gather's is a reduce-scatter of the whole gathered gradient, and so
// on) must give the gradient of the sum of the replicas' losses.
TEST(GradientCheck, CollectivesAcrossReplicas) {
  checkGradients({"collectives", param("w", "tensor<3x4xf32>"),
                  {{{2, 3}}, {{2, 4}}},
                  load("w", "tensor<3x4xf32>") +
                      "  %h = simclr.matmul %a0, %w : tensor<2x3xf32>, tensor<3x4xf32> -> "
                      "tensor<2x4xf32>\n"
                      "  %m = simclr.all_reduce %h {kind = \"mean\", replicas = 2 : i64} : "
                      "tensor<2x4xf32> -> tensor<2x4xf32>\n"
                      "  %p = simclr.mul %m, %h : tensor<2x4xf32>, tensor<2x4xf32> -> "
                      "tensor<2x4xf32>\n"
                      "  %g = simclr.all_gather %p {replicas = 2 : i64} : tensor<2x4xf32> -> "
                      "tensor<4x4xf32>\n"
                      "  %n = simclr.l2_normalize %g axis 1 : tensor<4x4xf32>\n"
                      "  %l1, %acc = simclr.nt_xent_loss %n temperature 0.5 : tensor<4x4xf32>\n"
                      "  %gg = simclr.mul %g, %g : tensor<4x4xf32>, tensor<4x4xf32> -> "
                      "tensor<4x4xf32>\n"
                      "  %q = simclr.reduce_scatter %gg {replicas = 2 : i64} : tensor<4x4xf32> -> "
                      "tensor<2x4xf32>\n"
                      "  %wq = simclr.mul %q, %a1 : tensor<2x4xf32>, tensor<2x4xf32> -> "
                      "tensor<2x4xf32>\n"
                      "  %l2 = simclr.reduce_sum %wq axes [0, 1] : tensor<2x4xf32> -> tensor<f32>\n"
                      "  %total = simclr.all_reduce %l2 {kind = \"sum\", replicas = 2 : i64} : "
                      "tensor<f32> -> tensor<f32>\n"
                      "  %loss = simclr.add %l1, %total : tensor<f32>, tensor<f32> -> tensor<f32>",
                  2});
}

// NT-Xent as the data-parallel step has it (simclr-gather-negatives): each replica's two
// views gathered from both replicas, and each replica's loss scoring its own rows. The
// gradient of the sum of the replicas' losses reaches each replica's rows both as rows
// and, from the other replica's loss, as columns.
TEST(GradientCheck, NtXentLossOverOneReplicasRows) {
  checkGradients({"nt_xent_replica_rows", param("w", "tensor<3x4xf32>"),
                  {{{4, 3}}},
                  load("w", "tensor<3x4xf32>") +
                      "  %h = simclr.matmul %a0, %w : tensor<4x3xf32>, tensor<3x4xf32> -> "
                      "tensor<4x4xf32>\n"
                      "  %v:2 = simclr.split %h axis 0 sizes [2, 2] : tensor<4x4xf32> -> "
                      "tensor<2x4xf32>, tensor<2x4xf32>\n"
                      "  %ga = simclr.all_gather %v#0 {replicas = 2 : i64} : tensor<2x4xf32> -> "
                      "tensor<4x4xf32>\n"
                      "  %gb = simclr.all_gather %v#1 {replicas = 2 : i64} : tensor<2x4xf32> -> "
                      "tensor<4x4xf32>\n"
                      "  %g = simclr.concat %ga, %gb axis 0 : tensor<4x4xf32>, tensor<4x4xf32> -> "
                      "tensor<8x4xf32>\n"
                      "  %n = simclr.l2_normalize %g axis 1 : tensor<8x4xf32>\n"
                      "  %r = simclr.replica_id {replicas = 2 : i64}\n"
                      "  %loss, %acc = simclr.nt_xent_loss %n rows of replica %r among 2 "
                      "temperature 0.5 : tensor<8x4xf32>",
                  2});
}

TEST(GradientCheck, NtXentLoss) {
  checkGradients({"nt_xent", param("z", "tensor<6x4xf32>"), {},
                  load("z", "tensor<6x4xf32>") +
                      "  %n = simclr.l2_normalize %z axis 1 : tensor<6x4xf32>\n"
                      "  %loss, %acc = simclr.nt_xent_loss %n temperature 0.5 : "
                      "tensor<6x4xf32>"});
}

// NT-Xent with a memory of negatives (docs/MEMORY.md): the memory's filled rows are extra
// columns; its all-zero row, an empty slot, must change neither the loss nor the gradient.
// The memory is an argument: it gets no gradient, so finite differences over z alone
// check the columns' share of z's gradient.
TEST(GradientCheck, NtXentLossWithNegatives) {
  checkGradients({"nt_xent_negatives", param("z", "tensor<6x4xf32>"),
                  {{{3, 4}}},
                  load("z", "tensor<6x4xf32>") +
                      "  %n = simclr.l2_normalize %z axis 1 : tensor<6x4xf32>\n"
                      "  %qn = simclr.l2_normalize %a0 axis 1 : tensor<3x4xf32>\n"
                      "  %empty = arith.constant dense<0.0> : tensor<1x4xf32>\n"
                      "  %q = simclr.concat %qn, %empty axis 0 : tensor<3x4xf32>, "
                      "tensor<1x4xf32> -> tensor<4x4xf32>\n"
                      "  %loss, %acc = simclr.nt_xent_loss %n negatives %q : tensor<4x4xf32> "
                      "temperature 0.5 : tensor<6x4xf32>"});
}

TEST(GradientCheck, SoftmaxCrossEntropy) {
  checkGradients({"softmax_cross_entropy", param("l", "tensor<4x5xf32>"),
                  {{{4}, 5}, {{4, 5}}},
                  load("l", "tensor<4x5xf32>") +
                      "  %c1, %a1c = simclr.softmax_cross_entropy %l, %a0 : tensor<4x5xf32>, "
                      "tensor<4xi32>\n"
                      "  %c2, %a2c = simclr.softmax_cross_entropy %l, %a1 : tensor<4x5xf32>, "
                      "tensor<4x5xf32>\n"
                      "  %loss = simclr.add %c1, %c2 : tensor<f32>, tensor<f32> -> tensor<f32>"});
}

TEST(GradientCheck, DistillationLoss) {
  checkGradients({"distillation", param("s", "tensor<4x5xf32>"), {{{4, 5}}},
                  load("s", "tensor<4x5xf32>") +
                      "  %loss, %agree = simclr.distillation_loss %s, %a0 temperature 2.0 : "
                      "tensor<4x5xf32>, tensor<4x5xf32>"});
}

TEST(GradientCheck, SmallResidualNetworkWithSharedValues) {
  // conv -> BN -> ReLU, a residual branch that reuses the activation, pooling, dense,
  // cross entropy: gradients of a value used twice are summed.
  checkGradients({"network",
                  param("w1", "tensor<3x2x3x3xf32>") + param("g", "tensor<3xf32>") +
                      param("b", "tensor<3xf32>") + state("rm", "tensor<3xf32>") +
                      state("rv", "tensor<3xf32>") + param("w2", "tensor<3x3x1x1xf32>") +
                      param("fw", "tensor<4x3xf32>") + param("fb", "tensor<4xf32>"),
                  {{{2, 2, 4, 4}}, {{2}, 4}},
                  load("w1", "tensor<3x2x3x3xf32>") + load("g", "tensor<3xf32>") +
                      load("b", "tensor<3xf32>") + load("rm", "tensor<3xf32>") +
                      load("rv", "tensor<3xf32>") + load("w2", "tensor<3x3x1x1xf32>") +
                      load("fw", "tensor<4x3xf32>") + load("fb", "tensor<4xf32>") +
                      "  %c = simclr.conv2d %a0, %w1 stride [1, 1] padding [1, 1, 1, 1] : "
                      "tensor<2x2x4x4xf32>, tensor<3x2x3x3xf32> -> tensor<2x3x4x4xf32>\n"
                      "  %n, %nm, %nv = simclr.batch_norm_train %c scale %g offset %b running "
                      "%rm, %rv : tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, "
                      "tensor<3xf32>, tensor<3xf32>\n"
                      "  %r = simclr.relu %n : tensor<2x3x4x4xf32>\n"
                      "  %c2 = simclr.conv2d %r, %w2 stride [1, 1] padding [0, 0, 0, 0] : "
                      "tensor<2x3x4x4xf32>, tensor<3x3x1x1xf32> -> tensor<2x3x4x4xf32>\n"
                      "  %res = simclr.add %c2, %r : tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32> -> "
                      "tensor<2x3x4x4xf32>\n"
                      "  %h = simclr.global_avg_pool %res : tensor<2x3x4x4xf32> -> tensor<2x3xf32>\n"
                      "  %logits = simclr.dense %h, %fw, %fb : tensor<2x3xf32>, tensor<4x3xf32>, "
                      "tensor<4xf32> -> tensor<2x4xf32>\n"
                      "  %loss, %acc = simclr.softmax_cross_entropy %logits, %a1 : "
                      "tensor<2x4xf32>, tensor<2xi32>"});
}

TEST(GradientCheck, FrozenParametersGetNoGradient) {
  MLIRContext context;
  mlir::simclr::frontend::loadModuleDialects(context);
  auto module = parseSourceString<ModuleOp>(
      R"(simclr.parameter @t : tensor<4x3xf32> {frozen, group = "teacher.classifier", init = "zeros"}
simclr.parameter @s : tensor<4x3xf32> {group = "classifier", init = "zeros"}
func.func @train_step(%x: tensor<2x3xf32>) -> tensor<f32> attributes {simclr.stage = "distill"} {
  %t = simclr.load @t : tensor<4x3xf32>
  %s = simclr.load @s : tensor<4x3xf32>
  %tl = simclr.dense %x, %t : tensor<2x3xf32>, tensor<4x3xf32> -> tensor<2x4xf32>
  %sl = simclr.dense %x, %s : tensor<2x3xf32>, tensor<4x3xf32> -> tensor<2x4xf32>
  %loss, %agree = simclr.distillation_loss %sl, %tl temperature 1.0 : tensor<2x4xf32>, tensor<2x4xf32>
  return %loss : tensor<f32>
})",
      &context);
  ASSERT_TRUE(module);
  PassManager pm(&context);
  pm.addPass(mlir::simclr::createAutodiff());
  ASSERT_TRUE(succeeded(pm.run(*module)));
  auto step = module->lookupSymbol<func::FuncOp>("train_step");
  auto names = step->getAttrOfType<ArrayAttr>("simclr.gradients");
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(llvm::cast<FlatSymbolRefAttr>(names[0]).getValue(), "s");
  // The teacher's branch has no backward code: nothing but the forward uses @t's value.
  step.walk([&](mlir::simclr::LoadOp load) {
    if (load.getName() == "t") {
      EXPECT_TRUE(load->hasOneUse());
    }
  });
}

} // namespace
