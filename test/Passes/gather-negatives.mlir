// simclr-gather-negatives: on a module for 2 replicas, NT-Xent takes its negatives from the
// global batch: each view's rows all-gathered from every replica, view a's then view b's,
// which is the one-replica batch of 2 x 4 images, of which it scores this replica's rows
// (the index from replica_id); differentiation sends the gradient of the whole gathered
// batch back through reduce-scatters. (test/unit/DataParallelTest.cpp runs such a step as replicas against
// one big batch.)
// RUN: simclr-opt %s --simclr-gather-negatives | FileCheck %s
// RUN: simclr-opt %s --simclr-gather-negatives --simclr-autodiff | FileCheck %s --check-prefix=GRAD
// RUN: simclr-opt %s --simclr-gather-negatives --simclr-autodiff --simclr-optimizer --simclr-cross-replica-batch-norm --simclr-gradient-all-reduce --canonicalize --simclr-fuse-kernels | FileCheck %s --check-prefix=FUSED
// One replica: nothing changes.
// RUN: sed 's/simclr.replicas = 2/simclr.replicas = 1/' %s | simclr-opt --simclr-gather-negatives | FileCheck %s --check-prefix=ONE

module attributes {simclr.replicas = 2 : i64} {
simclr.parameter @w : tensor<16x6xf32> {group = "head", init = "zeros"}

// CHECK-LABEL: func.func @train_step
// CHECK: %[[Z:.*]] = simclr.dense
// CHECK: %[[V:.*]]:2 = simclr.split %[[Z]] axis 0 sizes [4, 4] : tensor<8x16xf32> -> tensor<4x16xf32>, tensor<4x16xf32>
// CHECK: %[[A:.*]] = simclr.all_gather %[[V]]#0 {replicas = 2 : i64} : tensor<4x16xf32> -> tensor<8x16xf32>
// CHECK: %[[B:.*]] = simclr.all_gather %[[V]]#1 {replicas = 2 : i64} : tensor<4x16xf32> -> tensor<8x16xf32>
// CHECK: %[[G:.*]] = simclr.concat %[[A]], %[[B]] axis 0
// CHECK: %[[R:.*]] = simclr.replica_id {replicas = 2 : i64}
// CHECK: simclr.nt_xent_loss %[[G]] rows of replica %[[R]] among 2 temperature {{.*}} : tensor<16x16xf32>

// GRAD: simclr.nt_xent_loss_backward %{{.*}}, %{{.*}} rows of replica %{{.*}} among 2 temperature {{.*}} : tensor<16x16xf32>
// GRAD: simclr.split %{{.*}} axis 0 sizes [8, 8]
// GRAD-COUNT-2: simclr.reduce_scatter %{{.*}} {replicas = 2 : i64} : tensor<8x16xf32> -> tensor<4x16xf32>
// GRAD: simclr.concat

// The collectives and replica_id stay outside the fused kernels, as library calls do.
// FUSED-LABEL: func.func @train_step
// FUSED: simclr.all_gather {{.*}} : tensor<4x16xf32> -> tensor<8x16xf32>
// FUSED-NEXT: simclr.all_gather {{.*}} : tensor<4x16xf32> -> tensor<8x16xf32>
// FUSED-NEXT: simclr.kernel
// FUSED: %[[ID:.*]] = simclr.replica_id {replicas = 2 : i64}
// FUSED-NEXT: simclr.kernel(%{{.*}}, %[[ID]], %{{.*}}) : (tensor<16x16xf32>, tensor<i32>, tensor<f32>)
// FUSED: simclr.nt_xent_loss %{{.*}} rows of replica

// ONE-NOT: simclr.all_gather
// ONE-NOT: replica_id
// ONE-NOT: rows of replica

func.func @train_step(%x: tensor<8x6xf32>) -> (tensor<f32>, tensor<f32>)
    attributes {simclr.stage = "pretrain",
                simclr.input = {batch_size = 4, channels = 1, height = 1, width = 6},
                simclr.optimizer = {kind = "lars", learning_rate = 0.5, lr_scaling = "linear",
                  momentum = 0.9, nesterov = false, weight_decay = 0.001, trust_coefficient = 0.001,
                  warmup_epochs = 0, epochs = 1}} {
  %w = simclr.load @w : tensor<16x6xf32>
  %z = simclr.dense %x, %w : tensor<8x6xf32>, tensor<16x6xf32> -> tensor<8x16xf32>
  %loss, %acc = simclr.nt_xent_loss %z temperature 0.5 : tensor<8x16xf32>
  return %loss, %acc : tensor<f32>, tensor<f32>
}
}
