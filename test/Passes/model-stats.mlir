// --simclr-model-stats on a hand-written module; every figure is worked out below.
// RUN: simclr-opt %s --simclr-model-stats -o /dev/null | FileCheck %s
// RUN: simclrc --stats %s | FileCheck %s

// Backbone: conv 8*3*3*3 = 216, BN gamma and beta 2*8 = 16 -> 232.
simclr.parameter @conv1.weight : tensor<8x3x3x3xf32> {group = "backbone", init = "variance_scaling"}
simclr.parameter @bn1.weight : tensor<8xf32> {group = "backbone", init = "ones"}
simclr.parameter @bn1.bias : tensor<8xf32> {group = "backbone", init = "zeros"}
simclr.state @bn1.running_mean : tensor<8xf32> {init = "zeros"}
simclr.state @bn1.running_var : tensor<8xf32> {init = "ones"}
// Head 4*8 = 32; classifier 2*4 + 2 = 10; teacher 5.
simclr.parameter @head.0.fc.weight : tensor<4x8xf32> {group = "head", init = "normal", init_std = 0.01}
simclr.parameter @fc.weight : tensor<2x4xf32> {group = "classifier", init = "zeros"}
simclr.parameter @fc.bias : tensor<2xf32> {group = "classifier", init = "zeros"}
simclr.parameter @teacher.bn1.weight : tensor<5xf32> {frozen, group = "teacher.backbone", init = "ones"}

func.func @train_step(%x: tensor<2x3x8x8xf32>, %labels: tensor<2xi32>) -> (tensor<f32>, tensor<f32>)
    attributes {simclr.stage = "finetune"} {
  %w = simclr.load @conv1.weight : tensor<8x3x3x3xf32>
  // 8x8 outputs x 8 channels x (3*3*3) = 13824 MACs per image; 2*8*8*8*4 = 4096 bytes.
  %c = simclr.conv2d %x, %w stride [1, 1] padding [1, 1, 1, 1] : tensor<2x3x8x8xf32>, tensor<8x3x3x3xf32> -> tensor<2x8x8x8xf32>
  %g = simclr.load @bn1.weight : tensor<8xf32>
  %b = simclr.load @bn1.bias : tensor<8xf32>
  %m = simclr.load @bn1.running_mean : tensor<8xf32>
  %v = simclr.load @bn1.running_var : tensor<8xf32>
  // 4096 + 32 + 32 bytes.
  %y, %nm, %nv = simclr.batch_norm_train %c scale %g offset %b running %m, %v : tensor<2x8x8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  simclr.store %nm, @bn1.running_mean : tensor<8xf32>
  simclr.store %nv, @bn1.running_var : tensor<8xf32>
  // 4096 bytes, then 64.
  %r = simclr.relu %y : tensor<2x8x8x8xf32>
  %h = simclr.global_avg_pool %r : tensor<2x8x8x8xf32> -> tensor<2x8xf32>
  // 4*8 = 32 MACs per image, 32 bytes.
  %hw = simclr.load @head.0.fc.weight : tensor<4x8xf32>
  %p = simclr.dense %h, %hw : tensor<2x8xf32>, tensor<4x8xf32> -> tensor<2x4xf32>
  // 2*4 = 8 MACs per image, 16 bytes.
  %fw = simclr.load @fc.weight : tensor<2x4xf32>
  %fb = simclr.load @fc.bias : tensor<2xf32>
  %logits = simclr.dense %p, %fw, %fb : tensor<2x4xf32>, tensor<2x4xf32>, tensor<2xf32> -> tensor<2x2xf32>
  // 4 + 4 bytes.
  %loss, %acc = simclr.softmax_cross_entropy %logits, %labels : tensor<2x2xf32>, tensor<2xi32>
  return %loss, %acc : tensor<f32>, tensor<f32>
}

// CHECK: stage: finetune
// CHECK-NEXT: parameters: 232
// CHECK-NEXT: head_parameters: 32
// CHECK-NEXT: classifier_parameters: 10
// CHECK-NEXT: teacher_parameters: 5
// CHECK-NEXT: state_elements: 16
// CHECK-NEXT: forward_macs_per_image: 13824
// CHECK-NEXT: step_function: train_step
// CHECK-NEXT: step_forward_macs_per_image: 13864
// CHECK-NEXT: step_batch_rows: 2
// 4096 + 4160 + 4096 + 64 + 32 + 16 + 8
// CHECK-NEXT: activation_bytes: 12472
