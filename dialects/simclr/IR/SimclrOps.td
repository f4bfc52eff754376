//===- SimclrOps.td - simclr dialect ops ---------------------*- tablegen -*-===//
//
// Every op a SimCLRv2 network and its training step need: convolution, batch norm,
// activations, pooling, dense layers, tensor plumbing, losses, and the ops that declare and
// access parameters and model state.
//
//===----------------------------------------------------------------------===//

#ifndef SIMCLR_OPS_TD
#define SIMCLR_OPS_TD

include "SimclrBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Parameters and model state
//===----------------------------------------------------------------------===//

def Simclr_ParameterOp : Simclr_Op<"parameter", [Symbol]> {
  let summary = "declares a trainable parameter of the model";
  let description = [{
    A module-level declaration of one trainable tensor. The symbol name is the parameter's
    name in checkpoints, following torchvision's ResNet naming (`conv1.weight`,
    `layer1.0.bn1.bias`, ...). `group` says which part of the model it belongs to:
    `backbone`, `head` (projection head), `classifier`, or the same three prefixed with
    `teacher.` for the fixed teacher of distillation. `init` names the initializer:
    `zeros`, `ones`, `variance_scaling` (truncated normal, fan-in, scale 1, as TensorFlow's
    default) or `normal` (with `init_std`). `frozen` marks a parameter that the step does
    not update (a teacher, or the backbone under linear evaluation).

    ```mlir
    simclr.parameter @"conv1.weight" : tensor<64x3x7x7xf32> {group = "backbone", init = "variance_scaling"}
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<Simclr_FloatTensor>:$type,
                       StrAttr:$group,
                       StrAttr:$init,
                       OptionalAttr<F64Attr>:$init_std,
                       UnitAttr:$frozen);
  let assemblyFormat = "$sym_name `:` $type attr-dict";
  let hasVerifier = 1;
}

def Simclr_StateOp : Simclr_Op<"state", [Symbol]> {
  let summary = "declares non-trainable model state";
  let description = [{
    A module-level declaration of a tensor that the model carries between steps but does not
    train, such as batch-norm running statistics (`bn1.running_mean`, `bn1.running_var`) or
    an optimizer's velocities (`velocity.conv1.weight`). `init` is `zeros`, `ones`, or
    `copy:<parameter>` for a copy of a parameter of the same type, taken when that
    parameter gets its first value (the EMA weights of the memory network,
    `ema.conv1.weight`, start as the online network's).
    `group` says whose state it is: the part of the model its layer belongs to (`backbone`,
    `head`, `classifier`, `teacher.backbone`, ...), `optimizer` for an optimizer's, or
    nothing.

    ```mlir
    simclr.state @"bn1.running_var" : tensor<64xf32> {group = "backbone", init = "ones"}
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<Simclr_FloatTensor>:$type,
                       StrAttr:$init,
                       DefaultValuedStrAttr<StrAttr, "">:$group);
  let assemblyFormat = "$sym_name `:` $type attr-dict";
  let hasVerifier = 1;
}

def Simclr_LoadOp : Simclr_Op<"load", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>, MemoryEffects<[MemRead]>]> {
  let summary = "reads a parameter or a state tensor";
  let description = [{
    Reads the current value of a `simclr.parameter` or `simclr.state`. The result type must
    equal the declared type.

    ```mlir
    %w = simclr.load @"conv1.weight" : tensor<64x3x7x7xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name);
  let results = (outs Simclr_FloatTensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
}

def Simclr_StoreOp : Simclr_Op<"store", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>, MemoryEffects<[MemWrite]>]> {
  let summary = "writes a state tensor or a parameter";
  let description = [{
    Replaces the value of a `simclr.state` symbol (the updated batch-norm running statistics
    of a training step, an optimizer's velocity) or of a `simclr.parameter` that is not
    `frozen` (the optimizer's update).

    ```mlir
    simclr.store %new_mean, @"bn1.running_mean" : tensor<64xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$value, FlatSymbolRefAttr:$name);
  let assemblyFormat = "$value `,` $name attr-dict `:` type($value)";
}

//===----------------------------------------------------------------------===//
// Convolution and batch norm
//===----------------------------------------------------------------------===//

def Simclr_Conv2DOp : Simclr_DifferentiableOp<"conv2d"> {
  let summary = "2-D convolution (NCHW input, OIHW filter, no bias)";
  let description = [{
    `output[n, o, y, x] = sum_{c, i, j} input[n, g*C/G + c, y*sy + i*dy - top, x*sx + j*dx - left]
    * filter[o, c, i, j]` where `g = o / (O/G)` is the group of output channel `o` and
    out-of-range input positions read as zero. Output size per spatial dimension:
    `(size + pad_before + pad_after - dilation*(k-1) - 1) / stride + 1`.

    ```mlir
    %y = simclr.conv2d %x, %w stride [2, 2] padding [3, 3, 3, 3]
           : tensor<8x3x224x224xf32>, tensor<64x3x7x7xf32> -> tensor<8x64x112x112xf32>
    ```

    With `channels_last` the input and output are `NHWC` and the filter `OHWI` (the same
    sum; `simclr-channels-last` chooses it where the target's library wants it).
  }];
  let arguments = (ins Simclr_FloatTensor:$input, Simclr_FloatTensor:$filter,
                       DenseI64ArrayAttr:$stride,
                       DenseI64ArrayAttr:$padding,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilation,
                       DefaultValuedAttr<I64Attr, "1">:$groups,
                       UnitAttr:$channels_last);
  let results = (outs Simclr_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $filter `stride` $stride `padding` $padding attr-dict `:`
    type($input) `,` type($filter) `->` type($output)
  }];
}

def Simclr_BatchNormTrainOp : Simclr_DifferentiableOp<"batch_norm_train"> {
  let summary = "batch normalisation with batch statistics (training form)";
  let description = [{
    Normalises over every dimension but the channel dimension 1 (inputs of rank 4, `NCHW`,
    or rank 2, `NC`) with the batch mean and biased batch variance, then scales by `scale`
    (gamma) and shifts by `offset` (beta, optional: the last projection-head layer has
    none). Also returns the updated running statistics:
    `running = momentum * running + (1 - momentum) * batch`, where the running variance is
    updated with the unbiased batch variance. `momentum` is TensorFlow's "decay" (0.9 in
    SimCLRv2; PyTorch's momentum 0.1 is the same setting). With `cross_replica`, the batch
    statistics are taken over the global batch of all replicas. With `channels_last` a
    rank-4 input is `NHWC` (channels last).

    ```mlir
    %y, %mean, %var = simclr.batch_norm_train %x scale %g offset %b running %rm, %rv
        {momentum = 0.9 : f32} : tensor<8x64x56x56xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$input, Simclr_FloatTensor:$scale,
                       Optional<Simclr_FloatTensor>:$offset,
                       Simclr_FloatTensor:$running_mean, Simclr_FloatTensor:$running_var,
                       DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon,
                       DefaultValuedAttr<F32Attr, "0.9">:$momentum,
                       UnitAttr:$cross_replica, UnitAttr:$channels_last);
  let results = (outs Simclr_FloatTensor:$output, Simclr_FloatTensor:$new_running_mean,
                      Simclr_FloatTensor:$new_running_var);
  let assemblyFormat = [{
    $input `scale` $scale (`offset` $offset^)? `running` $running_mean `,` $running_var
    attr-dict `:` type(operands)
  }];
}

def Simclr_BatchNormInferOp : Simclr_DifferentiableOp<"batch_norm_infer"> {
  let summary = "batch normalisation with running statistics (inference form)";
  let description = [{
    `output = (input - mean) / sqrt(var + epsilon) * scale + offset`, per channel
    (dimension 1; the last with `channels_last`), with the given statistics; `offset` is
    optional.

    ```mlir
    %y = simclr.batch_norm_infer %x scale %g offset %b stats %m, %v
        : tensor<8x64x56x56xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$input, Simclr_FloatTensor:$scale,
                       Optional<Simclr_FloatTensor>:$offset,
                       Simclr_FloatTensor:$mean, Simclr_FloatTensor:$variance,
                       DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon,
                       UnitAttr:$channels_last);
  let results = (outs Simclr_FloatTensor:$output);
  let assemblyFormat = [{
    $input `scale` $scale (`offset` $offset^)? `stats` $mean `,` $variance
    attr-dict `:` type(operands)
  }];
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

def Simclr_ReluOp : Simclr_DifferentiableOp<"relu"> {
  let summary = "rectified linear unit, max(x, 0)";
  let description = [{
    ```mlir
    %y = simclr.relu %x : tensor<8x64x56x56xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$input);
  let results = (outs Simclr_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

class Simclr_BroadcastBinaryOp<string mnemonic, string op, list<Trait> traits = []>
    : Simclr_DifferentiableOp<mnemonic, !listconcat([Commutative], traits)> {
  let summary = "elementwise " # op # " with NumPy broadcasting";
  let description = [{
    Operands of equal rank broadcast where one of them has extent 1 (for example the
    `[N, C, 1, 1]` mixing weights of a selective-kernel block against `[N, C, H, W]`
    features); the result has the broadcast shape and the common element type.

    ```mlir
    %y = simclr.}] # mnemonic # [{ %a, %b : tensor<8x64x56x56xf32>, tensor<8x64x1x1xf32> -> tensor<8x64x56x56xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$lhs, Simclr_FloatTensor:$rhs);
  let results = (outs Simclr_FloatTensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($output)
  }];
}

def Simclr_AddOp : Simclr_BroadcastBinaryOp<"add", "addition">;
def Simclr_MulOp : Simclr_BroadcastBinaryOp<"mul", "multiplication">;

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

class Simclr_Pool2DOp<string mnemonic, string what> : Simclr_DifferentiableOp<mnemonic> {
  let summary = "2-D " # what # " pooling over NCHW (NHWC with channels_last) windows";
  let results = (outs Simclr_FloatTensor:$output);
  let assemblyFormat = [{
    $input `kernel` $kernel `stride` $stride `padding` $padding attr-dict `:`
    type($input) `->` type($output)
  }];
}

def Simclr_MaxPool2DOp : Simclr_Pool2DOp<"max_pool2d", "max"> {
  let description = [{
    Maximum over each `kernel` window; padded positions never win.

    ```mlir
    %y = simclr.max_pool2d %x kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1]
           : tensor<8x64x112x112xf32> -> tensor<8x64x56x56xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$input, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                       UnitAttr:$channels_last);
}

def Simclr_AvgPool2DOp : Simclr_Pool2DOp<"avg_pool2d", "average"> {
  let description = [{
    Mean over each `kernel` window. With `count_include_pad` the divisor is the window size
    (padding counts as zeros, as after an explicit pad); without it, only the in-bounds
    positions count (TensorFlow's `SAME` pooling). The ResNet-D projection shortcut uses a
    2x2 window with padding `[0, 0, 1, 1]`.

    ```mlir
    %y = simclr.avg_pool2d %x kernel [2, 2] stride [2, 2] padding [0, 0, 1, 1] {count_include_pad}
           : tensor<8x256x56x56xf32> -> tensor<8x256x28x28xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$input, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                       UnitAttr:$count_include_pad, UnitAttr:$channels_last);
}

def Simclr_GlobalAvgPoolOp : Simclr_DifferentiableOp<"global_avg_pool"> {
  let summary = "mean over the spatial dimensions";
  let description = [{
    `[N, C, H, W] -> [N, C]`, or `[N, C, 1, 1]` with `keep_dims` (the selective-kernel
    block keeps them to feed a 1x1 convolution).

    ```mlir
    %h = simclr.global_avg_pool %x : tensor<8x2048x7x7xf32> -> tensor<8x2048xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$input, UnitAttr:$keep_dims);
  let results = (outs Simclr_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

//===----------------------------------------------------------------------===//
// Dense
//===----------------------------------------------------------------------===//

def Simclr_DenseOp : Simclr_DifferentiableOp<"dense"> {
  let summary = "fully connected layer: input x weight^T (+ bias)";
  let description = [{
    `output[n, m] = sum_k input[n, k] * weight[m, k] (+ bias[m])`. The weight is
    `[out_features, in_features]`, as in PyTorch's `Linear`. Projection-head layers have no
    bias (a batch norm follows); the classifier has one.

    ```mlir
    %y = simclr.dense %h, %w, %b : tensor<8x2048xf32>, tensor<1000x2048xf32>, tensor<1000xf32> -> tensor<8x1000xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$input, Simclr_FloatTensor:$weight,
                       Optional<Simclr_FloatTensor>:$bias);
  let results = (outs Simclr_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` type(operands) `->` type($output)
  }];
}

//===----------------------------------------------------------------------===//
// Tensor plumbing
//===----------------------------------------------------------------------===//

def Simclr_ConcatOp : Simclr_DifferentiableOp<"concat"> {
  let summary = "joins tensors along one axis";
  let description = [{
    All inputs share rank, element type and every extent but `axis`. Pretraining joins the
    two augmented views of a batch along axis 0.

    ```mlir
    %v = simclr.concat %a, %b axis 0 : tensor<4x3x32x32xf32>, tensor<4x3x32x32xf32> -> tensor<8x3x32x32xf32>
    ```
  }];
  let arguments = (ins Variadic<Simclr_FloatTensor>:$inputs, I64Attr:$axis);
  let results = (outs Simclr_FloatTensor:$output);
  let assemblyFormat = [{
    $inputs `axis` $axis attr-dict `:` type($inputs) `->` type($output)
  }];
}

def Simclr_SplitOp : Simclr_DifferentiableOp<"split"> {
  let summary = "cuts a tensor into consecutive pieces along one axis";
  let description = [{
    One result per entry of `sizes`, which must add up to the extent of `axis`. The
    selective-kernel block splits its 2F-channel convolution into two F-channel streams.

    ```mlir
    %a, %b = simclr.split %x axis 1 sizes [64, 64] : tensor<8x128x56x56xf32> -> tensor<8x64x56x56xf32>, tensor<8x64x56x56xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$input, I64Attr:$axis, DenseI64ArrayAttr:$sizes);
  let results = (outs Variadic<Simclr_FloatTensor>:$outputs);
  let assemblyFormat = [{
    $input `axis` $axis `sizes` $sizes attr-dict `:` type($input) `->` type($outputs)
  }];
}

def Simclr_SliceOp : Simclr_DifferentiableOp<"slice"> {
  let summary = "a strided box of a tensor";
  let description = [{
    `output[i...] = input[offsets + i * strides ...]` with the result extents `sizes`.
    `strides` defaults to all ones.

    ```mlir
    %y = simclr.slice %x offsets [0, 0] sizes [4, 128] : tensor<8x128xf32> -> tensor<4x128xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$input, DenseI64ArrayAttr:$offsets,
                       DenseI64ArrayAttr:$sizes, OptionalAttr<DenseI64ArrayAttr>:$strides);
  let results = (outs Simclr_FloatTensor:$output);
  let assemblyFormat = [{
    $input `offsets` $offsets `sizes` $sizes (`strides` $strides^)? attr-dict `:`
    type($input) `->` type($output)
  }];
}

def Simclr_ConvertOp : Simclr_Op<"convert", [Pure,
    DeclareOpInterfaceMethods<Simclr_GradientOpInterface>]> {
  let summary = "same shape, another floating-point element type";
  let description = [{
    Converts every element to the result's element type: to a narrower type with rounding to
    the nearest value, ties to even (NaN stays NaN); to a wider type exactly. The mixed-
    precision pass (`simclr-mixed-precision`) puts these around the library calls of a bf16
    step; they fuse into the kernels beside them.

    ```mlir
    %xb = simclr.convert %x : tensor<8x64x56x56xf32> -> tensor<8x64x56x56xbf16>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$input);
  let results = (outs Simclr_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Simclr_ReshapeOp : Simclr_Op<"reshape", [Pure,
    DeclareOpInterfaceMethods<Simclr_GradientOpInterface>]> {
  let summary = "same elements, new shape (row-major order)";
  let description = [{
    The result type gives the new shape; the element count and element type are unchanged.

    ```mlir
    %y = simclr.reshape %x : tensor<8x128x1x1xf32> -> tensor<8x2x64xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$input);
  let results = (outs Simclr_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Simclr_TransposeOp : Simclr_DifferentiableOp<"transpose"> {
  let summary = "permutes the dimensions";
  let description = [{
    Result dimension `d` is input dimension `permutation[d]`: the element of the result at
    index `j` is the input's at the index `i` with `i[permutation[d]] = j[d]`. `simclr-channels-last` puts
    these where a step's data changes layout (the image batch into `NHWC`, each filter into
    `OHWI` and its gradient back); a pair that cancels folds away, and one that moves only
    unit dimensions becomes a reshape.

    ```mlir
    %y = simclr.transpose %x permutation [0, 2, 3, 1]
           : tensor<8x3x32x32xf32> -> tensor<8x32x32x3xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs Simclr_FloatTensor:$output);
  let assemblyFormat = [{
    $input `permutation` $permutation attr-dict `:` type($input) `->` type($output)
  }];
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// Normalisation along an axis
//===----------------------------------------------------------------------===//

def Simclr_SoftmaxOp : Simclr_DifferentiableOp<"softmax"> {
  let summary = "softmax along one axis";
  let description = [{
    `exp(x - max) / sum(exp(x - max))` along `axis`. The selective-kernel block takes the
    softmax across its two streams.

    ```mlir
    %p = simclr.softmax %x axis 1 : tensor<8x2x64xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Simclr_FloatTensor:$output);
  let assemblyFormat = "$input `axis` $axis attr-dict `:` type($input)";
}

def Simclr_L2NormalizeOp : Simclr_DifferentiableOp<"l2_normalize"> {
  let summary = "divides by the L2 norm along one axis";
  let description = [{
    `x / sqrt(max(sum(x^2), epsilon))` along `axis` (TensorFlow's `l2_normalize`;
    `epsilon` defaults to 1e-12). NT-Xent normalises the projections this way.

    ```mlir
    %z = simclr.l2_normalize %p axis 1 : tensor<8x128xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<F32Attr, "1.0e-12">:$epsilon);
  let results = (outs Simclr_FloatTensor:$output);
  let assemblyFormat = "$input `axis` $axis attr-dict `:` type($input)";
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class Simclr_ReduceOp<string mnemonic, string what> : Simclr_DifferentiableOp<mnemonic> {
  let summary = what # " over a set of axes";
  let description = [{
    Reduces the listed `axes` (distinct, in range); they are dropped from the result, or
    kept with extent 1 under `keep_dims`.

    ```mlir
    %s = simclr.}] # mnemonic # [{ %x axes [2, 3] : tensor<8x64x56x56xf32> -> tensor<8x64xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$input, DenseI64ArrayAttr:$axes,
                       UnitAttr:$keep_dims);
  let results = (outs Simclr_FloatTensor:$output);
  let assemblyFormat = [{
    $input `axes` $axes attr-dict `:` type($input) `->` type($output)
  }];
}

def Simclr_ReduceSumOp : Simclr_ReduceOp<"reduce_sum", "sum">;
def Simclr_ReduceMeanOp : Simclr_ReduceOp<"reduce_mean", "mean">;
def Simclr_ReduceMaxOp : Simclr_ReduceOp<"reduce_max", "maximum">;

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

def Simclr_NtXentLossOp
    : Simclr_DifferentiableOp<"nt_xent_loss", [AttrSizedOperandSegments]> {
  let summary = "normalised-temperature cross entropy of SimCLR, with contrastive accuracy";
  let description = [{
    `embeddings` is `[2N, D]`: rows `[0, N)` are the (L2-normalised) projections of view a,
    rows `[N, 2N)` those of view b of the same N images, gathered over all replicas (the
    global batch). With `ab = a b^T / t`, `aa = a a^T / t - 1e9 I` (a view's similarity with
    itself masked out) and likewise `ba`, `bb`, the loss is the mean over the N images of
    `CE([ab, aa], i) + CE([ba, bb], i)`: the positive of view a of image i is view b of
    image i, and every other view in the batch is a negative. `accuracy` is the fraction of
    rows of `ab` whose argmax is the positive.

    With `rows of replica %r` (data-parallel training, docs/DISTRIBUTED.md), the batch's
    N images are `replicas` replicas' slices of `B = N / replicas` each, and only replica
    `r`'s images `[r B, (r + 1) B)` are scored: their 2B rows against all 2N columns, the
    positive of each at its image's other view (labels offset by rank). The loss and the
    accuracy are the means over those B images, so that their mean over the replicas is
    the whole batch's; the gradient still reaches every row of `embeddings` (as a column).

    With `negatives %q` (`[K, D]`, the memory of SimCLRv2 and MoCo, docs/MEMORY.md), each
    scored row's softmax also runs over `z_r . q_k / t` for every row `k` of `q` that is
    not all zeros (a queue's empty slot): the rows of `q` are extra negatives, never a
    positive, and carry no gradient (a queue is state). The accuracy is still that of the
    in-batch columns.

    ```mlir
    %loss, %acc = simclr.nt_xent_loss %z temperature 1.000000e-01 : tensor<8x128xf32>
    %l1, %a1 = simclr.nt_xent_loss %z negatives %q : tensor<64x128xf32>
        temperature 1.000000e-01 : tensor<8x128xf32>
    %id = simclr.replica_id {replicas = 2 : i64}
    %l2, %a2 = simclr.nt_xent_loss %z rows of replica %id among 2
        temperature 1.000000e-01 : tensor<8x128xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$embeddings, Optional<Simclr_FloatTensor>:$negatives,
                       Optional<Simclr_I32Scalar>:$replica, F32Attr:$temperature,
                       OptionalAttr<I64Attr>:$replicas);
  let results = (outs Simclr_ScalarF32:$loss, Simclr_ScalarF32:$accuracy);
  let assemblyFormat = [{
    $embeddings (`negatives` $negatives^ `:` type($negatives))?
    (`rows` `of` `replica` $replica^ `among` $replicas)?
    `temperature` $temperature attr-dict `:` type($embeddings)
  }];
}

def Simclr_SoftmaxCrossEntropyOp : Simclr_DifferentiableOp<"softmax_cross_entropy"> {
  let summary = "mean softmax cross entropy against labels, with top-1 accuracy";
  let description = [{
    `logits` is `[N, C]`. `labels` is either `[N]` class indices (`i32`/`i64`) or `[N, C]`
    target distributions (one-hot or soft) of the logits' element type. Returns the mean
    over the batch of `-sum_c target[n, c] * log_softmax(logits)[n, c]` and the fraction of
    rows whose argmax is the labelled class (the argmax of the target for distributions).
    A negative class index marks an unlabelled row (a batch of which only some images have
    labels, as in distillation with labels): both means are over the labelled rows only,
    as PyTorch's `ignore_index`, and both are 0 (with a zero gradient) when no row is
    labelled.

    ```mlir
    %loss, %acc = simclr.softmax_cross_entropy %logits, %labels : tensor<8x10xf32>, tensor<8xi32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$logits,
                       AnyTypeOf<[Simclr_LabelTensor, Simclr_FloatTensor]>:$labels);
  let results = (outs Simclr_ScalarF32:$loss, Simclr_ScalarF32:$accuracy);
  let assemblyFormat = "$logits `,` $labels attr-dict `:` type($logits) `,` type($labels)";
}

def Simclr_DistillationLossOp : Simclr_DifferentiableOp<"distillation_loss"> {
  let summary = "cross entropy of the student against the teacher's softened predictions";
  let description = [{
    With `P_T = softmax(teacher_logits / t)`, returns the batch mean of
    `-sum_y P_T(y) log softmax(student_logits / t)(y)`, and the fraction of rows where the
    student's argmax agrees with the teacher's. The teacher's logits carry no gradient.
    (The reference colab multiplies the loss by `t^2`; that scaling belongs to the step, not
    to this op.)

    ```mlir
    %loss, %agree = simclr.distillation_loss %student, %teacher temperature 1.000000e+00
        : tensor<8x10xf32>, tensor<8x10xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$student_logits,
                       Simclr_FloatTensor:$teacher_logits, F32Attr:$temperature);
  let results = (outs Simclr_ScalarF32:$loss, Simclr_ScalarF32:$accuracy);
  let assemblyFormat = [{
    $student_logits `,` $teacher_logits `temperature` $temperature attr-dict `:`
    type($student_logits) `,` type($teacher_logits)
  }];
}

include "SimclrGradientOps.td"
include "SimclrOptimizerOps.td"
include "SimclrKernelOps.td"
include "SimclrCollectiveOps.td"

#endif // SIMCLR_OPS_TD
