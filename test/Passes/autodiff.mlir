// The autodiff pass appends the gradients of the trainable parameters to the step's
// results; frozen parameters and the values that depend only on them get no backward code.
// RUN: simclr-opt %s -split-input-file --simclr-autodiff -verify-diagnostics | FileCheck %s

simclr.parameter @w : tensor<4x3x3x3xf32> {group = "backbone", init = "variance_scaling"}
simclr.parameter @g : tensor<4xf32> {group = "backbone", init = "ones"}
simclr.state @rm : tensor<4xf32> {init = "zeros"}
simclr.state @rv : tensor<4xf32> {init = "ones"}
simclr.parameter @fc.weight : tensor<10x4xf32> {group = "classifier", init = "zeros"}

// CHECK-LABEL: func.func @train_step
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x8x8xf32>, %[[LABELS:.*]]: tensor<2xi32>) -> (tensor<f32>, tensor<f32>, tensor<4x3x3x3xf32>, tensor<4xf32>, tensor<10x4xf32>)
// CHECK-SAME: simclr.gradients = [@w, @g, @fc.weight]
func.func @train_step(%x: tensor<2x3x8x8xf32>, %labels: tensor<2xi32>) -> (tensor<f32>, tensor<f32>)
    attributes {simclr.stage = "finetune"} {
  // CHECK: %[[W:.*]] = simclr.load @w
  %w = simclr.load @w : tensor<4x3x3x3xf32>
  // CHECK: %[[C:.*]] = simclr.conv2d %[[X]], %[[W]]
  %c = simclr.conv2d %x, %w stride [1, 1] padding [1, 1, 1, 1] : tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<2x4x8x8xf32>
  %g = simclr.load @g : tensor<4xf32>
  %rm = simclr.load @rm : tensor<4xf32>
  %rv = simclr.load @rv : tensor<4xf32>
  // CHECK: %[[BN:.*]], %{{.*}}, %{{.*}} = simclr.batch_norm_train %[[C]]
  %y, %m, %v = simclr.batch_norm_train %c scale %g running %rm, %rv : tensor<2x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  simclr.store %m, @rm : tensor<4xf32>
  // CHECK: %[[R:.*]] = simclr.relu %[[BN]]
  %r = simclr.relu %y : tensor<2x4x8x8xf32>
  // CHECK: %[[H:.*]] = simclr.global_avg_pool %[[R]]
  %h = simclr.global_avg_pool %r : tensor<2x4x8x8xf32> -> tensor<2x4xf32>
  %fw = simclr.load @fc.weight : tensor<10x4xf32>
  // CHECK: %[[LOGITS:.*]] = simclr.dense %[[H]], %[[FW:.*]] :
  %logits = simclr.dense %h, %fw : tensor<2x4xf32>, tensor<10x4xf32> -> tensor<2x10xf32>
  // CHECK: %[[LOSS:.*]], %[[ACC:.*]] = simclr.softmax_cross_entropy %[[LOGITS]], %[[LABELS]]
  %loss, %acc = simclr.softmax_cross_entropy %logits, %labels : tensor<2x10xf32>, tensor<2xi32>
  // Backwards from the loss: seed, loss, dense, pool, relu, batch norm, conv.
  // CHECK: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<f32>
  // CHECK: %[[DLOGITS:.*]] = simclr.softmax_cross_entropy_backward %[[LOGITS]], %[[LABELS]], %[[ONE]]
  // CHECK: %[[DH:.*]] = simclr.matmul %[[DLOGITS]], %[[FW]] : tensor<2x10xf32>, tensor<10x4xf32> -> tensor<2x4xf32>
  // CHECK: %[[DFW:.*]] = simclr.matmul %[[DLOGITS]], %[[H]] {transpose_a} : tensor<2x10xf32>, tensor<2x4xf32> -> tensor<10x4xf32>
  // CHECK: %[[DHR:.*]] = simclr.reshape %[[DH]] : tensor<2x4xf32> -> tensor<2x4x1x1xf32>
  // CHECK: %[[DHB:.*]] = simclr.broadcast %[[DHR]] : tensor<2x4x1x1xf32> -> tensor<2x4x8x8xf32>
  // CHECK: %[[DR:.*]] = simclr.scale %[[DHB]] by 1.562500e-02
  // CHECK: %[[DY:.*]] = simclr.relu_backward %[[DR]], %[[R]]
  // CHECK: %[[DC:.*]], %[[DG:.*]], %{{.*}} = simclr.batch_norm_train_backward %[[DY]], %[[C]] scale %{{.*}}
  // The images need no gradient, so there is no conv2d_backward_input.
  // CHECK-NOT: conv2d_backward_input
  // CHECK: %[[DW:.*]] = simclr.conv2d_backward_filter %[[X]], %[[DC]] stride [1, 1] padding [1, 1, 1, 1]
  // CHECK: return %[[LOSS]], %[[ACC]], %[[DW]], %[[DG]], %[[DFW]]
  return %loss, %acc : tensor<f32>, tensor<f32>
}

// -----

// A value used twice gets the sum of its gradients; a frozen parameter gets none.
simclr.parameter @w : tensor<3x4xf32> {group = "head", init = "zeros"}
simclr.parameter @t : tensor<3x4xf32> {frozen, group = "teacher.head", init = "zeros"}

// CHECK-LABEL: func.func @twice
// CHECK-SAME: simclr.gradients = [@w]
func.func @twice(%x: tensor<2x4xf32>) -> tensor<f32> attributes {simclr.stage = "distill"} {
  %w = simclr.load @w : tensor<3x4xf32>
  %t = simclr.load @t : tensor<3x4xf32>
  %s = simclr.dense %x, %w : tensor<2x4xf32>, tensor<3x4xf32> -> tensor<2x3xf32>
  %tl = simclr.dense %x, %t : tensor<2x4xf32>, tensor<3x4xf32> -> tensor<2x3xf32>
  // CHECK: %[[SQ:.*]] = simclr.mul %[[S:.*]], %[[S]]
  %sq = simclr.mul %s, %s : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  %loss, %agree = simclr.distillation_loss %sq, %tl temperature 1.0 : tensor<2x3xf32>, tensor<2x3xf32>
  // CHECK: %[[D:.*]] = simclr.distillation_loss_backward
  // CHECK: %[[A:.*]] = simclr.mul %[[D]], %[[S]]
  // CHECK: %[[B:.*]] = simclr.mul %[[D]], %[[S]]
  // CHECK: %[[SUM:.*]] = simclr.add %[[A]], %[[B]]
  // CHECK: simclr.matmul %[[SUM]], %{{.*}} {transpose_a}
  // CHECK-NOT: simclr.matmul
  // CHECK: return
  return %loss : tensor<f32>
}

// -----

// expected-error @+1 {{cannot be differentiated: its first result (the loss) must be tensor<f32>, got 'tensor<2xf32>'}}
func.func @not_scalar(%x: tensor<2xf32>) -> tensor<2xf32> attributes {simclr.stage = "pretrain"} {
  return %x : tensor<2xf32>
}

// -----

simclr.parameter @t : tensor<2xf32> {frozen, group = "teacher.head", init = "zeros"}
// expected-error @+1 {{cannot be differentiated: the loss depends on no trainable parameter}}
func.func @nothing_trainable() -> tensor<f32> attributes {simclr.stage = "linear_eval"} {
  %t = simclr.load @t : tensor<2xf32>
  %l = simclr.reduce_sum %t axes [0] : tensor<2xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

simclr.parameter @w : tensor<2x3xf32> {group = "head", init = "zeros"}
func.func @no_rule(%dy: tensor<2x3xf32>) -> tensor<f32> attributes {simclr.stage = "pretrain"} {
  %w = simclr.load @w : tensor<2x3xf32>
  // expected-error @+1 {{has no gradient rule, but lies between a trainable parameter and the loss}}
  %r = simclr.relu_backward %dy, %w : tensor<2x3xf32>
  %l = simclr.reduce_sum %r axes [0, 1] : tensor<2x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// The backward pass reads the loaded queue again (nt_xent_loss_backward's negatives): the
// forward's store of the new queue moves after it, so that it reads the queue the step
// began with. The store to @s, whose load nothing reads later, stays where it was.
simclr.parameter @z : tensor<4x2xf32> {group = "head", init = "zeros"}
simclr.state @q : tensor<4x2xf32> {init = "zeros"}
simclr.state @s : tensor<4x2xf32> {init = "zeros"}
// CHECK-LABEL: func.func @queue
func.func @queue() -> (tensor<f32>, tensor<f32>) attributes {simclr.stage = "pretrain"} {
  // CHECK: %[[Q:.*]] = simclr.load @q
  %z = simclr.load @z : tensor<4x2xf32>
  %q = simclr.load @q : tensor<4x2xf32>
  %s = simclr.load @s : tensor<4x2xf32>
  // CHECK: simclr.store %{{.*}}, @s
  simclr.store %z, @s : tensor<4x2xf32>
  // CHECK: simclr.nt_xent_loss
  %l, %a = simclr.nt_xent_loss %z negatives %q : tensor<4x2xf32> temperature 0.5 : tensor<4x2xf32>
  // CHECK-NOT: simclr.store
  // CHECK: simclr.nt_xent_loss_backward %{{.*}}, %{{.*}} negatives %[[Q]]
  // CHECK-NOT: simclr.nt_xent_loss_backward
  // CHECK: simclr.store %{{.*}}, @q
  // CHECK-NEXT: return
  simclr.store %z, @q : tensor<4x2xf32>
  return %l, %a : tensor<f32>, tensor<f32>
}
