//===- SimclrGradientOps.td - ops that gradients need -----------*- tablegen -*-===//
//
// The ops that reverse-mode differentiation produces where a gradient is not itself a
// forward op: convolution input and filter gradients, batch-norm and pooling backward, the
// losses' gradients, and the general matrix product, broadcast and scaling that the other
// rules are written with. Every `*_backward` op takes the gradient of the forward op's
// result (`grad_output`, or `grad_loss` for a loss) and returns the gradient of an operand.
//
//===----------------------------------------------------------------------===//

#ifndef SIMCLR_GRADIENT_OPS_TD
#define SIMCLR_GRADIENT_OPS_TD

include "SimclrBase.td"

//===----------------------------------------------------------------------===//
// Building blocks
//===----------------------------------------------------------------------===//

def Simclr_MatmulOp : Simclr_DifferentiableOp<"matmul"> {
  let summary = "matrix product op(a) x op(b), op transposing on request";
  let description = [{
    `output[m, n] = sum_k A[m, k] * B[k, n]` with `A = transpose_a ? a^T : a` and
    `B = transpose_b ? b^T : b`; the transposes are flags, as in a BLAS GEMM call.

    ```mlir
    %dw = simclr.matmul %dy, %x {transpose_a} : tensor<8x10xf32>, tensor<8x64xf32> -> tensor<10x64xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$a, Simclr_FloatTensor:$b, UnitAttr:$transpose_a,
                       UnitAttr:$transpose_b);
  let results = (outs Simclr_FloatTensor:$output);
  let assemblyFormat = "$a `,` $b attr-dict `:` type($a) `,` type($b) `->` type($output)";
}

def Simclr_BroadcastOp : Simclr_Op<"broadcast", [Pure,
    DeclareOpInterfaceMethods<Simclr_GradientOpInterface>]> {
  let summary = "repeats a tensor along its extent-1 dimensions";
  let description = [{
    The result type gives the shape; the input has the same rank, and each of its extents
    equals the result's or is 1.

    ```mlir
    %y = simclr.broadcast %x : tensor<8x64x1x1xf32> -> tensor<8x64x7x7xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$input);
  let results = (outs Simclr_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Simclr_ScaleOp : Simclr_DifferentiableOp<"scale"> {
  let summary = "multiplies every element by a constant";
  let description = [{
    ```mlir
    %y = simclr.scale %x by 2.500000e-01 : tensor<8x64x7x7xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$input, F64Attr:$factor);
  let results = (outs Simclr_FloatTensor:$output);
  let assemblyFormat = "$input `by` $factor attr-dict `:` type($input)";
}

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

class Simclr_ConvGradientOp<string mnemonic> : Simclr_Op<mnemonic, [Pure]> {
  let hasVerifier = 1;
}

def Simclr_Conv2DBackwardInputOp : Simclr_ConvGradientOp<"conv2d_backward_input"> {
  let summary = "gradient of conv2d with respect to its input";
  let description = [{
    The transposed convolution of `grad_output` with `filter` under the forward op's
    stride, padding, dilation and groups. The result type is the forward input's (it cannot
    be inferred: several input sizes give the same output size under a stride).

    ```mlir
    %dx = simclr.conv2d_backward_input %dy, %w stride [2, 2] padding [1, 1, 1, 1]
            : tensor<8x64x56x56xf32>, tensor<64x64x3x3xf32> -> tensor<8x64x112x112xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$grad_output, Simclr_FloatTensor:$filter,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilation,
                       DefaultValuedAttr<I64Attr, "1">:$groups,
                       UnitAttr:$channels_last);
  let results = (outs Simclr_FloatTensor:$grad_input);
  let assemblyFormat = [{
    $grad_output `,` $filter `stride` $stride `padding` $padding attr-dict `:`
    type($grad_output) `,` type($filter) `->` type($grad_input)
  }];
}

def Simclr_Conv2DBackwardFilterOp : Simclr_ConvGradientOp<"conv2d_backward_filter"> {
  let summary = "gradient of conv2d with respect to its filter";
  let description = [{
    Correlates the forward `input` with `grad_output`; the result type is the filter's.

    ```mlir
    %dw = simclr.conv2d_backward_filter %x, %dy stride [2, 2] padding [1, 1, 1, 1]
            : tensor<8x64x112x112xf32>, tensor<8x64x56x56xf32> -> tensor<64x64x3x3xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$input, Simclr_FloatTensor:$grad_output,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilation,
                       DefaultValuedAttr<I64Attr, "1">:$groups,
                       UnitAttr:$channels_last);
  let results = (outs Simclr_FloatTensor:$grad_filter);
  let assemblyFormat = [{
    $input `,` $grad_output `stride` $stride `padding` $padding attr-dict `:`
    type($input) `,` type($grad_output) `->` type($grad_filter)
  }];
}

//===----------------------------------------------------------------------===//
// Batch norm
//===----------------------------------------------------------------------===//

def Simclr_BatchNormTrainBackwardOp : Simclr_InferredOp<"batch_norm_train_backward"> {
  let summary = "gradients of batch_norm_train (batch statistics recomputed)";
  let description = [{
    With `xhat = (x - mean) / sqrt(var + epsilon)` over the batch (biased variance) and `m`
    elements per channel: `grad_scale = sum(dy * xhat)`, `grad_offset = sum(dy)`,
    `grad_input = scale / sqrt(var + epsilon) * (dy - grad_offset / m - xhat * grad_scale / m)`.
    The running-statistics results carry no gradient.

    ```mlir
    %dx, %dg, %db = simclr.batch_norm_train_backward %dy, %x scale %g
        : tensor<8x64x56x56xf32>, tensor<8x64x56x56xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$grad_output, Simclr_FloatTensor:$input,
                       Simclr_FloatTensor:$scale,
                       DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon,
                       UnitAttr:$channels_last);
  let results = (outs Simclr_FloatTensor:$grad_input, Simclr_FloatTensor:$grad_scale,
                      Simclr_FloatTensor:$grad_offset);
  let assemblyFormat = [{
    $grad_output `,` $input `scale` $scale attr-dict `:` type(operands)
  }];
}

def Simclr_BatchNormInferBackwardOp : Simclr_InferredOp<"batch_norm_infer_backward"> {
  let summary = "gradients of batch_norm_infer";
  let description = [{
    `grad_input = dy * scale / sqrt(var + epsilon)`, `grad_scale = sum(dy * xhat)`,
    `grad_offset = sum(dy)`, with `xhat` normalised by the given statistics.

    ```mlir
    %dx, %dg, %db = simclr.batch_norm_infer_backward %dy, %x scale %g stats %m, %v
        : tensor<8x64xf32>, tensor<8x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$grad_output, Simclr_FloatTensor:$input,
                       Simclr_FloatTensor:$scale, Simclr_FloatTensor:$mean,
                       Simclr_FloatTensor:$variance,
                       DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon,
                       UnitAttr:$channels_last);
  let results = (outs Simclr_FloatTensor:$grad_input, Simclr_FloatTensor:$grad_scale,
                      Simclr_FloatTensor:$grad_offset);
  let assemblyFormat = [{
    $grad_output `,` $input `scale` $scale `stats` $mean `,` $variance attr-dict `:`
    type(operands)
  }];
}

//===----------------------------------------------------------------------===//
// Activations, pooling, normalisation, reductions
//===----------------------------------------------------------------------===//

def Simclr_ReluBackwardOp : Simclr_InferredOp<"relu_backward",
    [AllTypesMatch<["grad_output", "output"]>]> {
  let summary = "gradient of relu: dy where the forward output is positive";
  let description = [{
    ```mlir
    %dx = simclr.relu_backward %dy, %y : tensor<8x64x56x56xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$grad_output, Simclr_FloatTensor:$output);
  let results = (outs Simclr_FloatTensor:$grad_input);
  let assemblyFormat = "$grad_output `,` $output attr-dict `:` type($output)";
}

def Simclr_MaxPool2DBackwardOp : Simclr_InferredOp<"max_pool2d_backward"> {
  let summary = "gradient of max_pool2d: each window's gradient to its first maximum";
  let description = [{
    ```mlir
    %dx = simclr.max_pool2d_backward %dy, %x kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1]
            : tensor<8x64x56x56xf32>, tensor<8x64x112x112xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$grad_output, Simclr_FloatTensor:$input,
                       DenseI64ArrayAttr:$kernel, DenseI64ArrayAttr:$stride,
                       DenseI64ArrayAttr:$padding, UnitAttr:$channels_last);
  let results = (outs Simclr_FloatTensor:$grad_input);
  let assemblyFormat = [{
    $grad_output `,` $input `kernel` $kernel `stride` $stride `padding` $padding attr-dict
    `:` type($grad_output) `,` type($input)
  }];
}

def Simclr_AvgPool2DBackwardOp : Simclr_Op<"avg_pool2d_backward", [Pure]> {
  let summary = "gradient of avg_pool2d: each window's gradient spread over its inputs";
  let description = [{
    Divided by the same count as the forward op (the window size with
    `count_include_pad`, else the in-bounds positions). The result type is the forward
    input's.

    ```mlir
    %dx = simclr.avg_pool2d_backward %dy kernel [2, 2] stride [2, 2] padding [0, 0, 1, 1] {count_include_pad}
            : tensor<8x256x28x28xf32> -> tensor<8x256x56x56xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$grad_output, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                       UnitAttr:$count_include_pad, UnitAttr:$channels_last);
  let results = (outs Simclr_FloatTensor:$grad_input);
  let assemblyFormat = [{
    $grad_output `kernel` $kernel `stride` $stride `padding` $padding attr-dict `:`
    type($grad_output) `->` type($grad_input)
  }];
  let hasVerifier = 1;
}

def Simclr_SoftmaxBackwardOp : Simclr_InferredOp<"softmax_backward",
    [AllTypesMatch<["grad_output", "output"]>]> {
  let summary = "gradient of softmax: y * (dy - sum(dy * y)) along the axis";
  let description = [{
    ```mlir
    %dx = simclr.softmax_backward %dy, %y axis 1 : tensor<8x2x64xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$grad_output, Simclr_FloatTensor:$output,
                       I64Attr:$axis);
  let results = (outs Simclr_FloatTensor:$grad_input);
  let assemblyFormat = "$grad_output `,` $output `axis` $axis attr-dict `:` type($output)";
}

def Simclr_L2NormalizeBackwardOp : Simclr_InferredOp<"l2_normalize_backward",
    [AllTypesMatch<["grad_output", "input"]>]> {
  let summary = "gradient of l2_normalize";
  let description = [{
    With `s = sum(x^2)` along the axis: where `s > epsilon`,
    `dx = (dy - y * sum(dy * y)) / sqrt(s)`; where the norm is clamped, `dx = dy / sqrt(epsilon)`.

    ```mlir
    %dx = simclr.l2_normalize_backward %dy, %x axis 1 : tensor<8x128xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$grad_output, Simclr_FloatTensor:$input,
                       I64Attr:$axis, DefaultValuedAttr<F32Attr, "1.0e-12">:$epsilon);
  let results = (outs Simclr_FloatTensor:$grad_input);
  let assemblyFormat = "$grad_output `,` $input `axis` $axis attr-dict `:` type($input)";
}

def Simclr_SliceBackwardOp : Simclr_Op<"slice_backward", [Pure]> {
  let summary = "gradient of slice: dy placed back in a zero tensor of the input's shape";
  let description = [{
    ```mlir
    %dx = simclr.slice_backward %dy offsets [0, 0] : tensor<4x128xf32> -> tensor<8x128xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$grad_output, DenseI64ArrayAttr:$offsets,
                       OptionalAttr<DenseI64ArrayAttr>:$strides);
  let results = (outs Simclr_FloatTensor:$grad_input);
  let assemblyFormat = [{
    $grad_output `offsets` $offsets (`strides` $strides^)? attr-dict `:`
    type($grad_output) `->` type($grad_input)
  }];
  let hasVerifier = 1;
}

def Simclr_ReduceMaxBackwardOp : Simclr_InferredOp<"reduce_max_backward"> {
  let summary = "gradient of reduce_max: to the first maximum of each reduced group";
  let description = [{
    ```mlir
    %dx = simclr.reduce_max_backward %dy, %x axes [1] : tensor<8xf32>, tensor<8x10xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$grad_output, Simclr_FloatTensor:$input,
                       DenseI64ArrayAttr:$axes, UnitAttr:$keep_dims);
  let results = (outs Simclr_FloatTensor:$grad_input);
  let assemblyFormat = [{
    $grad_output `,` $input `axes` $axes attr-dict `:` type($grad_output) `,` type($input)
  }];
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

def Simclr_NtXentLossBackwardOp
    : Simclr_InferredOp<"nt_xent_loss_backward", [AttrSizedOperandSegments]> {
  let summary = "gradient of nt_xent_loss with respect to the embeddings";
  let description = [{
    `grad_loss` is the gradient of the loss result (a scalar); the accuracy result has
    none. `rows of replica` and `negatives` as in nt_xent_loss: the gradient of replica
    `r`'s loss, which reaches every row of the embeddings (the negatives get none).

    ```mlir
    %dz = simclr.nt_xent_loss_backward %z, %dl temperature 1.000000e-01 : tensor<8x128xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$embeddings, Simclr_F32Scalar:$grad_loss,
                       Optional<Simclr_FloatTensor>:$negatives,
                       Optional<Simclr_I32Scalar>:$replica, F32Attr:$temperature,
                       OptionalAttr<I64Attr>:$replicas);
  let results = (outs Simclr_FloatTensor:$grad_embeddings);
  let assemblyFormat = [{
    $embeddings `,` $grad_loss (`negatives` $negatives^ `:` type($negatives))?
    (`rows` `of` `replica` $replica^ `among` $replicas)?
    `temperature` $temperature attr-dict `:` type($embeddings)
  }];
}

def Simclr_SoftmaxCrossEntropyBackwardOp
    : Simclr_InferredOp<"softmax_cross_entropy_backward"> {
  let summary = "gradient of softmax_cross_entropy: (softmax - target) * grad_loss / N";
  let description = [{
    `N` is the number of labelled rows (a negative class index marks an unlabelled row,
    whose gradient is 0), as in the forward op.

    ```mlir
    %dl = simclr.softmax_cross_entropy_backward %logits, %labels, %g : tensor<8x10xf32>, tensor<8xi32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$logits,
                       AnyTypeOf<[Simclr_LabelTensor, Simclr_FloatTensor]>:$labels,
                       Simclr_F32Scalar:$grad_loss);
  let results = (outs Simclr_FloatTensor:$grad_logits);
  let assemblyFormat = [{
    $logits `,` $labels `,` $grad_loss attr-dict `:` type($logits) `,` type($labels)
  }];
}

def Simclr_DistillationLossBackwardOp : Simclr_InferredOp<"distillation_loss_backward",
    [AllTypesMatch<["student_logits", "teacher_logits"]>]> {
  let summary = "gradient of distillation_loss with respect to the student's logits";
  let description = [{
    `(softmax(student / t) - softmax(teacher / t)) * grad_loss / (t * N)`; the teacher gets
    none.

    ```mlir
    %ds = simclr.distillation_loss_backward %s, %t, %g temperature 1.000000e+00 : tensor<8x10xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$student_logits,
                       Simclr_FloatTensor:$teacher_logits, Simclr_F32Scalar:$grad_loss,
                       F32Attr:$temperature);
  let results = (outs Simclr_FloatTensor:$grad_student_logits);
  let assemblyFormat = [{
    $student_logits `,` $teacher_logits `,` $grad_loss `temperature` $temperature attr-dict
    `:` type($student_logits)
  }];
}

#endif // SIMCLR_GRADIENT_OPS_TD
