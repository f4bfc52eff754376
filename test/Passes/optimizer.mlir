// simclr-optimizer replaces the gradients of a differentiated step by parameter updates.
// RUN: simclr-opt %s -split-input-file --simclr-autodiff --simclr-optimizer -verify-diagnostics | FileCheck %s

// CHECK: simclr.parameter @w : tensor<4x8xf32>
// CHECK-NEXT: simclr.state @velocity.w : tensor<4x8xf32> {group = "optimizer", init = "zeros"}
// CHECK: simclr.parameter @b : tensor<4xf32>
// CHECK-NEXT: simclr.state @velocity.b : tensor<4xf32> {group = "optimizer", init = "zeros"}
simclr.parameter @w : tensor<4x8xf32> {group = "head", init = "zeros"}
simclr.parameter @b : tensor<4xf32> {group = "classifier", init = "zeros"}

// CHECK-LABEL: func.func @train_step
// CHECK-SAME: (%{{.*}}: tensor<2x8xf32>, %{{.*}}: tensor<2xi32>, %[[STEP:.*]]: tensor<f32>, %[[WARMUP:.*]]: tensor<f32>, %[[TOTAL:.*]]: tensor<f32>) -> (tensor<f32>, tensor<f32>, tensor<f32>)
// CHECK-NOT: simclr.gradients
func.func @train_step(%x: tensor<2x8xf32>, %labels: tensor<2xi32>) -> (tensor<f32>, tensor<f32>)
    attributes {simclr.stage = "finetune",
                simclr.input = {batch_size = 64, channels = 1, height = 1, width = 8},
                simclr.optimizer = {kind = "lars", learning_rate = 0.005, lr_scaling = "sqrt", momentum = 0.9,
                                    weight_decay = 0.0001, trust_coefficient = 0.001, nesterov = false}} {
  %w = simclr.load @w : tensor<4x8xf32>
  %b = simclr.load @b : tensor<4xf32>
  %logits = simclr.dense %x, %w, %b : tensor<2x8xf32>, tensor<4x8xf32>, tensor<4xf32> -> tensor<2x4xf32>
  %loss, %acc = simclr.softmax_cross_entropy %logits, %labels : tensor<2x4xf32>, tensor<2xi32>
  // Peak rate 0.005 * sqrt(64) = 0.04.
  // CHECK: %[[LR:.*]] = simclr.learning_rate %[[STEP]], %[[WARMUP]], %[[TOTAL]] peak 4.000000e-02
  // CHECK: %[[W:.*]] = simclr.load @w
  // CHECK-NEXT: %[[V:.*]] = simclr.load @velocity.w
  // CHECK-NEXT: %[[NW:.*]], %[[NV:.*]] = simclr.lars_update %[[W]], %{{.*}}, %[[V]], %[[LR]] {momentum = 9.000000e-01 : f64, trust_coefficient = 1.000000e-03 : f64, weight_decay = 1.000000e-04 : f64} : tensor<4x8xf32>
  // CHECK-NEXT: simclr.store %[[NW]], @w
  // CHECK-NEXT: simclr.store %[[NV]], @velocity.w
  // Biases (rank 1) are excluded from weight decay and adaptation.
  // CHECK: simclr.lars_update {{.*}} {exclude, momentum = 9.000000e-01 : f64, trust_coefficient = 1.000000e-03 : f64, weight_decay = 1.000000e-04 : f64} : tensor<4xf32>
  // CHECK: return %{{.*}}, %{{.*}}, %[[LR]] : tensor<f32>, tensor<f32>, tensor<f32>
  return %loss, %acc : tensor<f32>, tensor<f32>
}

// -----

// The classifier's weights are excluded from LARS's adaptation but keep their weight decay,
// as the reference's supervised head.
simclr.parameter @w : tensor<4x8xf32> {group = "classifier", init = "zeros"}
simclr.parameter @b : tensor<4xf32> {group = "classifier", init = "zeros"}
// CHECK-LABEL: func.func @finetune_classifier
func.func @finetune_classifier(%x: tensor<2x8xf32>, %labels: tensor<2xi32>) -> (tensor<f32>, tensor<f32>)
    attributes {simclr.stage = "finetune",
                simclr.input = {batch_size = 64, channels = 1, height = 1, width = 8},
                simclr.optimizer = {kind = "lars", learning_rate = 0.005, lr_scaling = "sqrt", momentum = 0.9,
                                    weight_decay = 0.0001, trust_coefficient = 0.001, nesterov = false}} {
  %w = simclr.load @w : tensor<4x8xf32>
  %b = simclr.load @b : tensor<4xf32>
  %logits = simclr.dense %x, %w, %b : tensor<2x8xf32>, tensor<4x8xf32>, tensor<4xf32> -> tensor<2x4xf32>
  %loss, %acc = simclr.softmax_cross_entropy %logits, %labels : tensor<2x4xf32>, tensor<2xi32>
  // CHECK: simclr.lars_update {{.*}} {momentum = 9.000000e-01 : f64, no_adaptation, trust_coefficient = 1.000000e-03 : f64, weight_decay = 1.000000e-04 : f64} : tensor<4x8xf32>
  // CHECK: simclr.lars_update {{.*}} {exclude, momentum = 9.000000e-01 : f64, trust_coefficient = 1.000000e-03 : f64, weight_decay = 1.000000e-04 : f64} : tensor<4xf32>
  return %loss, %acc : tensor<f32>, tensor<f32>
}

// -----

simclr.parameter @w : tensor<4x8xf32> {group = "classifier", init = "zeros"}
// CHECK-LABEL: func.func @linear_eval
func.func @linear_eval(%x: tensor<2x8xf32>, %labels: tensor<2xi32>) -> (tensor<f32>, tensor<f32>)
    attributes {simclr.stage = "linear_eval",
                simclr.input = {batch_size = 512, channels = 1, height = 1, width = 8},
                simclr.optimizer = {kind = "momentum", learning_rate = 0.1, lr_scaling = "linear", momentum = 0.9,
                                    weight_decay = 0.0, nesterov = true}} {
  %w = simclr.load @w : tensor<4x8xf32>
  %logits = simclr.dense %x, %w : tensor<2x8xf32>, tensor<4x8xf32> -> tensor<2x4xf32>
  %loss, %acc = simclr.softmax_cross_entropy %logits, %labels : tensor<2x4xf32>, tensor<2xi32>
  // Peak rate 0.1 * 512 / 256 = 0.2.
  // CHECK: simclr.learning_rate {{.*}} peak 2.000000e-01
  // CHECK: simclr.momentum_update {{.*}} {momentum = 9.000000e-01 : f64, nesterov, weight_decay = 0.000000e+00 : f64} : tensor<4x8xf32>
  return %loss, %acc : tensor<f32>, tensor<f32>
}

// -----

simclr.parameter @w : tensor<4x8xf32> {group = "classifier", init = "zeros"}
// expected-error @+1 {{needs 'simclr.optimizer' and 'simclr.input' to build the optimizer}}
func.func @no_settings(%x: tensor<2x8xf32>, %labels: tensor<2xi32>) -> (tensor<f32>, tensor<f32>)
    attributes {simclr.stage = "finetune"} {
  %w = simclr.load @w : tensor<4x8xf32>
  %logits = simclr.dense %x, %w : tensor<2x8xf32>, tensor<4x8xf32> -> tensor<2x4xf32>
  %loss, %acc = simclr.softmax_cross_entropy %logits, %labels : tensor<2x4xf32>, tensor<2xi32>
  return %loss, %acc : tensor<f32>, tensor<f32>
}
