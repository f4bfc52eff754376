func.func @f(%z: tensor<8x16xf32>) -> tensor<f32> {
  %l, %a = simclr.nt_xent_loss %z temperature 0.1 {temperature = 1 : i64} : tensor<8x16xf32>
  return %l : tensor<f32>
}
