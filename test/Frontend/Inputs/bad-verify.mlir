func.func @f(%x: tensor<1x3x8x8xf32>, %w: tensor<8x4x3x3xf32>) {
  %y = simclr.conv2d %x, %w stride [1, 1] padding [1, 1, 1, 1] : tensor<1x3x8x8xf32>, tensor<8x4x3x3xf32> -> tensor<1x8x8x8xf32>
  return
}
