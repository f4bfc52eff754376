// Round trip of every gradient op.
// RUN: simclr-opt %s | simclr-opt | FileCheck %s
// RUN: simclr-opt %s --mlir-print-op-generic | simclr-opt | FileCheck %s

// CHECK-LABEL: func.func @blocks
func.func @blocks(%a: tensor<8x10xf32>, %b: tensor<8x64xf32>, %c: tensor<2x3x1x1xf32>) -> (tensor<10x64xf32>, tensor<2x3x4x4xf32>, tensor<8x10xf32>) {
  // CHECK: simclr.matmul %{{.*}}, %{{.*}} {transpose_a} : tensor<8x10xf32>, tensor<8x64xf32> -> tensor<10x64xf32>
  %m = simclr.matmul %a, %b {transpose_a} : tensor<8x10xf32>, tensor<8x64xf32> -> tensor<10x64xf32>
  // CHECK: simclr.broadcast %{{.*}} : tensor<2x3x1x1xf32> -> tensor<2x3x4x4xf32>
  %r = simclr.broadcast %c : tensor<2x3x1x1xf32> -> tensor<2x3x4x4xf32>
  // CHECK: simclr.scale %{{.*}} by 2.500000e-01 : tensor<8x10xf32>
  %s = simclr.scale %a by 0.25 : tensor<8x10xf32>
  return %m, %r, %s : tensor<10x64xf32>, tensor<2x3x4x4xf32>, tensor<8x10xf32>
}

// CHECK-LABEL: func.func @conv
func.func @conv(%x: tensor<2x3x9x9xf32>, %w: tensor<4x3x3x3xf32>, %dy: tensor<2x4x5x5xf32>) -> (tensor<2x3x9x9xf32>, tensor<4x3x3x3xf32>) {
  // CHECK: simclr.conv2d_backward_input %{{.*}}, %{{.*}} stride [2, 2] padding [1, 1, 1, 1] : tensor<2x4x5x5xf32>, tensor<4x3x3x3xf32> -> tensor<2x3x9x9xf32>
  %dx = simclr.conv2d_backward_input %dy, %w stride [2, 2] padding [1, 1, 1, 1] : tensor<2x4x5x5xf32>, tensor<4x3x3x3xf32> -> tensor<2x3x9x9xf32>
  // CHECK: simclr.conv2d_backward_filter %{{.*}}, %{{.*}} stride [2, 2] padding [1, 1, 1, 1] : tensor<2x3x9x9xf32>, tensor<2x4x5x5xf32> -> tensor<4x3x3x3xf32>
  %dw = simclr.conv2d_backward_filter %x, %dy stride [2, 2] padding [1, 1, 1, 1] : tensor<2x3x9x9xf32>, tensor<2x4x5x5xf32> -> tensor<4x3x3x3xf32>
  return %dx, %dw : tensor<2x3x9x9xf32>, tensor<4x3x3x3xf32>
}

// CHECK-LABEL: func.func @batch_norm
func.func @batch_norm(%dy: tensor<2x3x4x4xf32>, %x: tensor<2x3x4x4xf32>, %g: tensor<3xf32>) -> (tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<2x3x4x4xf32>) {
  // CHECK: simclr.batch_norm_train_backward %{{.*}}, %{{.*}} scale %{{.*}} : tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>, tensor<3xf32>
  %dx, %dg, %db = simclr.batch_norm_train_backward %dy, %x scale %g : tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>, tensor<3xf32>
  // CHECK: simclr.batch_norm_infer_backward %{{.*}}, %{{.*}} scale %{{.*}} stats %{{.*}}, %{{.*}} {epsilon = 1.000000e-03 : f32} : tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  %ix, %ig, %ib = simclr.batch_norm_infer_backward %dy, %x scale %g stats %g, %g {epsilon = 1.0e-3 : f32} : tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  return %dx, %dg, %ix : tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<2x3x4x4xf32>
}

// CHECK-LABEL: func.func @pointwise
func.func @pointwise(%dy: tensor<2x3x4x4xf32>, %y: tensor<2x3x4x4xf32>, %p: tensor<2x2x8xf32>, %z: tensor<4x8xf32>) -> (tensor<2x3x4x4xf32>, tensor<2x2x8xf32>, tensor<4x8xf32>) {
  // CHECK: simclr.relu_backward %{{.*}}, %{{.*}} : tensor<2x3x4x4xf32>
  %r = simclr.relu_backward %dy, %y : tensor<2x3x4x4xf32>
  // CHECK: simclr.softmax_backward %{{.*}}, %{{.*}} axis 1 : tensor<2x2x8xf32>
  %s = simclr.softmax_backward %p, %p axis 1 : tensor<2x2x8xf32>
  // CHECK: simclr.l2_normalize_backward %{{.*}}, %{{.*}} axis 1 : tensor<4x8xf32>
  %l = simclr.l2_normalize_backward %z, %z axis 1 : tensor<4x8xf32>
  return %r, %s, %l : tensor<2x3x4x4xf32>, tensor<2x2x8xf32>, tensor<4x8xf32>
}

// CHECK-LABEL: func.func @windows
func.func @windows(%x: tensor<2x3x9x9xf32>, %dy: tensor<2x3x5x5xf32>, %ds: tensor<1x4xf32>, %dm: tensor<2x3xf32>) -> (tensor<2x3x9x9xf32>, tensor<2x3x9x9xf32>, tensor<4x8xf32>, tensor<2x3x9x9xf32>) {
  // CHECK: simclr.max_pool2d_backward %{{.*}}, %{{.*}} kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1] : tensor<2x3x5x5xf32>, tensor<2x3x9x9xf32>
  %m = simclr.max_pool2d_backward %dy, %x kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1] : tensor<2x3x5x5xf32>, tensor<2x3x9x9xf32>
  // CHECK: simclr.avg_pool2d_backward %{{.*}} kernel [2, 2] stride [2, 2] padding [0, 0, 1, 1] {count_include_pad} : tensor<2x3x5x5xf32> -> tensor<2x3x9x9xf32>
  %a = simclr.avg_pool2d_backward %dy kernel [2, 2] stride [2, 2] padding [0, 0, 1, 1] {count_include_pad} : tensor<2x3x5x5xf32> -> tensor<2x3x9x9xf32>
  // CHECK: simclr.slice_backward %{{.*}} offsets [1, 0] strides [1, 2] : tensor<1x4xf32> -> tensor<4x8xf32>
  %s = simclr.slice_backward %ds offsets [1, 0] strides [1, 2] : tensor<1x4xf32> -> tensor<4x8xf32>
  // CHECK: simclr.reduce_max_backward %{{.*}}, %{{.*}} axes [2, 3] : tensor<2x3xf32>, tensor<2x3x9x9xf32>
  %r = simclr.reduce_max_backward %dm, %x axes [2, 3] : tensor<2x3xf32>, tensor<2x3x9x9xf32>
  return %m, %a, %s, %r : tensor<2x3x9x9xf32>, tensor<2x3x9x9xf32>, tensor<4x8xf32>, tensor<2x3x9x9xf32>
}

// CHECK-LABEL: func.func @losses
func.func @losses(%z: tensor<8x16xf32>, %g: tensor<f32>, %logits: tensor<4x10xf32>, %labels: tensor<4xi32>, %t: tensor<4x10xf32>) -> (tensor<8x16xf32>, tensor<4x10xf32>, tensor<4x10xf32>) {
  // CHECK: simclr.nt_xent_loss_backward %{{.*}}, %{{.*}} temperature 1.000000e-01 : tensor<8x16xf32>
  %dz = simclr.nt_xent_loss_backward %z, %g temperature 0.1 : tensor<8x16xf32>
  // CHECK: simclr.softmax_cross_entropy_backward %{{.*}}, %{{.*}}, %{{.*}} : tensor<4x10xf32>, tensor<4xi32>
  %dl = simclr.softmax_cross_entropy_backward %logits, %labels, %g : tensor<4x10xf32>, tensor<4xi32>
  // CHECK: simclr.distillation_loss_backward %{{.*}}, %{{.*}}, %{{.*}} temperature 2.000000e+00 : tensor<4x10xf32>
  %ds = simclr.distillation_loss_backward %logits, %t, %g temperature 2.0 : tensor<4x10xf32>
  return %dz, %dl, %ds : tensor<8x16xf32>, tensor<4x10xf32>, tensor<4x10xf32>
}

// CHECK-LABEL: func.func @optimizer
func.func @optimizer(%w: tensor<4x8xf32>, %g: tensor<4x8xf32>, %v: tensor<4x8xf32>, %s: tensor<f32>) -> (tensor<f32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  // CHECK: simclr.learning_rate %{{.*}}, %{{.*}}, %{{.*}} peak 3.000000e-01
  %lr = simclr.learning_rate %s, %s, %s peak 0.3
  // CHECK: simclr.lars_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {exclude, momentum = 9.000000e-01 : f64, nesterov, trust_coefficient = 1.000000e-03 : f64, weight_decay = 9.9999999999999995E-7 : f64} : tensor<4x8xf32>
  %w2, %v2 = simclr.lars_update %w, %g, %v, %lr {exclude, momentum = 0.9, nesterov, trust_coefficient = 0.001, weight_decay = 1.0e-6} : tensor<4x8xf32>
  // CHECK: simclr.lars_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {momentum = 9.000000e-01 : f64, no_adaptation, trust_coefficient = 1.000000e-03 : f64, weight_decay = 1.000000e-04 : f64} : tensor<4x8xf32>
  %w2a, %v2a = simclr.lars_update %w2, %g, %v2, %lr {momentum = 0.9, no_adaptation, trust_coefficient = 0.001, weight_decay = 1.0e-4} : tensor<4x8xf32>
  // CHECK: simclr.momentum_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {momentum = 9.000000e-01 : f64, weight_decay = 0.000000e+00 : f64} : tensor<4x8xf32>
  %w3, %v3 = simclr.momentum_update %w2a, %g, %v2a, %lr {momentum = 0.9, weight_decay = 0.0} : tensor<4x8xf32>
  return %lr, %w3, %v3 : tensor<f32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// CHECK-LABEL: func.func @kernel
func.func @kernel(%x: tensor<2x4xf32>, %y: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<4xf32>) {
  // CHECK: %{{.*}}:2 = simclr.kernel(%{{.*}}, %{{.*}}) : (tensor<2x4xf32>, tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<4xf32>) {
  // CHECK-NEXT: ^bb0(%[[A:.*]]: tensor<2x4xf32>, %[[B:.*]]: tensor<2x4xf32>):
  // CHECK-NEXT: %[[S:.*]] = simclr.add %[[A]], %[[B]]
  // CHECK-NEXT: %[[R:.*]] = simclr.reduce_sum %[[S]] axes [0]
  // CHECK-NEXT: simclr.yield %[[S]], %[[R]] : tensor<2x4xf32>, tensor<4xf32>
  %k:2 = simclr.kernel(%x, %y) : (tensor<2x4xf32>, tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<4xf32>) {
  ^bb0(%a: tensor<2x4xf32>, %b: tensor<2x4xf32>):
    %s = simclr.add %a, %b : tensor<2x4xf32>, tensor<2x4xf32> -> tensor<2x4xf32>
    %r = simclr.reduce_sum %s axes [0] : tensor<2x4xf32> -> tensor<4xf32>
    simclr.yield %s, %r : tensor<2x4xf32>, tensor<4xf32>
  }
  return %k#0, %k#1 : tensor<2x4xf32>, tensor<4xf32>
}
