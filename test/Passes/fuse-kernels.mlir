// simclr-fuse-kernels groups the ops between library calls into kernels, hoisting loads
// and sinking stores; a load of a symbol stored earlier in the run ends the run.
// RUN: simclr-opt %s --simclr-fuse-kernels | FileCheck %s

simclr.parameter @w : tensor<4x3x3x3xf32> {group = "backbone", init = "zeros"}
simclr.parameter @g : tensor<4xf32> {group = "backbone", init = "ones"}
simclr.state @rm : tensor<4xf32> {init = "zeros"}
simclr.state @rv : tensor<4xf32> {init = "ones"}

// CHECK-LABEL: func.func @step
func.func @step(%x: tensor<2x3x8x8xf32>, %skip: tensor<2x4x8x8xf32>) -> tensor<2x4xf32> attributes {simclr.stage = "pretrain"} {
  // CHECK: %[[W:.*]] = simclr.load @w
  // CHECK-NEXT: %[[C:.*]] = simclr.conv2d %{{.*}}, %[[W]]
  %w = simclr.load @w : tensor<4x3x3x3xf32>
  %c = simclr.conv2d %x, %w stride [1, 1] padding [1, 1, 1, 1] : tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<2x4x8x8xf32>
  // The loads inside the run move before the kernel.
  // CHECK-NEXT: %[[G:.*]] = simclr.load @g
  // CHECK-NEXT: %[[RM:.*]] = simclr.load @rm
  // CHECK-NEXT: %[[RV:.*]] = simclr.load @rv
  // CHECK-NEXT: %[[K:.*]]:3 = simclr.kernel(%[[C]], %[[G]], %[[RM]], %[[RV]], %{{.*}}) : (tensor<2x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2x4x8x8xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<2x4xf32>) {
  // CHECK-NEXT: ^bb0(%{{.*}}: tensor<2x4x8x8xf32>, %{{.*}}: tensor<4xf32>, %{{.*}}: tensor<4xf32>, %{{.*}}: tensor<4xf32>, %{{.*}}: tensor<2x4x8x8xf32>):
  // CHECK-NEXT: simclr.batch_norm_train
  // CHECK-NEXT: simclr.relu
  // CHECK-NEXT: simclr.add
  // CHECK-NEXT: simclr.global_avg_pool
  // CHECK-NEXT: simclr.yield %{{.*}}, %{{.*}}, %{{.*}} : tensor<4xf32>, tensor<4xf32>, tensor<2x4xf32>
  // CHECK-NEXT: }
  // The stores that were inside the run follow it, in order.
  // CHECK-NEXT: simclr.store %[[K]]#0, @rm
  // CHECK-NEXT: simclr.store %[[K]]#1, @rv
  %g = simclr.load @g : tensor<4xf32>
  %rm = simclr.load @rm : tensor<4xf32>
  %rv = simclr.load @rv : tensor<4xf32>
  %y, %m, %v = simclr.batch_norm_train %c scale %g running %rm, %rv : tensor<2x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  simclr.store %m, @rm : tensor<4xf32>
  simclr.store %v, @rv : tensor<4xf32>
  %r = simclr.relu %y : tensor<2x4x8x8xf32>
  %s = simclr.add %r, %skip : tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %h = simclr.global_avg_pool %s : tensor<2x4x8x8xf32> -> tensor<2x4xf32>
  // Reading @rm again after it was stored: a new run.
  // CHECK-NEXT: %[[RM2:.*]] = simclr.load @rm
  // CHECK-NEXT: %[[K2:.*]] = simclr.kernel(%[[RM2]], %[[K]]#2)
  // CHECK: simclr.mul
  // CHECK: return %[[K2]]
  %rm2 = simclr.load @rm : tensor<4xf32>
  %b = simclr.reshape %rm2 : tensor<4xf32> -> tensor<1x4xf32>
  %out = simclr.mul %h, %b : tensor<2x4xf32>, tensor<1x4xf32> -> tensor<2x4xf32>
  return %out : tensor<2x4xf32>
}

// Every function is fused, not only the step (the evaluation entry points embed and
// predict run on the same runtime).
// CHECK-LABEL: func.func @helper
// CHECK: simclr.kernel(%arg0)
// CHECK: simclr.relu
func.func @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r = simclr.relu %x : tensor<4xf32>
  return %r : tensor<4xf32>
}
