// Every verifier error of the simclr dialect, one case per split.
// RUN: simclr-opt %s -split-input-file -verify-diagnostics

func.func @conv_rank(%x: tensor<3x32x32xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+1 {{expects input of rank 4 (NCHW), got 'tensor<3x32x32xf32>'}}
  %y = simclr.conv2d %x, %w stride [1, 1] padding [1, 1, 1, 1] : tensor<3x32x32xf32>, tensor<8x3x3x3xf32> -> tensor<1x8x32x32xf32>
  return
}

// -----

func.func @conv_filter_rank(%x: tensor<1x3x32x32xf32>, %w: tensor<8x27xf32>) {
  // expected-error @+1 {{expects filter of rank 4 (OIHW), got 'tensor<8x27xf32>'}}
  %y = simclr.conv2d %x, %w stride [1, 1] padding [1, 1, 1, 1] : tensor<1x3x32x32xf32>, tensor<8x27xf32> -> tensor<1x8x32x32xf32>
  return
}

// -----

func.func @conv_channels(%x: tensor<1x4x32x32xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+1 {{filter takes 3 input channel(s) per group, but the input has 4 channel(s) in 1 group(s)}}
  %y = simclr.conv2d %x, %w stride [1, 1] padding [1, 1, 1, 1] : tensor<1x4x32x32xf32>, tensor<8x3x3x3xf32> -> tensor<1x8x32x32xf32>
  return
}

// -----

func.func @conv_groups(%x: tensor<1x6x32x32xf32>, %w: tensor<8x2x3x3xf32>) {
  // expected-error @+1 {{expects input channels (6) and output channels (8) to be divisible by groups (4)}}
  %y = simclr.conv2d %x, %w stride [1, 1] padding [1, 1, 1, 1] {groups = 4} : tensor<1x6x32x32xf32>, tensor<8x2x3x3xf32> -> tensor<1x8x32x32xf32>
  return
}

// -----

func.func @conv_stride(%x: tensor<1x3x32x32xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+1 {{expects every entry of 'stride' to be at least 1, got 0}}
  %y = simclr.conv2d %x, %w stride [0, 1] padding [1, 1, 1, 1] : tensor<1x3x32x32xf32>, tensor<8x3x3x3xf32> -> tensor<1x8x32x32xf32>
  return
}

// -----

func.func @conv_padding(%x: tensor<1x3x32x32xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+1 {{expects 'padding' to have 4 entries, got 2}}
  %y = simclr.conv2d %x, %w stride [1, 1] padding [1, 1] : tensor<1x3x32x32xf32>, tensor<8x3x3x3xf32> -> tensor<1x8x32x32xf32>
  return
}

// -----

func.func @conv_too_small(%x: tensor<1x3x2x2xf32>, %w: tensor<8x3x7x7xf32>) {
  // expected-error @+1 {{window of extent 7 does not fit the padded input height 2}}
  %y = simclr.conv2d %x, %w stride [1, 1] padding [0, 0, 0, 0] : tensor<1x3x2x2xf32>, tensor<8x3x7x7xf32> -> tensor<1x8x1x1xf32>
  return
}

// -----

func.func @conv_result(%x: tensor<1x3x32x32xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+1 {{result #0 has type 'tensor<1x8x32x32xf32>', but the operands give 'tensor<1x8x16x16xf32>'}}
  %y = simclr.conv2d %x, %w stride [2, 2] padding [1, 1, 1, 1] : tensor<1x3x32x32xf32>, tensor<8x3x3x3xf32> -> tensor<1x8x32x32xf32>
  return
}

// -----

func.func @conv_dtype(%x: tensor<1x3x32x32xf32>, %w: tensor<8x3x3x3xbf16>) {
  // expected-error @+1 {{expects input and filter to have the same element type, got 'f32' and 'bf16'}}
  %y = simclr.conv2d %x, %w stride [1, 1] padding [1, 1, 1, 1] : tensor<1x3x32x32xf32>, tensor<8x3x3x3xbf16> -> tensor<1x8x32x32xf32>
  return
}

// -----

func.func @conv_int(%x: tensor<1x3x32x32xi32>, %w: tensor<8x3x3x3xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values}}
  %y = simclr.conv2d %x, %w stride [1, 1] padding [1, 1, 1, 1] : tensor<1x3x32x32xi32>, tensor<8x3x3x3xi32> -> tensor<1x8x32x32xi32>
  return
}

// -----

func.func @conv_dynamic(%x: tensor<?x3x32x32xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+1 {{expects input to have a static shape, got 'tensor<?x3x32x32xf32>'}}
  %y = simclr.conv2d %x, %w stride [1, 1] padding [1, 1, 1, 1] : tensor<?x3x32x32xf32>, tensor<8x3x3x3xf32> -> tensor<?x8x32x32xf32>
  return
}

// -----

func.func @bn_rank(%x: tensor<2x8x4xf32>, %v: tensor<8xf32>) {
  // expected-error @+1 {{expects an input of rank 4 (NCHW) or 2 (NC), got 'tensor<2x8x4xf32>'}}
  %y, %m, %s = simclr.batch_norm_train %x scale %v offset %v running %v, %v : tensor<2x8x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

func.func @bn_channels(%x: tensor<2x8x4x4xf32>, %v: tensor<8xf32>, %w: tensor<4xf32>) {
  // expected-error @+1 {{expects 'running_var' of shape [8] (one entry per channel), got 'tensor<4xf32>'}}
  %y, %m, %s = simclr.batch_norm_train %x scale %v offset %v running %v, %w : tensor<2x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<4xf32>
  return
}

// -----

func.func @bn_momentum(%x: tensor<2x8xf32>, %v: tensor<8xf32>) {
  // expected-error @+1 {{expects 'momentum' in [0, 1), got 1.5}}
  %y, %m, %s = simclr.batch_norm_train %x scale %v running %v, %v {momentum = 1.5 : f32} : tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

func.func @bn_epsilon(%x: tensor<2x8xf32>, %v: tensor<8xf32>) {
  // expected-error @+1 {{expects 'epsilon' to be positive, got 0}}
  %y = simclr.batch_norm_infer %x scale %v stats %v, %v {epsilon = 0.0 : f32} : tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

func.func @bn_infer_dtype(%x: tensor<2x8xf32>, %v: tensor<8xf32>, %b: tensor<8xbf16>) {
  // expected-error @+1 {{expects input and offset to have the same element type, got 'f32' and 'bf16'}}
  %y = simclr.batch_norm_infer %x scale %v offset %b stats %v, %v : tensor<2x8xf32>, tensor<8xf32>, tensor<8xbf16>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

func.func @add_broadcast(%a: tensor<2x8x4x4xf32>, %b: tensor<2x4x4x4xf32>) {
  // expected-error @+1 {{operands 'tensor<2x8x4x4xf32>' and 'tensor<2x4x4x4xf32>' do not broadcast: extents 8 and 4}}
  %y = simclr.add %a, %b : tensor<2x8x4x4xf32>, tensor<2x4x4x4xf32> -> tensor<2x8x4x4xf32>
  return
}

// -----

func.func @mul_rank(%a: tensor<2x8x4x4xf32>, %b: tensor<2x8xf32>) {
  // expected-error @+1 {{expects operands of equal rank, got 'tensor<2x8x4x4xf32>' and 'tensor<2x8xf32>'}}
  %y = simclr.mul %a, %b : tensor<2x8x4x4xf32>, tensor<2x8xf32> -> tensor<2x8x4x4xf32>
  return
}

// -----

func.func @add_result(%a: tensor<2x8xf32>, %b: tensor<2x1xf32>) {
  // expected-error @+1 {{result #0 has type 'tensor<2x1xf32>', but the operands give 'tensor<2x8xf32>'}}
  %y = simclr.add %a, %b : tensor<2x8xf32>, tensor<2x1xf32> -> tensor<2x1xf32>
  return
}

// -----

func.func @max_pool_rank(%x: tensor<8x9x9xf32>) {
  // expected-error @+1 {{expects input of rank 4 (NCHW), got 'tensor<8x9x9xf32>'}}
  %y = simclr.max_pool2d %x kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1] : tensor<8x9x9xf32> -> tensor<8x5x5xf32>
  return
}

// -----

func.func @max_pool_padding(%x: tensor<1x8x9x9xf32>) {
  // expected-error @+1 {{expects padding smaller than the window, got padding 3 for a window of 3}}
  %y = simclr.max_pool2d %x kernel [3, 3] stride [2, 2] padding [3, 3, 3, 3] : tensor<1x8x9x9xf32> -> tensor<1x8x7x7xf32>
  return
}

// -----

func.func @avg_pool_kernel(%x: tensor<1x8x9x9xf32>) {
  // expected-error @+1 {{expects 'kernel' to have 2 entries, got 1}}
  %y = simclr.avg_pool2d %x kernel [2] stride [2, 2] padding [0, 0, 0, 0] : tensor<1x8x9x9xf32> -> tensor<1x8x4x4xf32>
  return
}

// -----

func.func @avg_pool_result(%x: tensor<1x8x9x9xf32>) {
  // expected-error @+1 {{result #0 has type 'tensor<1x8x5x5xf32>', but the operands give 'tensor<1x8x4x4xf32>'}}
  %y = simclr.avg_pool2d %x kernel [2, 2] stride [2, 2] padding [0, 0, 0, 0] : tensor<1x8x9x9xf32> -> tensor<1x8x5x5xf32>
  return
}

// -----

func.func @global_pool_rank(%x: tensor<1x8xf32>) {
  // expected-error @+1 {{expects input of rank 4 (NCHW), got 'tensor<1x8xf32>'}}
  %y = simclr.global_avg_pool %x : tensor<1x8xf32> -> tensor<1x8xf32>
  return
}

// -----

func.func @dense_features(%x: tensor<2x8xf32>, %w: tensor<4x6xf32>) {
  // expected-error @+1 {{weight takes 6 input features, but the input has 8}}
  %y = simclr.dense %x, %w : tensor<2x8xf32>, tensor<4x6xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @dense_bias(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{expects 'bias' of shape [4], got 'tensor<8xf32>'}}
  %y = simclr.dense %x, %w, %b : tensor<2x8xf32>, tensor<4x8xf32>, tensor<8xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @dense_rank(%x: tensor<2x8x1x1xf32>, %w: tensor<4x8xf32>) {
  // expected-error @+1 {{expects input of rank 2 ([batch, in_features]), got 'tensor<2x8x1x1xf32>'}}
  %y = simclr.dense %x, %w : tensor<2x8x1x1xf32>, tensor<4x8xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @concat_axis(%a: tensor<2x8xf32>) {
  // expected-error @+1 {{expects 'axis' in [0, 2), got 2}}
  %y = simclr.concat %a, %a axis 2 : tensor<2x8xf32>, tensor<2x8xf32> -> tensor<2x16xf32>
  return
}

// -----

func.func @concat_shapes(%a: tensor<2x8xf32>, %b: tensor<2x4xf32>) {
  // expected-error @+1 {{expects inputs to agree on every dimension but 0, got 'tensor<2x8xf32>' and 'tensor<2x4xf32>'}}
  %y = simclr.concat %a, %b axis 0 : tensor<2x8xf32>, tensor<2x4xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @split_sizes(%a: tensor<2x8xf32>) {
  // expected-error @+1 {{'sizes' add up to 7 but dimension 1 of the input has extent 8}}
  %y:2 = simclr.split %a axis 1 sizes [3, 4] : tensor<2x8xf32> -> tensor<2x3xf32>, tensor<2x4xf32>
  return
}

// -----

func.func @split_results(%a: tensor<2x8xf32>) {
  // expected-error @+1 {{has 1 result(s), expected 2}}
  %y = simclr.split %a axis 1 sizes [4, 4] : tensor<2x8xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @slice_bounds(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{slice reaches index 8 of dimension 1, which has extent 8}}
  %y = simclr.slice %a offsets [0, 2] sizes [4, 4] strides [1, 2] : tensor<4x8xf32> -> tensor<4x4xf32>
  return
}

// -----

func.func @slice_rank(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{expects 'offsets' to have 2 entries, got 1}}
  %y = simclr.slice %a offsets [0] sizes [4, 4] : tensor<4x8xf32> -> tensor<4x4xf32>
  return
}

// -----

func.func @reshape_count(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{cannot reshape 32 elements ('tensor<4x8xf32>') into 30 ('tensor<5x6xf32>')}}
  %y = simclr.reshape %a : tensor<4x8xf32> -> tensor<5x6xf32>
  return
}

// -----

func.func @reshape_dtype(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{cannot change the element type, got 'tensor<4x8xf32>' and 'tensor<32xbf16>'}}
  %y = simclr.reshape %a : tensor<4x8xf32> -> tensor<32xbf16>
  return
}

// -----

func.func @softmax_axis(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{expects 'axis' in [0, 2), got -1}}
  %y = simclr.softmax %a axis -1 : tensor<4x8xf32>
  return
}

// -----

func.func @l2_axis(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{expects 'axis' in [0, 2), got 3}}
  %y = simclr.l2_normalize %a axis 3 : tensor<4x8xf32>
  return
}

// -----

func.func @reduce_axes(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{expects distinct 'axes', got 1 twice}}
  %y = simclr.reduce_sum %a axes [1, 1] : tensor<4x8xf32> -> tensor<4xf32>
  return
}

// -----

func.func @reduce_range(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{expects 'axes' in [0, 2), got 2}}
  %y = simclr.reduce_mean %a axes [2] : tensor<4x8xf32> -> tensor<4xf32>
  return
}

// -----

func.func @reduce_empty(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{expects at least one axis to reduce}}
  %y = simclr.reduce_max %a axes [] : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @nt_xent_rows(%z: tensor<7x16xf32>) {
  // expected-error @+1 {{expects an even number of rows (two views of each image), got 7}}
  %l, %a = simclr.nt_xent_loss %z temperature 0.1 : tensor<7x16xf32>
  return
}

// -----

func.func @nt_xent_temperature(%z: tensor<8x16xf32>) {
  // expected-error @+1 {{expects 'temperature' to be positive, got 0}}
  %l, %a = simclr.nt_xent_loss %z temperature 0.0 : tensor<8x16xf32>
  return
}

// -----

func.func @nt_xent_rank(%z: tensor<8x16x1xf32>) {
  // expected-error @+1 {{expects embeddings of rank 2 ([2N, D]), got 'tensor<8x16x1xf32>'}}
  %l, %a = simclr.nt_xent_loss %z temperature 0.1 : tensor<8x16x1xf32>
  return
}

// -----

func.func @nt_xent_negatives_width(%z: tensor<8x16xf32>, %q: tensor<32x8xf32>) {
  // expected-error @+1 {{expects negatives of the embeddings' width 16, got 'tensor<32x8xf32>'}}
  %l, %a = simclr.nt_xent_loss %z negatives %q : tensor<32x8xf32> temperature 0.1 : tensor<8x16xf32>
  return
}

// -----

func.func @nt_xent_negatives_rank(%q: tensor<32xf32>, %z: tensor<8x16xf32>) {
  // expected-error @+1 {{expects negatives of rank 2 ([K, D]), got 'tensor<32xf32>'}}
  %l, %a = simclr.nt_xent_loss %z negatives %q : tensor<32xf32> temperature 0.1 : tensor<8x16xf32>
  return
}

// -----

func.func @nt_xent_negatives_element(%z: tensor<8x16xf32>, %q: tensor<32x16xbf16>) {
  // expected-error @+1 {{negatives}}
  %l, %a = simclr.nt_xent_loss %z negatives %q : tensor<32x16xbf16> temperature 0.1 : tensor<8x16xf32>
  return
}

// -----

func.func @nt_xent_negatives_backward(%z: tensor<8x16xf32>, %g: tensor<f32>, %q: tensor<32x8xf32>) {
  // expected-error @+1 {{expects negatives of the embeddings' width 16, got 'tensor<32x8xf32>'}}
  %dz = simclr.nt_xent_loss_backward %z, %g negatives %q : tensor<32x8xf32> temperature 0.1 : tensor<8x16xf32>
  return
}

// -----

func.func @nt_xent_segments(%z: tensor<8x16xf32>) {
  // expected-error @+1 {{'operandSegmentSizes' attribute for specifying operand segments must have 3 elements, but got 2}}
  %l, %a = "simclr.nt_xent_loss"(%z) {operandSegmentSizes = array<i32: 1, 0>, temperature = 1.0 : f32} : (tensor<8x16xf32>) -> (tensor<f32>, tensor<f32>)
  return
}

// -----

func.func @ce_labels(%logits: tensor<4x10xf32>, %labels: tensor<5xi32>) {
  // expected-error @+1 {{expects integer labels of shape [4] (one class index per row), got 'tensor<5xi32>'}}
  %l, %a = simclr.softmax_cross_entropy %logits, %labels : tensor<4x10xf32>, tensor<5xi32>
  return
}

// -----

func.func @ce_soft_labels(%logits: tensor<4x10xf32>, %labels: tensor<4x9xf32>) {
  // expected-error @+1 {{expects label distributions of the logits' shape 'tensor<4x10xf32>', got 'tensor<4x9xf32>'}}
  %l, %a = simclr.softmax_cross_entropy %logits, %labels : tensor<4x10xf32>, tensor<4x9xf32>
  return
}

// -----

func.func @distill_shapes(%s: tensor<4x10xf32>, %t: tensor<4x5xf32>) {
  // expected-error @+1 {{expects student and teacher logits of the same shape, got 'tensor<4x10xf32>' and 'tensor<4x5xf32>'}}
  %l, %a = simclr.distillation_loss %s, %t temperature 1.0 : tensor<4x10xf32>, tensor<4x5xf32>
  return
}

// -----

func.func @distill_temperature(%s: tensor<4x10xf32>) {
  // expected-error @+1 {{expects 'temperature' to be positive, got -1}}
  %l, %a = simclr.distillation_loss %s, %s temperature -1.0 : tensor<4x10xf32>, tensor<4x10xf32>
  return
}

// -----

// expected-error @+1 {{has unknown group 'neck'; expected backbone, head or classifier, optionally prefixed with 'teacher.'}}
simclr.parameter @w : tensor<4xf32> {group = "neck", init = "zeros"}

// -----

// expected-error @+1 {{has unknown init 'xavier'; expected zeros, ones, variance_scaling or normal}}
simclr.parameter @w : tensor<4xf32> {group = "head", init = "xavier"}

// -----

// expected-error @+1 {{with init 'normal' needs a positive 'init_std'}}
simclr.parameter @w : tensor<4xf32> {group = "head", init = "normal"}

// -----

// expected-error @+1 {{has 'init_std' but init 'zeros' takes none}}
simclr.parameter @w : tensor<4xf32> {group = "head", init = "zeros", init_std = 0.1}

// -----

// expected-error @+1 {{expects a static shape, got 'tensor<?xf32>'}}
simclr.parameter @w : tensor<?xf32> {group = "head", init = "zeros"}

// -----

// expected-error @+1 {{has unknown init 'normal'; expected zeros, ones or copy:<parameter>}}
simclr.state @s : tensor<4xf32> {init = "normal"}

// -----

// expected-error @+1 {{copies 'w', which is not a declared parameter}}
simclr.state @"ema.w" : tensor<4xf32> {init = "copy:w"}

// -----

simclr.state @v : tensor<4xf32> {init = "zeros"}
// expected-error @+1 {{copies 'v', which is not a declared parameter}}
simclr.state @"ema.v" : tensor<4xf32> {init = "copy:v"}

// -----

simclr.parameter @w : tensor<4x2xf32> {group = "head", init = "zeros"}
// expected-error @+1 {{is 'tensor<4xf32>' but copies 'w', 'tensor<4x2xf32>'}}
simclr.state @"ema.w" : tensor<4xf32> {init = "copy:w"}

// -----

func.func @load_unknown() {
  // expected-error @+1 {{refers to unknown symbol @missing}}
  %w = simclr.load @missing : tensor<4xf32>
  return
}

// -----

simclr.parameter @w : tensor<4xf32> {group = "head", init = "zeros"}
func.func @load_type() {
  // expected-error @+1 {{result type 'tensor<8xf32>' does not match the type 'tensor<4xf32>' declared for @w}}
  %w = simclr.load @w : tensor<8xf32>
  return
}

// -----

func.func @not_a_parameter() {
  return
}
func.func @load_function() {
  // expected-error @+1 {{refers to @not_a_parameter, which is not a simclr.parameter or simclr.state}}
  %w = simclr.load @not_a_parameter : tensor<4xf32>
  return
}

// -----

simclr.parameter @w : tensor<4xf32> {frozen, group = "teacher.head", init = "zeros"}
func.func @store_frozen_parameter(%v: tensor<4xf32>) {
  // expected-error @+1 {{cannot write frozen parameter @w}}
  simclr.store %v, @w : tensor<4xf32>
  return
}

// -----

simclr.state @s : tensor<4xf32> {init = "zeros"}
func.func @store_type(%v: tensor<8xf32>) {
  // expected-error @+1 {{stores 'tensor<8xf32>' into @s, which is declared 'tensor<4xf32>'}}
  simclr.store %v, @s : tensor<8xf32>
  return
}

// -----

// expected-error @+1 {{expects 'simclr.stage' to be one of "pretrain", "finetune", "distill", "linear_eval", got "train"}}
func.func @stage() attributes {simclr.stage = "train"} {
  return
}

// -----

// expected-error @+1 {{'simclr.optimizer' is missing 'learning_rate'}}
func.func @optimizer_missing() attributes {simclr.optimizer = {kind = "lars"}} {
  return
}

// -----

// expected-error @+1 {{'simclr.optimizer.kind' must be one of 'lars', 'momentum', got "adam"}}
func.func @optimizer_kind() attributes {simclr.optimizer = {kind = "adam", learning_rate = 0.1}} {
  return
}

// -----

// expected-error @+1 {{'simclr.optimizer' has unknown entry 'beta1'}}
func.func @optimizer_unknown() attributes {simclr.optimizer = {kind = "lars", learning_rate = 0.1, beta1 = 0.9}} {
  return
}

// -----

// expected-error @+1 {{'simclr.optimizer.weight_decay' must be non-negative, got -5.000000e-01 : f64}}
func.func @optimizer_negative() attributes {simclr.optimizer = {kind = "lars", learning_rate = 0.1, weight_decay = -0.5}} {
  return
}

// -----

// expected-error @+1 {{'simclr.loss.temperature' must be positive, got 0.000000e+00 : f64}}
func.func @loss_temperature() attributes {simclr.loss = {kind = "nt_xent", temperature = 0.0}} {
  return
}

// -----

// expected-error @+1 {{'simclr.input.batch_size' must be a positive integer, got 0 : i64}}
func.func @input_batch() attributes {simclr.input = {batch_size = 0, channels = 1, height = 28, width = 28}} {
  return
}

// -----

// expected-error @+1 {{has unknown simclr dialect attribute 'simclr.epochs'}}
func.func @unknown_attr() attributes {simclr.epochs = 3} {
  return
}

// -----

func.func @conv_dilation(%x: tensor<1x3x32x32xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+1 {{expects every entry of 'dilation' to be at least 1, got 0}}
  %y = simclr.conv2d %x, %w stride [1, 1] padding [1, 1, 1, 1] {dilation = array<i64: 0, 1>} : tensor<1x3x32x32xf32>, tensor<8x3x3x3xf32> -> tensor<1x8x32x32xf32>
  return
}

// -----

func.func @conv_groups_zero(%x: tensor<1x3x32x32xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+1 {{expects 'groups' to be at least 1, got 0}}
  %y = simclr.conv2d %x, %w stride [1, 1] padding [1, 1, 1, 1] {groups = 0} : tensor<1x3x32x32xf32>, tensor<8x3x3x3xf32> -> tensor<1x8x32x32xf32>
  return
}

// -----

func.func @conv_negative_padding(%x: tensor<1x3x32x32xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+1 {{expects every entry of 'padding' to be at least 0, got -1}}
  %y = simclr.conv2d %x, %w stride [1, 1] padding [1, 1, -1, 1] : tensor<1x3x32x32xf32>, tensor<8x3x3x3xf32> -> tensor<1x8x32x32xf32>
  return
}

// -----

func.func @bn_scale_rank(%x: tensor<2x8xf32>, %v: tensor<8xf32>, %m: tensor<1x8xf32>) {
  // expected-error @+1 {{expects 'scale' of shape [8] (one entry per channel), got 'tensor<1x8xf32>'}}
  %y, %a, %b = simclr.batch_norm_train %x scale %m running %v, %v : tensor<2x8xf32>, tensor<1x8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

func.func @bn_infer_result(%x: tensor<2x8xf32>, %v: tensor<8xf32>) {
  // expected-error @+1 {{result #0 has type 'tensor<2x4xf32>', but the operands give 'tensor<2x8xf32>'}}
  %y = "simclr.batch_norm_infer"(%x, %v, %v, %v) : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @relu_result(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{result #0 has type 'tensor<2x8xbf16>', but the operands give 'tensor<2x8xf32>'}}
  %y = "simclr.relu"(%x) : (tensor<2x8xf32>) -> tensor<2x8xbf16>
  return
}

// -----

func.func @avg_pool_window(%x: tensor<1x8x2x2xf32>) {
  // expected-error @+1 {{window of extent 3 does not fit the padded input width 2}}
  %y = simclr.avg_pool2d %x kernel [1, 3] stride [1, 1] padding [0, 0, 0, 0] : tensor<1x8x2x2xf32> -> tensor<1x8x2x1xf32>
  return
}

// -----

func.func @dense_weight_rank(%x: tensor<2x8xf32>, %w: tensor<4x8x1xf32>) {
  // expected-error @+1 {{expects weight of rank 2 ([out_features, in_features]), got 'tensor<4x8x1xf32>'}}
  %y = simclr.dense %x, %w : tensor<2x8xf32>, tensor<4x8x1xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @dense_dtype(%x: tensor<2x8xf32>, %w: tensor<4x8xf16>) {
  // expected-error @+1 {{expects input and weight to have the same element type, got 'f32' and 'f16'}}
  %y = simclr.dense %x, %w : tensor<2x8xf32>, tensor<4x8xf16> -> tensor<2x4xf32>
  return
}

// -----

func.func @concat_rank(%a: tensor<2x8xf32>, %b: tensor<2x8x1xf32>) {
  // expected-error @+1 {{expects inputs of equal rank, got 'tensor<2x8xf32>' and 'tensor<2x8x1xf32>'}}
  %y = simclr.concat %a, %b axis 0 : tensor<2x8xf32>, tensor<2x8x1xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @concat_dtype(%a: tensor<2x8xf32>, %b: tensor<2x8xbf16>) {
  // expected-error @+1 {{expects input #0 and input #1 to have the same element type, got 'f32' and 'bf16'}}
  %y = simclr.concat %a, %b axis 0 : tensor<2x8xf32>, tensor<2x8xbf16> -> tensor<4x8xf32>
  return
}

// -----

func.func @split_zero(%a: tensor<2x8xf32>) {
  // expected-error @+1 {{expects every entry of 'sizes' to be at least 1, got 0}}
  %y:2 = simclr.split %a axis 1 sizes [8, 0] : tensor<2x8xf32> -> tensor<2x8xf32>, tensor<2x0xf32>
  return
}

// -----

func.func @split_axis(%a: tensor<2x8xf32>) {
  // expected-error @+1 {{expects 'axis' in [0, 2), got 5}}
  %y:2 = simclr.split %a axis 5 sizes [4, 4] : tensor<2x8xf32> -> tensor<2x4xf32>, tensor<2x4xf32>
  return
}

// -----

func.func @slice_stride(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{expects every entry of 'strides' to be at least 1, got 0}}
  %y = simclr.slice %a offsets [0, 0] sizes [4, 4] strides [1, 0] : tensor<4x8xf32> -> tensor<4x4xf32>
  return
}

// -----

func.func @l2_epsilon(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{expects 'epsilon' to be positive, got -1}}
  %y = simclr.l2_normalize %a axis 1 {epsilon = -1.0 : f32} : tensor<4x8xf32>
  return
}

// -----

func.func @reshape_dynamic(%a: tensor<?x8xf32>) {
  // expected-error @+1 {{expects static shapes, got 'tensor<?x8xf32>' and 'tensor<8x?xf32>'}}
  %y = simclr.reshape %a : tensor<?x8xf32> -> tensor<8x?xf32>
  return
}

// -----

func.func @ce_logits_rank(%logits: tensor<4x10x1xf32>, %labels: tensor<4xi32>) {
  // expected-error @+1 {{expects logits of rank 2 ([N, classes]), got 'tensor<4x10x1xf32>'}}
  %l, %a = simclr.softmax_cross_entropy %logits, %labels : tensor<4x10x1xf32>, tensor<4xi32>
  return
}

// -----

func.func @ce_label_dtype(%logits: tensor<4x10xf32>, %labels: tensor<4x10xbf16>) {
  // expected-error @+1 {{expects logits and labels to have the same element type, got 'f32' and 'bf16'}}
  %l, %a = simclr.softmax_cross_entropy %logits, %labels : tensor<4x10xf32>, tensor<4x10xbf16>
  return
}

// -----

func.func @ce_label_type(%logits: tensor<4x10xf32>, %labels: tensor<4xi1>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values or ranked tensor of 32-bit float or 16-bit float or bfloat16 type values}}
  %l, %a = simclr.softmax_cross_entropy %logits, %labels : tensor<4x10xf32>, tensor<4xi1>
  return
}

// -----

func.func @distill_rank(%s: tensor<4x10xf32>, %t: tensor<40xf32>) {
  // expected-error @+1 {{expects teacher_logits of rank 2 ([N, classes]), got 'tensor<40xf32>'}}
  %l, %a = simclr.distillation_loss %s, %t temperature 1.0 : tensor<4x10xf32>, tensor<40xf32>
  return
}

// -----

func.func @loss_result_type(%z: tensor<8x16xf32>) {
  // expected-error @+1 {{result #1 must be 0D tensor of 32-bit float values, but got 'tensor<1xf32>'}}
  %l:2 = "simclr.nt_xent_loss"(%z) {operandSegmentSizes = array<i32: 1, 0, 0>, temperature = 0.1 : f32} : (tensor<8x16xf32>) -> (tensor<f32>, tensor<1xf32>)
  return
}

// -----

// expected-error @+1 {{expects a static shape, got 'tensor<?xf32>'}}
simclr.state @s : tensor<?xf32> {init = "zeros"}

// -----

// expected-error @+1 {{'simclr.input' is missing 'channels'}}
func.func @input_missing() attributes {simclr.input = {batch_size = 8, height = 28, width = 28}} {
  return
}

// -----

// expected-error @+1 {{'simclr.optimizer.nesterov' must be a boolean, got 1 : i64}}
func.func @optimizer_bool() attributes {simclr.optimizer = {kind = "momentum", learning_rate = 0.1, nesterov = 1}} {
  return
}

// -----

// expected-error @+1 {{expects 'simclr.optimizer' to be a dictionary}}
func.func @optimizer_dict() attributes {simclr.optimizer = "lars"} {
  return
}

// -----

func.func @both_logits_bad(%s: tensor<40xf32>, %t: tensor<40x1x1xf32>) {
  // One message, for the first bad operand.
  // expected-error @+1 {{expects student_logits of rank 2 ([N, classes]), got 'tensor<40xf32>'}}
  %l, %a = simclr.distillation_loss %s, %t temperature 1.0 : tensor<40xf32>, tensor<40x1x1xf32>
  return
}

// -----

func.func @convert_shape(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{converts elements, not shapes: got 'tensor<2x3xf32>' and 'tensor<3x2xbf16>'}}
  %y = simclr.convert %x : tensor<2x3xf32> -> tensor<3x2xbf16>
  return
}

// -----

// expected-error @+1 {{expects 'simclr.precision' to be "f32" or "bf16", got "fp8"}}
module attributes {simclr.precision = "fp8"} {
}

// -----

// expected-error @+1 {{'simclr.precision' belongs on the module}}
func.func @precision_on_function() attributes {simclr.precision = "bf16"} {
  return
}

// -----

// expected-error @+1 {{expects 'simclr.layout' to be "nchw" or "nhwc", got "chwn"}}
module attributes {simclr.layout = "chwn"} {
}

// -----

// expected-error @+1 {{'simclr.layout' belongs on the module}}
func.func @layout_on_function() attributes {simclr.layout = "nhwc"} {
  return
}

// -----

func.func @transpose_not_a_permutation(%x: tensor<2x3x4x5xf32>) {
  // expected-error @+1 {{expects 'permutation' to hold each of 0..3 once}}
  %y = simclr.transpose %x permutation [0, 2, 2, 1] : tensor<2x3x4x5xf32> -> tensor<2x4x4x3xf32>
  return
}

// -----

func.func @transpose_rank(%x: tensor<2x3x4x5xf32>) {
  // expected-error @+1 {{expects a permutation of 4 entries for 'tensor<2x3x4x5xf32>', got 3}}
  %y = simclr.transpose %x permutation [0, 2, 1] : tensor<2x3x4x5xf32> -> tensor<2x4x3xf32>
  return
}

// -----

func.func @transpose_result(%x: tensor<2x3x4x5xf32>) {
  // expected-error @+1 {{result #0 has type 'tensor<2x5x3x4xf32>', but the operands give 'tensor<2x4x5x3xf32>'}}
  %y = simclr.transpose %x permutation [0, 2, 3, 1] : tensor<2x3x4x5xf32> -> tensor<2x5x3x4xf32>
  return
}

// -----

// A channels-last convolution reads NHWC input and an OHWI filter: an OIHW 1x1 filter of
// 3 input channels reads as one input channel.
func.func @conv_channels_last_filter(%x: tensor<2x8x8x3xf32>, %w: tensor<4x3x1x1xf32>) {
  // expected-error @+1 {{filter takes 1 input channel(s) per group, but the input has 3 channel(s) in 1 group(s)}}
  %y = simclr.conv2d %x, %w stride [1, 1] padding [0, 0, 0, 0] {channels_last} : tensor<2x8x8x3xf32>, tensor<4x3x1x1xf32> -> tensor<2x8x8x4xf32>
  return
}

// -----

func.func @batch_norm_channels_last(%x: tensor<2x8x8x3xf32>, %c: tensor<8xf32>) {
  // expected-error @+1 {{expects 'scale' of shape [3] (one entry per channel), got 'tensor<8xf32>'}}
  %y = simclr.batch_norm_infer %x scale %c stats %c, %c {channels_last} : tensor<2x8x8x3xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

func.func @all_reduce_kind(%x: tensor<4xf32>) {
  // expected-error @+1 {{expects 'kind' to be "sum" or "mean"}}
  %y = simclr.all_reduce %x {kind = "max", replicas = 2 : i64} : tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @all_gather_replicas(%x: tensor<4x3xf32>) {
  // expected-error @+1 {{expects 'replicas', the replica count, to be an integer of at least 1}}
  %y = simclr.all_gather %x {replicas = 0 : i64} : tensor<4x3xf32> -> tensor<4x3xf32>
  return
}

// -----

// A replica count of the wrong type is an error, never a crash of the type inference.
func.func @all_gather_replicas_float(%x: tensor<4x3xf32>) {
  // expected-error @+1 {{attribute 'replicas' failed to satisfy constraint: 64-bit signless integer attribute}}
  %y = "simclr.all_gather"(%x) {replicas = 2.0 : f32} : (tensor<4x3xf32>) -> tensor<8x3xf32>
  return
}

// -----

func.func @all_gather_result(%x: tensor<4x3xf32>) {
  // expected-error @+1 {{result #0 has type 'tensor<4x3xf32>', but the operands give 'tensor<8x3xf32>'}}
  %y = simclr.all_gather %x {replicas = 2 : i64} : tensor<4x3xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @reduce_scatter_rows(%x: tensor<5x3xf32>) {
  // expected-error @+1 {{expects dimension 0 (5) to divide among 2 replicas}}
  %y = simclr.reduce_scatter %x {replicas = 2 : i64} : tensor<5x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @replica_id_count() {
  // expected-error @+1 {{expects 'replicas', the replica count, to be an integer of at least 1}}
  %r = simclr.replica_id {replicas = 0 : i64}
  return
}

// -----

func.func @nt_xent_replica_rows(%z: tensor<8x16xf32>) {
  %r = simclr.replica_id {replicas = 3 : i64}
  // expected-error @+1 {{expects the batch's 4 images to divide among 3 replicas}}
  %l, %a = simclr.nt_xent_loss %z rows of replica %r among 3 temperature 0.1 : tensor<8x16xf32>
  return
}

// -----

func.func @nt_xent_replicas_without_index(%z: tensor<8x16xf32>) {
  // expected-error @+1 {{has a replica count but no replica index operand (rows of replica %r)}}
  %l:2 = "simclr.nt_xent_loss"(%z) {operandSegmentSizes = array<i32: 1, 0, 0>, temperature = 0.1 : f32, replicas = 2 : i64} : (tensor<8x16xf32>) -> (tensor<f32>, tensor<f32>)
  return
}

// -----

func.func @nt_xent_replica_count(%z: tensor<8x16xf32>, %r: tensor<i32>) {
  // expected-error @+1 {{expects 'replicas', the replica count, to be an integer of at least 1}}
  %l:2 = "simclr.nt_xent_loss"(%z, %r) {operandSegmentSizes = array<i32: 1, 0, 1>, temperature = 0.1 : f32, replicas = 0 : i64} : (tensor<8x16xf32>, tensor<i32>) -> (tensor<f32>, tensor<f32>)
  return
}

// -----

func.func @nt_xent_replica_float(%z: tensor<8x16xf32>, %r: tensor<f32>) {
  // expected-error @+1 {{operand #1 must be 0D tensor of 32-bit signless integer values}}
  %l:2 = "simclr.nt_xent_loss"(%z, %r) {operandSegmentSizes = array<i32: 1, 0, 1>, temperature = 0.1 : f32, replicas = 2 : i64} : (tensor<8x16xf32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return
}

// -----

func.func @collective_scalar(%x: tensor<f32>) {
  // expected-error @+1 {{expects an input of rank at least 1 (rows along dimension 0), got 'tensor<f32>'}}
  %y = simclr.all_gather %x {replicas = 2 : i64} : tensor<f32> -> tensor<f32>
  return
}

// -----

// expected-error @+1 {{expects 'simclr.replicas' to be an integer of at least 1, got 0 : i64}}
module attributes {simclr.replicas = 0 : i64} {
}

// -----

// expected-error @+1 {{'simclr.replicas' belongs on the module}}
func.func @replicas_on_function() attributes {simclr.replicas = 2 : i64} {
  return
}

// -----

module attributes {simclr.replicas = 2 : i64} {
func.func @replicas_mismatch(%x: tensor<4x3xf32>) {
  // expected-error @+1 {{is written for 4 replicas, but the module trains on 2}}
  %y = simclr.all_gather %x {replicas = 4 : i64} : tensor<4x3xf32> -> tensor<16x3xf32>
  return
}
}

// -----

module attributes {simclr.replicas = 2 : i64} {
func.func @replica_rows_mismatch(%z: tensor<8x16xf32>) {
  %r = simclr.replica_id {replicas = 2 : i64}
  // expected-error @+1 {{is written for 4 replicas, but the module trains on 2}}
  %l, %a = simclr.nt_xent_loss %z rows of replica %r among 4 temperature 0.1 : tensor<8x16xf32>
  return
}
}
