// simclr-mixed-precision runs the library calls (conv2d and its gradients, dense, matmul)
// in bf16 and leaves everything else in f32: one conversion per value, where the value is
// made; a library call reading another's result takes the bf16 value directly.
// RUN: simclr-opt %s --simclr-mixed-precision | FileCheck %s
// The module's precision is the default; the option overrides it.
// RUN: simclr-opt %s --simclr-mixed-precision=precision=f32 | FileCheck %s --check-prefix=F32
// RUN: not simclr-opt %s --simclr-mixed-precision=precision=fp8 2>&1 | FileCheck %s --check-prefix=BAD
// After canonicalisation a round trip bf16 -> f32 -> bf16 folds away.
// RUN: simclr-opt %s --simclr-mixed-precision --canonicalize | FileCheck %s --check-prefix=FOLDED

module attributes {simclr.precision = "bf16"} {
simclr.parameter @w : tensor<4x3x3x3xf32> {group = "backbone", init = "zeros"}
simclr.parameter @g : tensor<4xf32> {group = "backbone", init = "ones"}
simclr.parameter @fc : tensor<5x4xf32> {group = "head", init = "zeros"}
simclr.state @rm : tensor<4xf32> {init = "zeros"}
simclr.state @rv : tensor<4xf32> {init = "ones"}

// CHECK-LABEL: func.func @step
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x8x8xf32>
// The argument is converted where it is defined (the block's start), the weight after its load.
// CHECK-NEXT: %[[XB:.*]] = simclr.convert %[[X]] : tensor<2x3x8x8xf32> -> tensor<2x3x8x8xbf16>
// CHECK-NEXT: %[[W:.*]] = simclr.load @w : tensor<4x3x3x3xf32>
// CHECK-NEXT: %[[WB:.*]] = simclr.convert %[[W]] : tensor<4x3x3x3xf32> -> tensor<4x3x3x3xbf16>
// CHECK-NEXT: %[[CB:.*]] = simclr.conv2d %[[XB]], %[[WB]] {{.*}} : tensor<2x3x8x8xbf16>, tensor<4x3x3x3xbf16> -> tensor<2x4x8x8xbf16>
// CHECK-NEXT: %[[C:.*]] = simclr.convert %[[CB]] : tensor<2x4x8x8xbf16> -> tensor<2x4x8x8xf32>
// Batch norm, its statistics and ReLU stay f32.
// CHECK: simclr.batch_norm_train %[[C]] {{.*}} : tensor<2x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
// CHECK: %[[R:.*]] = simclr.relu %{{.*}} : tensor<2x4x8x8xf32>
// CHECK: %[[P:.*]] = simclr.global_avg_pool %[[R]] : tensor<2x4x8x8xf32> -> tensor<2x4xf32>
// CHECK-NEXT: %[[PB:.*]] = simclr.convert %[[P]] : tensor<2x4xf32> -> tensor<2x4xbf16>
// CHECK: %[[FCB:.*]] = simclr.convert %{{.*}} : tensor<5x4xf32> -> tensor<5x4xbf16>
// CHECK-NEXT: %[[DB:.*]] = simclr.dense %[[PB]], %[[FCB]] : tensor<2x4xbf16>, tensor<5x4xbf16> -> tensor<2x5xbf16>
// CHECK-NEXT: %[[D:.*]] = simclr.convert %[[DB]] : tensor<2x5xbf16> -> tensor<2x5xf32>
// A product of the dense layer's result takes the bf16 value, and the same converted weight.
// CHECK-NEXT: %[[MB:.*]] = simclr.matmul %[[DB]], %[[FCB]] : tensor<2x5xbf16>, tensor<5x4xbf16> -> tensor<2x4xbf16>
// CHECK-NEXT: %[[M:.*]] = simclr.convert %[[MB]] : tensor<2x4xbf16> -> tensor<2x4xf32>
// CHECK: simclr.reduce_sum %{{.*}} : tensor<2x5xf32> -> tensor<f32>
// CHECK: return {{.*}} : tensor<f32>, tensor<2x4xf32>

// F32-LABEL: func.func @step
// F32-NOT: xbf16>
// F32: return %{{.*}}, %{{.*}} : tensor<f32>, tensor<2x4xf32>
// BAD: error: simclr-mixed-precision: precision must be f32 or bf16, not 'fp8'
func.func @step(%x: tensor<2x3x8x8xf32>) -> (tensor<f32>, tensor<2x4xf32>) attributes {simclr.stage = "pretrain"} {
  %w = simclr.load @w : tensor<4x3x3x3xf32>
  %c = simclr.conv2d %x, %w stride [1, 1] padding [1, 1, 1, 1] : tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<2x4x8x8xf32>
  %g = simclr.load @g : tensor<4xf32>
  %rm = simclr.load @rm : tensor<4xf32>
  %rv = simclr.load @rv : tensor<4xf32>
  %y, %m, %v = simclr.batch_norm_train %c scale %g running %rm, %rv : tensor<2x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  simclr.store %m, @rm : tensor<4xf32>
  simclr.store %v, @rv : tensor<4xf32>
  %r = simclr.relu %y : tensor<2x4x8x8xf32>
  %p = simclr.global_avg_pool %r : tensor<2x4x8x8xf32> -> tensor<2x4xf32>
  %fc = simclr.load @fc : tensor<5x4xf32>
  %d = simclr.dense %p, %fc : tensor<2x4xf32>, tensor<5x4xf32> -> tensor<2x5xf32>
  %mm = simclr.matmul %d, %fc : tensor<2x5xf32>, tensor<5x4xf32> -> tensor<2x4xf32>
  %l = simclr.reduce_sum %d axes [0, 1] : tensor<2x5xf32> -> tensor<f32>
  return %l, %mm : tensor<f32>, tensor<2x4xf32>
}

// bf16 -> f32 -> bf16 is exact and folds to the original value; f32 -> bf16 -> f32 rounds
// and stays.
// FOLDED-LABEL: func.func @round_trips
// FOLDED-SAME: (%[[B:.*]]: tensor<4xbf16>, %[[F:.*]]: tensor<4xf32>)
// FOLDED-NEXT: %[[N:.*]] = simclr.convert %[[F]] : tensor<4xf32> -> tensor<4xbf16>
// FOLDED-NEXT: %[[W:.*]] = simclr.convert %[[N]] : tensor<4xbf16> -> tensor<4xf32>
// FOLDED-NEXT: return %[[B]], %[[W]]
func.func @round_trips(%b: tensor<4xbf16>, %f: tensor<4xf32>) -> (tensor<4xbf16>, tensor<4xf32>) {
  %w = simclr.convert %b : tensor<4xbf16> -> tensor<4xf32>
  %back = simclr.convert %w : tensor<4xf32> -> tensor<4xbf16>
  %n = simclr.convert %f : tensor<4xf32> -> tensor<4xbf16>
  %nw = simclr.convert %n : tensor<4xbf16> -> tensor<4xf32>
  return %back, %nw : tensor<4xbf16>, tensor<4xf32>
}
}
