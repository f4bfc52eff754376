// Verifier errors of the gradient ops.
// RUN: simclr-opt %s -split-input-file -verify-diagnostics

func.func @matmul(%a: tensor<8x10xf32>, %b: tensor<8x64xf32>) {
  // expected-error @+1 {{contracts 10 columns of op(a) with 8 rows of op(b)}}
  %m = simclr.matmul %a, %b : tensor<8x10xf32>, tensor<8x64xf32> -> tensor<8x64xf32>
  return
}

// -----

func.func @broadcast(%c: tensor<2x3x2x1xf32>) {
  // expected-error @+1 {{cannot broadcast 'tensor<2x3x2x1xf32>' to 'tensor<2x3x4x4xf32>'}}
  %r = simclr.broadcast %c : tensor<2x3x2x1xf32> -> tensor<2x3x4x4xf32>
  return
}

// -----

func.func @conv_input(%w: tensor<4x3x3x3xf32>, %dy: tensor<2x4x4x4xf32>) {
  // expected-error @+1 {{grad_output has type 'tensor<2x4x4x4xf32>', but the forward op gives 'tensor<2x4x5x5xf32>'}}
  %dx = simclr.conv2d_backward_input %dy, %w stride [2, 2] padding [1, 1, 1, 1] : tensor<2x4x4x4xf32>, tensor<4x3x3x3xf32> -> tensor<2x3x9x9xf32>
  return
}

// -----

func.func @conv_filter(%x: tensor<2x3x9x9xf32>, %dy: tensor<2x4x5x5xf32>) {
  // expected-error @+1 {{filter takes 2 input channel(s) per group, but the input has 3 channel(s) in 1 group(s)}}
  %dw = simclr.conv2d_backward_filter %x, %dy stride [2, 2] padding [1, 1, 1, 1] : tensor<2x3x9x9xf32>, tensor<2x4x5x5xf32> -> tensor<4x2x3x3xf32>
  return
}

// -----

func.func @bn(%dy: tensor<2x3x4x4xf32>, %x: tensor<2x3x4x5xf32>, %g: tensor<3xf32>) {
  // expected-error @+1 {{expects grad_output and input of the same type, got 'tensor<2x3x4x4xf32>' and 'tensor<2x3x4x5xf32>'}}
  %dx, %dg, %db = simclr.batch_norm_train_backward %dy, %x scale %g : tensor<2x3x4x4xf32>, tensor<2x3x4x5xf32>, tensor<3xf32>
  return
}

// -----

func.func @bn_infer(%dy: tensor<2x3xf32>, %g: tensor<3xf32>, %v: tensor<4xf32>) {
  // expected-error @+1 {{expects 'variance' of shape [3] (one entry per channel), got 'tensor<4xf32>'}}
  %dx, %dg, %db = simclr.batch_norm_infer_backward %dy, %dy scale %g stats %g, %v : tensor<2x3xf32>, tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<4xf32>
  return
}

// -----

func.func @relu(%dy: tensor<2x3xf32>, %y: tensor<3x2xf32>) {
  // expected-error @+1 {{'simclr.relu_backward' op failed to verify that all of {grad_output, output} have same type}}
  %r = "simclr.relu_backward"(%dy, %y) : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @max_pool(%x: tensor<2x3x9x9xf32>, %dy: tensor<2x3x4x4xf32>) {
  // expected-error @+1 {{grad_output has type 'tensor<2x3x4x4xf32>', but the forward op gives 'tensor<2x3x5x5xf32>'}}
  %m = simclr.max_pool2d_backward %dy, %x kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1] : tensor<2x3x4x4xf32>, tensor<2x3x9x9xf32>
  return
}

// -----

func.func @avg_pool(%dy: tensor<2x3x5x5xf32>) {
  // expected-error @+1 {{grad_output has type 'tensor<2x3x5x5xf32>', but the forward op gives 'tensor<2x3x4x4xf32>'}}
  %a = simclr.avg_pool2d_backward %dy kernel [2, 2] stride [2, 2] padding [0, 0, 0, 0] : tensor<2x3x5x5xf32> -> tensor<2x3x9x9xf32>
  return
}

// -----

func.func @slice(%ds: tensor<1x4xf32>) {
  // expected-error @+1 {{slice reaches index 8 of dimension 1, which has extent 8}}
  %s = simclr.slice_backward %ds offsets [1, 2] strides [1, 2] : tensor<1x4xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @reduce_max(%x: tensor<2x3x9x9xf32>, %dm: tensor<2x3x1x1xf32>) {
  // expected-error @+1 {{grad_output has type 'tensor<2x3x1x1xf32>', but the forward op gives 'tensor<2x3xf32>'}}
  %r = simclr.reduce_max_backward %dm, %x axes [2, 3] : tensor<2x3x1x1xf32>, tensor<2x3x9x9xf32>
  return
}

// -----

func.func @nt_xent(%z: tensor<7x16xf32>, %g: tensor<f32>) {
  // expected-error @+1 {{expects an even number of rows (two views of each image), got 7}}
  %dz = simclr.nt_xent_loss_backward %z, %g temperature 0.1 : tensor<7x16xf32>
  return
}

// -----

func.func @cross_entropy(%logits: tensor<4x10xf32>, %labels: tensor<3xi32>, %g: tensor<f32>) {
  // expected-error @+1 {{expects integer labels of shape [4] (one class index per row), got 'tensor<3xi32>'}}
  %dl = simclr.softmax_cross_entropy_backward %logits, %labels, %g : tensor<4x10xf32>, tensor<3xi32>
  return
}

// -----

func.func @distill(%s: tensor<4x10xf32>, %g: tensor<f32>) {
  // expected-error @+1 {{expects 'temperature' to be positive, got 0}}
  %ds = simclr.distillation_loss_backward %s, %s, %g temperature 0.0 : tensor<4x10xf32>
  return
}

// -----

func.func @lars_types(%w: tensor<4x8xf32>, %g: tensor<4x4xf32>, %lr: tensor<f32>) {
  // expected-error @+1 {{'simclr.lars_update' op failed to verify that all of {param, grad, velocity} have same type}}
  %a:2 = "simclr.lars_update"(%w, %g, %w, %lr) {momentum = 0.9, weight_decay = 0.0, trust_coefficient = 0.001} : (tensor<4x8xf32>, tensor<4x4xf32>, tensor<4x8xf32>, tensor<f32>) -> (tensor<4x8xf32>, tensor<4x8xf32>)
  return
}

// -----

func.func @momentum_negative(%w: tensor<4x8xf32>, %lr: tensor<f32>) {
  // expected-error @+1 {{expects 'momentum' to be non-negative, got -5.000000e-01}}
  %a, %b = simclr.momentum_update %w, %w, %w, %lr {momentum = -0.5, weight_decay = 0.0} : tensor<4x8xf32>
  return
}

// -----

func.func @learning_rate_peak(%s: tensor<f32>) {
  // expected-error @+1 {{expects a non-negative 'peak', got -1}}
  %lr = simclr.learning_rate %s, %s, %s peak -1.0
  return
}

// -----

func.func @kernel_arguments(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{expects one block argument per input, of the input's type}}
  %k = simclr.kernel(%x) : (tensor<2x4xf32>) -> tensor<2x4xf32> {
  ^bb0(%a: tensor<4x2xf32>):
    %r = simclr.relu %a : tensor<4x2xf32>
    %b = simclr.reshape %r : tensor<4x2xf32> -> tensor<2x4xf32>
    simclr.yield %b : tensor<2x4xf32>
  }
  return
}

// -----

func.func @kernel_results(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{yields 1 value(s) whose types differ from its results}}
  %k = simclr.kernel(%x) : (tensor<2x4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<2x4xf32>):
    simclr.yield %a : tensor<2x4xf32>
  }
  return
}

// -----

simclr.state @s : tensor<2x4xf32> {init = "zeros"}
func.func @kernel_impure(%x: tensor<2x4xf32>) {
  %k = simclr.kernel(%x) : (tensor<2x4xf32>) -> tensor<2x4xf32> {
  ^bb0(%a: tensor<2x4xf32>):
    // expected-error @+1 {{cannot be part of a kernel: kernels hold pure ops only}}
    simclr.store %a, @s : tensor<2x4xf32>
    simclr.yield %a : tensor<2x4xf32>
  }
  return
}

// -----

// An attribute of the wrong kind, or none, is reported before the result types are
// inferred from it (the custom syntax infers them while parsing; this crashed).
func.func @momentum_weight_decay_integer(%w: tensor<4x8xf32>, %lr: tensor<f32>) {
  // expected-error @+1 {{'simclr.momentum_update' op attribute 'weight_decay' failed to satisfy constraint: 64-bit float attribute}}
  %a, %b = simclr.momentum_update %w, %w, %w, %lr {momentum = 0.9, weight_decay = 1} : tensor<4x8xf32>
  return
}

// -----

func.func @lars_weight_decay_missing(%w: tensor<4x8xf32>, %lr: tensor<f32>) {
  // expected-error @+1 {{'simclr.lars_update' op requires attribute 'weight_decay'}}
  %a, %b = simclr.lars_update %w, %w, %w, %lr {momentum = 0.9, trust_coefficient = 0.001} : tensor<4x8xf32>
  return
}

// -----

func.func @nt_xent_temperature_integer(%z: tensor<8x16xf32>) {
  // expected-error @+1 {{'simclr.nt_xent_loss' op attribute 'temperature' failed to satisfy constraint: 32-bit float attribute}}
  %l:2 = "simclr.nt_xent_loss"(%z) {operandSegmentSizes = array<i32: 1, 0, 0>, temperature = 1 : i64} : (tensor<8x16xf32>) -> (tensor<f32>, tensor<f32>)
  return
}
