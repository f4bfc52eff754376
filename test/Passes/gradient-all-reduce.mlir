// simclr-gradient-all-reduce: on a module for 2 replicas, every update reads its gradient's
// mean over the replicas; the gradients go in reverse-order buckets of at most
// bucket-bytes, each one all-reduce of their concatenation placed after its last gradient.
// (test/unit/DataParallelTest.cpp runs such steps as replicas against one big batch.)
// RUN: simclr-opt %s --simclr-autodiff --simclr-optimizer --simclr-gradient-all-reduce | FileCheck %s --check-prefix=ONE
// RUN: simclr-opt %s --simclr-autodiff --simclr-optimizer --simclr-gradient-all-reduce=bucket-bytes=100 | FileCheck %s --check-prefix=SMALL
// RUN: not simclr-opt %s --simclr-autodiff --simclr-optimizer --simclr-gradient-all-reduce=bucket-bytes=0 2>&1 | FileCheck %s --check-prefix=BAD
// The optimizer's peak learning rate is for the global batch: 0.5 * (4 x 2) / 256.
// RUN: simclr-opt %s --simclr-autodiff --simclr-optimizer | FileCheck %s --check-prefix=LR

module attributes {simclr.replicas = 2 : i64} {
simclr.parameter @a : tensor<5x6xf32> {group = "backbone", init = "zeros"}
simclr.parameter @b : tensor<5xf32> {group = "backbone", init = "zeros"}
simclr.parameter @c : tensor<3x5xf32> {group = "classifier", init = "zeros"}

// One bucket of all three (120 + 20 + 60 bytes), in reverse order: c, b, a.
// ONE-LABEL: func.func @train_step
// ONE: %[[F0:.*]] = simclr.reshape %{{.*}} : tensor<3x5xf32> -> tensor<15xf32>
// ONE: %[[F1:.*]] = simclr.reshape %{{.*}} : tensor<5xf32> -> tensor<5xf32>
// ONE: %[[F2:.*]] = simclr.reshape %{{.*}} : tensor<5x6xf32> -> tensor<30xf32>
// ONE: %[[J:.*]] = simclr.concat %[[F0]], %[[F1]], %[[F2]] axis 0
// ONE: %[[M:.*]] = simclr.all_reduce %[[J]] {kind = "mean", replicas = 2 : i64} : tensor<50xf32> -> tensor<50xf32>
// ONE: simclr.split %[[M]] axis 0 sizes [15, 5, 30]
// ONE-COUNT-3: simclr.lars_update
// ONE-NOT: simclr.all_reduce

// Buckets of at most 100 bytes: c (60) and b (20), then a (120) alone; each after its
// last gradient, wherever the backward makes it.
// SMALL-LABEL: func.func @train_step
// SMALL-DAG: simclr.all_reduce %{{.*}} {kind = "mean", replicas = 2 : i64} : tensor<20xf32> -> tensor<20xf32>
// SMALL-DAG: simclr.all_reduce %{{.*}} {kind = "mean", replicas = 2 : i64} : tensor<5x6xf32> -> tensor<5x6xf32>
// SMALL: simclr.lars_update
// SMALL-NOT: simclr.all_reduce

// BAD: simclr-gradient-all-reduce: bucket-bytes must be positive
// LR: simclr.learning_rate {{.*}} peak 1.562500e-02

func.func @train_step(%x: tensor<4x6xf32>, %y: tensor<4xi32>) -> (tensor<f32>, tensor<f32>)
    attributes {simclr.stage = "finetune",
                simclr.input = {batch_size = 4, channels = 1, height = 1, width = 6},
                simclr.optimizer = {kind = "lars", learning_rate = 0.5, lr_scaling = "linear",
                  momentum = 0.9, nesterov = false, weight_decay = 0.001, trust_coefficient = 0.001,
                  warmup_epochs = 0, epochs = 1}} {
  %a = simclr.load @a : tensor<5x6xf32>
  %b = simclr.load @b : tensor<5xf32>
  %c = simclr.load @c : tensor<3x5xf32>
  %h = simclr.dense %x, %a, %b : tensor<4x6xf32>, tensor<5x6xf32>, tensor<5xf32> -> tensor<4x5xf32>
  %r = simclr.relu %h : tensor<4x5xf32>
  %l = simclr.dense %r, %c : tensor<4x5xf32>, tensor<3x5xf32> -> tensor<4x3xf32>
  %loss, %acc = simclr.softmax_cross_entropy %l, %y : tensor<4x3xf32>, tensor<4xi32>
  return %loss, %acc : tensor<f32>, tensor<f32>
}
}
