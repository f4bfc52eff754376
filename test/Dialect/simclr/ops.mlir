// Round trip of every simclr op: print, re-parse, print again, and check the text.
// RUN: simclr-opt %s | simclr-opt | FileCheck %s
// RUN: simclr-opt %s --mlir-print-op-generic | simclr-opt | FileCheck %s

// CHECK: simclr.parameter @conv1.weight : tensor<8x3x3x3xf32> {group = "backbone", init = "variance_scaling"}
simclr.parameter @"conv1.weight" : tensor<8x3x3x3xf32> {group = "backbone", init = "variance_scaling"}
// CHECK: simclr.parameter @head.0.fc.weight : tensor<4x8xf32> {group = "head", init = "normal", init_std = 1.000000e-02 : f64}
simclr.parameter @"head.0.fc.weight" : tensor<4x8xf32> {group = "head", init = "normal", init_std = 0.01}
// CHECK: simclr.parameter @teacher.fc.bias : tensor<4xf32> {frozen, group = "teacher.classifier", init = "zeros"}
simclr.parameter @"teacher.fc.bias" : tensor<4xf32> {frozen, group = "teacher.classifier", init = "zeros"}
// CHECK: simclr.state @bn1.running_mean : tensor<8xf32> {init = "zeros"}
simclr.state @"bn1.running_mean" : tensor<8xf32> {init = "zeros"}
// CHECK: simclr.state @ema.conv1.weight : tensor<8x3x3x3xf32> {group = "ema.backbone", init = "copy:conv1.weight"}
simclr.state @"ema.conv1.weight" : tensor<8x3x3x3xf32> {group = "ema.backbone", init = "copy:conv1.weight"}

// CHECK-LABEL: func.func @params
func.func @params(%m: tensor<8xf32>) -> tensor<8x3x3x3xf32> {
  // CHECK: %[[W:.*]] = simclr.load @conv1.weight : tensor<8x3x3x3xf32>
  %w = simclr.load @"conv1.weight" : tensor<8x3x3x3xf32>
  // CHECK: simclr.store %{{.*}}, @bn1.running_mean : tensor<8xf32>
  simclr.store %m, @"bn1.running_mean" : tensor<8xf32>
  return %w : tensor<8x3x3x3xf32>
}

// CHECK-LABEL: func.func @conv
func.func @conv(%x: tensor<2x3x32x32xf32>, %w: tensor<8x3x7x7xf32>, %g: tensor<8x2x3x3xf32>) -> tensor<2x8x16x16xf32> {
  // CHECK: simclr.conv2d %{{.*}}, %{{.*}} stride [2, 2] padding [3, 3, 3, 3] : tensor<2x3x32x32xf32>, tensor<8x3x7x7xf32> -> tensor<2x8x16x16xf32>
  %y = simclr.conv2d %x, %w stride [2, 2] padding [3, 3, 3, 3] : tensor<2x3x32x32xf32>, tensor<8x3x7x7xf32> -> tensor<2x8x16x16xf32>
  // CHECK: simclr.conv2d %{{.*}}, %{{.*}} stride [1, 1] padding [2, 2, 2, 2] {dilation = array<i64: 2, 2>, groups = 4 : i64} : tensor<2x8x16x16xf32>, tensor<8x2x3x3xf32> -> tensor<2x8x16x16xf32>
  %z = simclr.conv2d %y, %g stride [1, 1] padding [2, 2, 2, 2] {dilation = array<i64: 2, 2>, groups = 4} : tensor<2x8x16x16xf32>, tensor<8x2x3x3xf32> -> tensor<2x8x16x16xf32>
  return %z : tensor<2x8x16x16xf32>
}

// Channels last: NHWC activations, an OHWI filter; batch norm and pooling over the last
// dimension; the transposes between the layouts.
// CHECK-LABEL: func.func @channels_last
func.func @channels_last(%x: tensor<2x3x32x32xf32>, %w: tensor<8x3x3x3xf32>, %v: tensor<8xf32>) -> tensor<2x8x16x16xf32> {
  // CHECK: simclr.transpose %{{.*}} permutation [0, 2, 3, 1] : tensor<2x3x32x32xf32> -> tensor<2x32x32x3xf32>
  %xt = simclr.transpose %x permutation [0, 2, 3, 1] : tensor<2x3x32x32xf32> -> tensor<2x32x32x3xf32>
  %wt = simclr.transpose %w permutation [0, 2, 3, 1] : tensor<8x3x3x3xf32> -> tensor<8x3x3x3xf32>
  // CHECK: simclr.conv2d %{{.*}}, %{{.*}} stride [1, 1] padding [1, 1, 1, 1] {channels_last} : tensor<2x32x32x3xf32>, tensor<8x3x3x3xf32> -> tensor<2x32x32x8xf32>
  %y = simclr.conv2d %xt, %wt stride [1, 1] padding [1, 1, 1, 1] {channels_last} : tensor<2x32x32x3xf32>, tensor<8x3x3x3xf32> -> tensor<2x32x32x8xf32>
  // CHECK: simclr.batch_norm_infer %{{.*}} {channels_last} : tensor<2x32x32x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  %n = simclr.batch_norm_infer %y scale %v offset %v stats %v, %v {channels_last} : tensor<2x32x32x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  // CHECK: simclr.max_pool2d %{{.*}} kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1] {channels_last} : tensor<2x32x32x8xf32> -> tensor<2x16x16x8xf32>
  %p = simclr.max_pool2d %n kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1] {channels_last} : tensor<2x32x32x8xf32> -> tensor<2x16x16x8xf32>
  // CHECK: simclr.transpose %{{.*}} permutation [0, 3, 1, 2] : tensor<2x16x16x8xf32> -> tensor<2x8x16x16xf32>
  %r = simclr.transpose %p permutation [0, 3, 1, 2] : tensor<2x16x16x8xf32> -> tensor<2x8x16x16xf32>
  return %r : tensor<2x8x16x16xf32>
}

// Collectives across replicas (docs/DISTRIBUTED.md).
// CHECK-LABEL: func.func @collectives
func.func @collectives(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  // CHECK: simclr.all_reduce %{{.*}} {kind = "sum", replicas = 2 : i64} : tensor<4x3xf32> -> tensor<4x3xf32>
  %s = simclr.all_reduce %x {kind = "sum", replicas = 2 : i64} : tensor<4x3xf32> -> tensor<4x3xf32>
  // CHECK: simclr.all_gather %{{.*}} {replicas = 2 : i64} : tensor<4x3xf32> -> tensor<8x3xf32>
  %g = simclr.all_gather %s {replicas = 2 : i64} : tensor<4x3xf32> -> tensor<8x3xf32>
  // CHECK: simclr.reduce_scatter %{{.*}} {replicas = 2 : i64} : tensor<8x3xf32> -> tensor<4x3xf32>
  %r = simclr.reduce_scatter %g {replicas = 2 : i64} : tensor<8x3xf32> -> tensor<4x3xf32>
  return %r : tensor<4x3xf32>
}

// NT-Xent scoring one replica's rows of the gathered batch, and its gradient.
// CHECK-LABEL: func.func @replica_rows
func.func @replica_rows(%z: tensor<8x16xf32>, %g: tensor<f32>) -> (tensor<f32>, tensor<8x16xf32>) {
  // CHECK: %[[ID:.*]] = simclr.replica_id {replicas = 2 : i64}
  %id = simclr.replica_id {replicas = 2 : i64}
  // CHECK: simclr.nt_xent_loss %{{.*}} rows of replica %[[ID]] among 2 temperature 1.000000e-01 : tensor<8x16xf32>
  %l, %a = simclr.nt_xent_loss %z rows of replica %id among 2 temperature 0.1 : tensor<8x16xf32>
  // CHECK: simclr.nt_xent_loss_backward %{{.*}}, %{{.*}} rows of replica %[[ID]] among 2 temperature 1.000000e-01 : tensor<8x16xf32>
  %dz = simclr.nt_xent_loss_backward %z, %g rows of replica %id among 2 temperature 0.1 : tensor<8x16xf32>
  return %l, %dz : tensor<f32>, tensor<8x16xf32>
}

// CHECK-LABEL: func.func @memory_negatives
func.func @memory_negatives(%z: tensor<8x16xf32>, %q: tensor<32x16xf32>, %g: tensor<f32>) -> (tensor<f32>, tensor<f32>, tensor<8x16xf32>) {
  // CHECK: simclr.nt_xent_loss %{{.*}} negatives %{{.*}} : tensor<32x16xf32> temperature 1.000000e-01 : tensor<8x16xf32>
  %l, %a = simclr.nt_xent_loss %z negatives %q : tensor<32x16xf32> temperature 0.1 : tensor<8x16xf32>
  // CHECK: %[[ID:.*]] = simclr.replica_id {replicas = 2 : i64}
  %id = simclr.replica_id {replicas = 2 : i64}
  // CHECK: simclr.nt_xent_loss %{{.*}} negatives %{{.*}} : tensor<32x16xf32> rows of replica %[[ID]] among 2 temperature 1.000000e-01 : tensor<8x16xf32>
  %rl, %ra = simclr.nt_xent_loss %z negatives %q : tensor<32x16xf32> rows of replica %id among 2 temperature 0.1 : tensor<8x16xf32>
  // CHECK: simclr.nt_xent_loss_backward %{{.*}}, %{{.*}} negatives %{{.*}} : tensor<32x16xf32> rows of replica %[[ID]] among 2 temperature 1.000000e-01 : tensor<8x16xf32>
  %dz = simclr.nt_xent_loss_backward %z, %g negatives %q : tensor<32x16xf32> rows of replica %id among 2 temperature 0.1 : tensor<8x16xf32>
  return %l, %rl, %dz : tensor<f32>, tensor<f32>, tensor<8x16xf32>
}

// CHECK-LABEL: func.func @batch_norm
func.func @batch_norm(%x: tensor<2x8x4x4xf32>, %h: tensor<2x8xbf16>, %hv: tensor<8xbf16>, %v: tensor<8xf32>) -> (tensor<2x8x4x4xf32>, tensor<2x8xbf16>, tensor<2x8x4x4xf32>) {
  // CHECK: %{{.*}}, %{{.*}}, %{{.*}} = simclr.batch_norm_train %{{.*}} scale %{{.*}} offset %{{.*}} running %{{.*}}, %{{.*}} {cross_replica} : tensor<2x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  %y, %m, %s = simclr.batch_norm_train %x scale %v offset %v running %v, %v {cross_replica} : tensor<2x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  // CHECK: simclr.batch_norm_train %{{.*}} scale %{{.*}} running %{{.*}}, %{{.*}} {epsilon = 1.000000e-03 : f32, momentum = 9.900000e-01 : f32} : tensor<2x8xbf16>, tensor<8xbf16>, tensor<8xbf16>, tensor<8xbf16>
  %h2, %hm, %hs = simclr.batch_norm_train %h scale %hv running %hv, %hv {epsilon = 1.0e-3 : f32, momentum = 0.99 : f32} : tensor<2x8xbf16>, tensor<8xbf16>, tensor<8xbf16>, tensor<8xbf16>
  // CHECK: simclr.batch_norm_infer %{{.*}} scale %{{.*}} offset %{{.*}} stats %{{.*}}, %{{.*}} : tensor<2x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  %i = simclr.batch_norm_infer %x scale %v offset %v stats %m, %s : tensor<2x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  return %y, %h2, %i : tensor<2x8x4x4xf32>, tensor<2x8xbf16>, tensor<2x8x4x4xf32>
}

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%x: tensor<2x8x4x4xf32>, %w: tensor<2x8x1x1xf32>) -> tensor<2x8x4x4xf32> {
  // CHECK: simclr.relu %{{.*}} : tensor<2x8x4x4xf32>
  %r = simclr.relu %x : tensor<2x8x4x4xf32>
  // CHECK: simclr.add %{{.*}}, %{{.*}} : tensor<2x8x4x4xf32>, tensor<2x8x4x4xf32> -> tensor<2x8x4x4xf32>
  %a = simclr.add %r, %x : tensor<2x8x4x4xf32>, tensor<2x8x4x4xf32> -> tensor<2x8x4x4xf32>
  // CHECK: simclr.mul %{{.*}}, %{{.*}} : tensor<2x8x4x4xf32>, tensor<2x8x1x1xf32> -> tensor<2x8x4x4xf32>
  %m = simclr.mul %a, %w : tensor<2x8x4x4xf32>, tensor<2x8x1x1xf32> -> tensor<2x8x4x4xf32>
  return %m : tensor<2x8x4x4xf32>
}

// CHECK-LABEL: func.func @pools
func.func @pools(%x: tensor<2x8x9x9xf32>) -> (tensor<2x8x5x5xf32>, tensor<2x8x5x5xf32>, tensor<2x8xf32>, tensor<2x8x1x1xf32>) {
  // CHECK: simclr.max_pool2d %{{.*}} kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1] : tensor<2x8x9x9xf32> -> tensor<2x8x5x5xf32>
  %m = simclr.max_pool2d %x kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1] : tensor<2x8x9x9xf32> -> tensor<2x8x5x5xf32>
  // CHECK: simclr.avg_pool2d %{{.*}} kernel [2, 2] stride [2, 2] padding [0, 0, 1, 1] {count_include_pad} : tensor<2x8x9x9xf32> -> tensor<2x8x5x5xf32>
  %a = simclr.avg_pool2d %x kernel [2, 2] stride [2, 2] padding [0, 0, 1, 1] {count_include_pad} : tensor<2x8x9x9xf32> -> tensor<2x8x5x5xf32>
  // CHECK: simclr.global_avg_pool %{{.*}} : tensor<2x8x9x9xf32> -> tensor<2x8xf32>
  %g = simclr.global_avg_pool %x : tensor<2x8x9x9xf32> -> tensor<2x8xf32>
  // CHECK: simclr.global_avg_pool %{{.*}} {keep_dims} : tensor<2x8x9x9xf32> -> tensor<2x8x1x1xf32>
  %k = simclr.global_avg_pool %x {keep_dims} : tensor<2x8x9x9xf32> -> tensor<2x8x1x1xf32>
  return %m, %a, %g, %k : tensor<2x8x5x5xf32>, tensor<2x8x5x5xf32>, tensor<2x8xf32>, tensor<2x8x1x1xf32>
}

// CHECK-LABEL: func.func @dense
func.func @dense(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>, %b: tensor<4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  // CHECK: simclr.dense %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x8xf32>, tensor<4x8xf32>, tensor<4xf32> -> tensor<2x4xf32>
  %y = simclr.dense %x, %w, %b : tensor<2x8xf32>, tensor<4x8xf32>, tensor<4xf32> -> tensor<2x4xf32>
  // CHECK: simclr.dense %{{.*}}, %{{.*}} : tensor<2x8xf32>, tensor<4x8xf32> -> tensor<2x4xf32>
  %z = simclr.dense %x, %w : tensor<2x8xf32>, tensor<4x8xf32> -> tensor<2x4xf32>
  return %y, %z : tensor<2x4xf32>, tensor<2x4xf32>
}

// CHECK-LABEL: func.func @plumbing
func.func @plumbing(%a: tensor<2x8xf32>, %b: tensor<2x8xf32>, %c: tensor<2x16x1x1xf32>) -> (tensor<4x8xf32>, tensor<2x3xf32>, tensor<2x5xf32>, tensor<1x4xf32>, tensor<2x2x8xf32>) {
  // CHECK: simclr.concat %{{.*}}, %{{.*}} axis 0 : tensor<2x8xf32>, tensor<2x8xf32> -> tensor<4x8xf32>
  %v = simclr.concat %a, %b axis 0 : tensor<2x8xf32>, tensor<2x8xf32> -> tensor<4x8xf32>
  // CHECK: simclr.split %{{.*}} axis 1 sizes [3, 5] : tensor<2x8xf32> -> tensor<2x3xf32>, tensor<2x5xf32>
  %s:2 = simclr.split %a axis 1 sizes [3, 5] : tensor<2x8xf32> -> tensor<2x3xf32>, tensor<2x5xf32>
  // CHECK: simclr.slice %{{.*}} offsets [1, 0] sizes [1, 4] strides [1, 2] : tensor<4x8xf32> -> tensor<1x4xf32>
  %t = simclr.slice %v offsets [1, 0] sizes [1, 4] strides [1, 2] : tensor<4x8xf32> -> tensor<1x4xf32>
  // CHECK: simclr.reshape %{{.*}} : tensor<2x16x1x1xf32> -> tensor<2x2x8xf32>
  %r = simclr.reshape %c : tensor<2x16x1x1xf32> -> tensor<2x2x8xf32>
  return %v, %s#0, %s#1, %t, %r : tensor<4x8xf32>, tensor<2x3xf32>, tensor<2x5xf32>, tensor<1x4xf32>, tensor<2x2x8xf32>
}

// CHECK-LABEL: func.func @normalize
func.func @normalize(%x: tensor<2x2x8xf32>, %z: tensor<4x8xf32>) -> (tensor<2x2x8xf32>, tensor<4x8xf32>) {
  // CHECK: simclr.softmax %{{.*}} axis 1 : tensor<2x2x8xf32>
  %p = simclr.softmax %x axis 1 : tensor<2x2x8xf32>
  // CHECK: simclr.l2_normalize %{{.*}} axis 1 : tensor<4x8xf32>
  %n = simclr.l2_normalize %z axis 1 : tensor<4x8xf32>
  // CHECK: simclr.l2_normalize %{{.*}} axis 0 {epsilon = 9.99999997E-7 : f32} : tensor<4x8xf32>
  %e = simclr.l2_normalize %n axis 0 {epsilon = 1.0e-6 : f32} : tensor<4x8xf32>
  return %p, %e : tensor<2x2x8xf32>, tensor<4x8xf32>
}

// CHECK-LABEL: func.func @reductions
func.func @reductions(%x: tensor<2x8x4x4xf32>) -> (tensor<2x8xf32>, tensor<2x8x1x1xf32>, tensor<8x4x4xf32>) {
  // CHECK: simclr.reduce_sum %{{.*}} axes [2, 3] : tensor<2x8x4x4xf32> -> tensor<2x8xf32>
  %s = simclr.reduce_sum %x axes [2, 3] : tensor<2x8x4x4xf32> -> tensor<2x8xf32>
  // CHECK: simclr.reduce_mean %{{.*}} axes [2, 3] {keep_dims} : tensor<2x8x4x4xf32> -> tensor<2x8x1x1xf32>
  %m = simclr.reduce_mean %x axes [2, 3] {keep_dims} : tensor<2x8x4x4xf32> -> tensor<2x8x1x1xf32>
  // CHECK: simclr.reduce_max %{{.*}} axes [0] : tensor<2x8x4x4xf32> -> tensor<8x4x4xf32>
  %x0 = simclr.reduce_max %x axes [0] : tensor<2x8x4x4xf32> -> tensor<8x4x4xf32>
  return %s, %m, %x0 : tensor<2x8xf32>, tensor<2x8x1x1xf32>, tensor<8x4x4xf32>
}

// CHECK-LABEL: func.func @losses
func.func @losses(%z: tensor<8x16xf32>, %logits: tensor<4x10xf32>, %labels: tensor<4xi32>, %soft: tensor<4x10xf32>, %teacher: tensor<4x10xf32>) -> (tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) {
  // CHECK: simclr.nt_xent_loss %{{.*}} temperature 1.000000e-01 : tensor<8x16xf32>
  %l, %a = simclr.nt_xent_loss %z temperature 0.1 : tensor<8x16xf32>
  // CHECK: simclr.softmax_cross_entropy %{{.*}}, %{{.*}} : tensor<4x10xf32>, tensor<4xi32>
  %c, %ca = simclr.softmax_cross_entropy %logits, %labels : tensor<4x10xf32>, tensor<4xi32>
  // CHECK: simclr.softmax_cross_entropy %{{.*}}, %{{.*}} : tensor<4x10xf32>, tensor<4x10xf32>
  %s, %sa = simclr.softmax_cross_entropy %logits, %soft : tensor<4x10xf32>, tensor<4x10xf32>
  // CHECK: simclr.distillation_loss %{{.*}}, %{{.*}} temperature 1.000000e+00 : tensor<4x10xf32>, tensor<4x10xf32>
  %d, %da = simclr.distillation_loss %logits, %teacher temperature 1.0 : tensor<4x10xf32>, tensor<4x10xf32>
  return %l, %c, %s, %d : tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>
}

// CHECK-LABEL: func.func @step
// CHECK-SAME: simclr.input = {batch_size = 4 : i64, channels = 3 : i64, height = 32 : i64, views = 2 : i64, width = 32 : i64}
// CHECK-SAME: simclr.loss = {kind = "nt_xent", temperature = 5.000000e-01 : f64}
// CHECK-SAME: simclr.optimizer = {epochs = 100 : i64, kind = "lars", learning_rate = 3.000000e-01 : f64, lr_scaling = "linear", momentum = 9.000000e-01 : f64, nesterov = false, trust_coefficient = 1.000000e-03 : f64, warmup_epochs = 10 : i64, weight_decay = 9.9999999999999995E-7 : f64}
// CHECK-SAME: simclr.stage = "pretrain"
func.func @step() attributes {simclr.stage = "pretrain",
    simclr.input = {batch_size = 4, channels = 3, height = 32, width = 32, views = 2},
    simclr.loss = {kind = "nt_xent", temperature = 0.5},
    simclr.optimizer = {kind = "lars", learning_rate = 0.3, lr_scaling = "linear", momentum = 0.9, nesterov = false, weight_decay = 1.0e-6, trust_coefficient = 0.001, warmup_epochs = 10, epochs = 100}} {
  return
}
