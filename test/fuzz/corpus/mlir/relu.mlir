simclr.state @s : tensor<3xf32> {init = "zeros"}
func.func @f(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = simclr.relu %x : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
func.func @reads_state() -> tensor<3xf32> {
  %s = simclr.load @s : tensor<3xf32>
  return %s : tensor<3xf32>
}
func.func @labels(%logits: tensor<2x3xf32>, %labels: tensor<2xi32>) -> tensor<f32> {
  %l, %a = simclr.softmax_cross_entropy %logits, %labels : tensor<2x3xf32>, tensor<2xi32>
  return %l : tensor<f32>
}
