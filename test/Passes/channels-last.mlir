// simclr-channels-last stores every rank-4 value a function computes NHWC: the ops with a
// layout get channels_last, element-wise ops and reductions take permuted shapes, and only
// values from outside (the argument, each filter) are transposed in, only values that
// leave (each filter's gradient) transposed back.
// RUN: simclr-opt %s --simclr-autodiff --simclr-channels-last --canonicalize | FileCheck %s
// The module's layout is the default; the option overrides it.
// RUN: simclr-opt %s --simclr-autodiff --simclr-channels-last=layout=nchw | FileCheck %s --check-prefix=NCHW
// RUN: not simclr-opt %s --simclr-channels-last=layout=chwn 2>&1 | FileCheck %s --check-prefix=BAD
// A second run changes nothing (functions with channels_last ops are NHWC already).
// RUN: simclr-opt %s --simclr-autodiff --simclr-channels-last --simclr-channels-last --canonicalize | FileCheck %s
// The float64 evaluator gives the same loss and gradient in both layouts.
// RUN: simclr-opt %s --simclr-autodiff -o %t.nchw.mlir
// RUN: simclr-opt %s --simclr-autodiff --simclr-channels-last -o %t.nhwc.mlir
// RUN: %python %S/Inputs/layouts_agree.py simclr-run %t.nchw.mlir %t.nhwc.mlir 1e-12 %t.dir | FileCheck %s --check-prefix=SAME

module attributes {simclr.layout = "nhwc"} {
simclr.parameter @w : tensor<4x3x3x3xf32> {group = "backbone", init = "variance_scaling"}
simclr.parameter @g : tensor<4xf32> {group = "backbone", init = "ones"}
simclr.state @rm : tensor<4xf32> {init = "zeros"}
simclr.state @rv : tensor<4xf32> {init = "ones"}

// CHECK-LABEL: func.func @step
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x8x8xf32>)
// The image batch and the filter are transposed in once each.
// CHECK-DAG: %[[XT:.*]] = simclr.transpose %[[X]] permutation [0, 2, 3, 1] : tensor<2x3x8x8xf32> -> tensor<2x8x8x3xf32>
// CHECK-DAG: %[[WT:.*]] = simclr.transpose %{{.*}} permutation [0, 2, 3, 1] : tensor<4x3x3x3xf32> -> tensor<4x3x3x3xf32>
// CHECK: %[[C:.*]] = simclr.conv2d %[[XT]], %[[WT]] stride [1, 1] padding [1, 1, 1, 1] {channels_last} : tensor<2x8x8x3xf32>, tensor<4x3x3x3xf32> -> tensor<2x8x8x4xf32>
// CHECK: %[[B:.*]], %{{.*}}, %{{.*}} = simclr.batch_norm_train %[[C]] {{.*}}{channels_last{{.*}} : tensor<2x8x8x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
// CHECK: %[[R:.*]] = simclr.relu %[[B]] : tensor<2x8x8x4xf32>
// CHECK: %[[A:.*]] = simclr.add %[[R]], %[[C]] : tensor<2x8x8x4xf32>, tensor<2x8x8x4xf32> -> tensor<2x8x8x4xf32>
// CHECK: %[[P:.*]] = simclr.max_pool2d %[[A]] kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1] {channels_last} : tensor<2x8x8x4xf32> -> tensor<2x4x4x4xf32>
// global_avg_pool becomes a mean over the NHWC spatial dimensions.
// CHECK: simclr.reduce_mean %[[P]] axes [1, 2] : tensor<2x4x4x4xf32> -> tensor<2x4xf32>
// The backward stays NHWC: no transpose until the filter's gradient leaves.
// CHECK-NOT: simclr.transpose
// CHECK: simclr.max_pool2d_backward {{.*}} {channels_last} : tensor<2x4x4x4xf32>, tensor<2x8x8x4xf32>
// CHECK: simclr.batch_norm_train_backward {{.*}}channels_last
// CHECK: %[[DW:.*]] = simclr.conv2d_backward_filter %[[XT]], %{{.*}} {channels_last} : tensor<2x8x8x3xf32>, tensor<2x8x8x4xf32> -> tensor<4x3x3x3xf32>
// CHECK: %[[DWT:.*]] = simclr.transpose %[[DW]] permutation [0, 3, 1, 2] : tensor<4x3x3x3xf32> -> tensor<4x3x3x3xf32>
// CHECK: return %{{.*}}, %[[DWT]], %{{.*}} : tensor<f32>, tensor<4x3x3x3xf32>, tensor<4xf32>

// NCHW-LABEL: func.func @step
// NCHW-NOT: simclr.transpose
// NCHW-NOT: channels_last
// NCHW: return

// BAD: simclr-channels-last: layout must be nchw or nhwc, not 'chwn'


// SAME: result0: same
// SAME: result1: same
// SAME: result2: same
func.func @step(%x: tensor<2x3x8x8xf32>) -> tensor<f32> attributes {simclr.stage = "pretrain"} {
  %w = simclr.load @w : tensor<4x3x3x3xf32>
  %g = simclr.load @g : tensor<4xf32>
  %rm = simclr.load @rm : tensor<4xf32>
  %rv = simclr.load @rv : tensor<4xf32>
  %c = simclr.conv2d %x, %w stride [1, 1] padding [1, 1, 1, 1] : tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<2x4x8x8xf32>
  %b, %m, %v = simclr.batch_norm_train %c scale %g running %rm, %rv : tensor<2x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  %r = simclr.relu %b : tensor<2x4x8x8xf32>
  %a = simclr.add %r, %c : tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %p = simclr.max_pool2d %a kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1] : tensor<2x4x8x8xf32> -> tensor<2x4x4x4xf32>
  %h = simclr.global_avg_pool %p : tensor<2x4x4x4xf32> -> tensor<2x4xf32>
  %s = simclr.mul %h, %h : tensor<2x4xf32>, tensor<2x4xf32> -> tensor<2x4xf32>
  %l = simclr.reduce_sum %s axes [0, 1] : tensor<2x4xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// A rank-4 slice takes its offsets, sizes and strides in NHWC order.
// CHECK-LABEL: func.func @box
// CHECK: simclr.slice %{{.*}} offsets [0, 1, 0, 0] sizes [1, 3, 2, 2] strides [1, 2, 1, 1] : tensor<2x7x2x2xf32> -> tensor<1x3x2x2xf32>
// CHECK: simclr.transpose %{{.*}} permutation [0, 3, 1, 2] : tensor<1x3x2x2xf32> -> tensor<1x2x3x2xf32>
func.func @box(%x: tensor<2x3x7x4xf32>, %w: tensor<2x3x1x3xf32>) -> tensor<1x2x3x2xf32> {
  %c = simclr.conv2d %x, %w stride [1, 2] padding [0, 1, 0, 0] : tensor<2x3x7x4xf32>, tensor<2x3x1x3xf32> -> tensor<2x2x7x2xf32>
  %s = simclr.slice %c offsets [0, 0, 1, 0] sizes [1, 2, 3, 2] strides [1, 1, 2, 1] : tensor<2x2x7x2xf32> -> tensor<1x2x3x2xf32>
  return %s : tensor<1x2x3x2xf32>
}
}
