func.func @f(%x: tensor<1x3x8x8xf32>) {
  %y = simclr.relu %x : tensor<1x3x8x8xf32
  return
}
