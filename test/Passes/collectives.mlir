// The collectives' gradient rules (docs/DISTRIBUTED.md): an all-reduce's gradient is the
// same all-reduce, an all-gather's is a reduce-scatter (sum) of the gathered gradient (not
// its local slice), a reduce-scatter's is an all-gather. With one replica each collective
// folds away.
// RUN: simclr-opt %s --simclr-autodiff | FileCheck %s
// RUN: simclr-opt %s --canonicalize | FileCheck %s --check-prefix=ONE
// A whole pretraining step compiled for 2 replicas keeps its collectives outside the
// kernels, each with its own buffers: the two views' embeddings gathered and their
// gradients reduce-scattered, 3 all-reduced sums per batch norm (12 of them: the mean, the
// squared deviations, and the backward's two sums together) and one bucket of every
// gradient.
// RUN: simclrc %examples/fashion_mnist/pretrain.yaml --replicas=2 --batch-size=8 --emit=step | FileCheck %s --check-prefix=STEP
// RUN: simclrc %examples/fashion_mnist/pretrain.yaml --replicas=2 --batch-size=8 --emit=step | grep -c 'simclr.all_reduce .*kind = "sum"' | FileCheck %s --check-prefix=SUMS
// RUN: simclrc %examples/fashion_mnist/pretrain.yaml --replicas=2 --emit=mlir | FileCheck %s --check-prefix=ATTR

simclr.parameter @w : tensor<3x5xf32> {group = "head", init = "zeros"}

// CHECK-LABEL: func.func @step
func.func @step(%x: tensor<4x5xf32>) -> tensor<f32> attributes {simclr.stage = "pretrain"} {
  %w = simclr.load @w : tensor<3x5xf32>
  %y = simclr.dense %x, %w : tensor<4x5xf32>, tensor<3x5xf32> -> tensor<4x3xf32>
  %m = simclr.all_reduce %y {kind = "mean", replicas = 2 : i64} : tensor<4x3xf32> -> tensor<4x3xf32>
  %g = simclr.all_gather %m {replicas = 2 : i64} : tensor<4x3xf32> -> tensor<8x3xf32>
  %s = simclr.reduce_scatter %g {replicas = 2 : i64} : tensor<8x3xf32> -> tensor<4x3xf32>
  %o = simclr.all_gather %s {replicas = 1 : i64} : tensor<4x3xf32> -> tensor<4x3xf32>
  %q = simclr.mul %o, %o : tensor<4x3xf32>, tensor<4x3xf32> -> tensor<4x3xf32>
  %l = simclr.reduce_sum %q axes [0, 1] : tensor<4x3xf32> -> tensor<f32>
  return %l : tensor<f32>
  // The backward, from the loss: reduce_scatter's gradient gathers, all_gather's scatters,
  // the all-reduce's is the same all-reduce.
  // CHECK: %[[D1:.*]] = simclr.reduce_scatter %{{.*}} {replicas = 1 : i64} : tensor<4x3xf32> -> tensor<4x3xf32>
  // CHECK: %[[D2:.*]] = simclr.all_gather %[[D1]] {replicas = 2 : i64} : tensor<4x3xf32> -> tensor<8x3xf32>
  // CHECK: %[[D3:.*]] = simclr.reduce_scatter %[[D2]] {replicas = 2 : i64} : tensor<8x3xf32> -> tensor<4x3xf32>
  // CHECK: %[[D4:.*]] = simclr.all_reduce %[[D3]] {kind = "mean", replicas = 2 : i64} : tensor<4x3xf32> -> tensor<4x3xf32>
  // CHECK: simclr.matmul %[[D4]], %{{.*}} {transpose_a}
}

// ONE-LABEL: func.func @step
// ONE: simclr.reduce_scatter
// ONE-NOT: {replicas = 1 : i64}
// ONE: simclr.mul

// STEP-LABEL: func.func @train_step
// STEP-COUNT-2: simclr.all_gather %{{.*}} {replicas = 2 : i64, simclr.offsets = array<i64: {{[0-9]+}}>} : tensor<8x64xf32> -> tensor<16x64xf32>
// STEP: simclr.nt_xent_loss
// STEP-COUNT-2: simclr.reduce_scatter %{{.*}} : tensor<16x64xf32> -> tensor<8x64xf32>
// STEP: simclr.all_reduce %{{.*}} {kind = "mean", replicas = 2 : i64, simclr.offsets = array<i64: {{[0-9]+}}>} : tensor<348320xf32>
// STEP-NOT: simclr.all_reduce {{.*}}"mean"
// STEP: simclr.lars_update
// SUMS: 36
// ATTR: simclr.replicas = 2 : i64
