//===- SimclrOptimizerOps.td - learning-rate schedule and updates -*- tablegen -*-===//
//
// The optimizer side of a training step, as the SimCLR reference code has it: a linear
// warmup followed by cosine decay, LARS (layer-wise adaptive rate scaling) with momentum,
// and plain momentum SGD (optionally Nesterov) for linear evaluation.
//
//===----------------------------------------------------------------------===//

#ifndef SIMCLR_OPTIMIZER_OPS_TD
#define SIMCLR_OPTIMIZER_OPS_TD

include "SimclrBase.td"

def Simclr_LearningRateOp : Simclr_InferredOp<"learning_rate"> {
  let summary = "linear warmup, then cosine decay to zero";
  let description = [{
    With `p = peak` (the base rate already scaled for the global batch):
    `lr = p * step / warmup_steps` while `step < warmup_steps`, then
    `lr = p * 0.5 * (1 + cos(pi * min(step - warmup_steps, decay) / decay))` with
    `decay = total_steps - warmup_steps`. The step counts are operands because they depend
    on the size of the data set, known when training starts.

    ```mlir
    %lr = simclr.learning_rate %step, %warmup, %total peak 3.000000e-01
    ```
  }];
  let arguments = (ins Simclr_F32Scalar:$step, Simclr_F32Scalar:$warmup_steps,
                       Simclr_F32Scalar:$total_steps, F64Attr:$peak);
  let results = (outs Simclr_ScalarF32:$learning_rate);
  let assemblyFormat = "$step `,` $warmup_steps `,` $total_steps `peak` $peak attr-dict";
}

def Simclr_LarsUpdateOp : Simclr_InferredOp<"lars_update",
    [AllTypesMatch<["param", "grad", "velocity"]>]> {
  let summary = "one LARS step for one parameter";
  let description = [{
    As the reference LARS optimizer (classic momentum):
    `g' = g + weight_decay * w` (skipped when `exclude`);
    `trust = trust_coefficient * |w| / |g'|` (1 when either norm is 0, or when `exclude` or
    `no_adaptation`);
    `v' = momentum * v + learning_rate * trust * g'`;
    `w' = w - v'`, or with `nesterov` `w' = w - (momentum * v' + learning_rate * trust * g')`.
    Batch-norm parameters and biases are `exclude`d from weight decay and adaptation. The
    classifier's weights have `no_adaptation`: the reference excludes its supervised head from
    LARS and adds the head's weight decay as an l2 loss term, whose gradient is the same
    `weight_decay * w`.

    ```mlir
    %w2, %v2 = simclr.lars_update %w, %g, %v, %lr {momentum = 9.000000e-01, trust_coefficient = 1.000000e-03, weight_decay = 9.9999999999999995E-7} : tensor<64x3x3x3xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$param, Simclr_FloatTensor:$grad,
                       Simclr_FloatTensor:$velocity, Simclr_F32Scalar:$learning_rate,
                       F64Attr:$momentum, F64Attr:$weight_decay, F64Attr:$trust_coefficient,
                       UnitAttr:$exclude, UnitAttr:$no_adaptation, UnitAttr:$nesterov);
  let results = (outs Simclr_FloatTensor:$new_param, Simclr_FloatTensor:$new_velocity);
  let assemblyFormat = [{
    $param `,` $grad `,` $velocity `,` $learning_rate attr-dict `:` type($param)
  }];
}

def Simclr_MomentumUpdateOp : Simclr_InferredOp<"momentum_update",
    [AllTypesMatch<["param", "grad", "velocity"]>]> {
  let summary = "one momentum-SGD step for one parameter";
  let description = [{
    `g' = g + weight_decay * w` (skipped when `exclude`); `v' = momentum * v + g'`;
    `w' = w - learning_rate * v'`, or with `nesterov`
    `w' = w - learning_rate * (g' + momentum * v')` (PyTorch's SGD).

    ```mlir
    %w2, %v2 = simclr.momentum_update %w, %g, %v, %lr {momentum = 9.000000e-01, nesterov, weight_decay = 0.000000e+00} : tensor<10x2048xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$param, Simclr_FloatTensor:$grad,
                       Simclr_FloatTensor:$velocity, Simclr_F32Scalar:$learning_rate,
                       F64Attr:$momentum, F64Attr:$weight_decay, UnitAttr:$exclude,
                       UnitAttr:$nesterov);
  let results = (outs Simclr_FloatTensor:$new_param, Simclr_FloatTensor:$new_velocity);
  let assemblyFormat = [{
    $param `,` $grad `,` $velocity `,` $learning_rate attr-dict `:` type($param)
  }];
}

#endif // SIMCLR_OPTIMIZER_OPS_TD
