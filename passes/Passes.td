//===- Passes.td - passes over the simclr dialect ------------*- tablegen -*-===//

#ifndef SIMCLR_PASSES_TD
#define SIMCLR_PASSES_TD

include "mlir/Pass/PassBase.td"

def ModelStats : Pass<"simclr-model-stats", "::mlir::ModuleOp"> {
  let summary = "Prints the size and cost of the model in a module";
  let description = [{
    Prints one `key: value` line per figure to standard output and leaves the IR unchanged:
    the trainable parameters of the backbone (conv weights and batch-norm scale/offset, no
    heads), of the projection head, of the classifier and of a distillation teacher; the
    forward multiply-accumulates per image of the backbone (convolutions and dense layers)
    and of the whole step; and the bytes of every tensor the step's forward pass produces
    for the configured batch. `simclrc --stats` prints the same figures.

    Example (`simclr-opt m.mlir --simclr-model-stats -o /dev/null`):

    ```
    model: r50_1x_sk0
    stage: pretrain
    parameters: 23508032
    forward_macs_per_image: 4087136256
    ...
    ```
  }];
}

def Autodiff : Pass<"simclr-autodiff", "::mlir::ModuleOp"> {
  let summary = "Reverse-mode differentiation of a training step";
  let description = [{
    Differentiates the first result of a function (the loss, a `tensor<f32>`) with respect
    to every trainable parameter it reads: each `simclr.load` of a `simclr.parameter` that
    is not `frozen`. The gradients are appended to the function's results, in the order the
    parameters are first loaded, and listed by the `simclr.gradients` attribute.

    The pass walks the function backwards from the loss and asks each op on a path from a
    trainable parameter to the loss for its gradient rule (`GradientOpInterface`).
    Everything else, such as a distillation teacher or a frozen backbone, gets no backward
    code. Gradients of a value used several times are summed.

    Before:

    ```mlir
    func.func @train_step(%x: tensor<4x8xf32>) -> tensor<f32> attributes {simclr.stage = "pretrain"} {
      %w = simclr.load @w : tensor<2x8xf32>
      %y = simclr.dense %x, %w : tensor<4x8xf32>, tensor<2x8xf32> -> tensor<4x2xf32>
      %l = simclr.reduce_sum %y axes [0, 1] : tensor<4x2xf32> -> tensor<f32>
      return %l : tensor<f32>
    }
    ```

    After:

    ```mlir
    func.func @train_step(%x: tensor<4x8xf32>) -> (tensor<f32>, tensor<2x8xf32>)
        attributes {simclr.gradients = [@w], simclr.stage = "pretrain"} {
      ...
      %one = arith.constant dense<1.000000e+00> : tensor<f32>
      %dl = simclr.reshape %one : tensor<f32> -> tensor<1x1xf32>
      %dy = simclr.broadcast %dl : tensor<1x1xf32> -> tensor<4x2xf32>
      %dx = simclr.matmul %dy, %w : ...
      %dw = simclr.matmul %dy, %x {transpose_a} : tensor<4x2xf32>, tensor<4x8xf32> -> tensor<2x8xf32>
      return %l, %dw : tensor<f32>, tensor<2x8xf32>
    }
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::simclr::SimclrDialect"];
  let options = [
    Option<"functionName", "function", "std::string", /*default=*/"\"\"",
           "The function to differentiate (default: every function with simclr.stage)">
  ];
}

#endif // SIMCLR_PASSES_TD
