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

#endif // SIMCLR_PASSES_TD
