func.func @f(%w: tensor<4x8xf32>, %lr: tensor<f32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %a, %b = simclr.momentum_update %w, %w, %w, %lr {momentum = 0.9, weight_decay = 1} : tensor<4x8xf32>
  return %a, %b : tensor<4x8xf32>, tensor<4x8xf32>
}
