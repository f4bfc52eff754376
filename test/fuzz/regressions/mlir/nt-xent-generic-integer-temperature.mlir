func.func @f(%z: tensor<8x16xf32>) -> tensor<f32> {
  %l:2 = "simclr.nt_xent_loss"(%z) {operandSegmentSizes = array<i32: 1, 0, 0>, temperature = 1 : i64} : (tensor<8x16xf32>) -> (tensor<f32>, tensor<f32>)
  return %l#0 : tensor<f32>
}
