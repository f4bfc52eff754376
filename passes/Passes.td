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

def Optimizer : Pass<"simclr-optimizer", "::mlir::ModuleOp"> {
  let summary = "Turns a differentiated step into one that updates its parameters";
  let description = [{
    Runs after `simclr-autodiff` on every function that carries `simclr.gradients` and
    `simclr.optimizer`. It appends three `tensor<f32>` arguments, `step`, `warmup_steps`
    and `total_steps`, computes the learning rate with `simclr.learning_rate` (peak = the
    base rate scaled for the batch: `lr * B / 256` for linear scaling, `lr * sqrt(B)` for
    square-root scaling), and for every gradient applies `simclr.lars_update` or
    `simclr.momentum_update` to the parameter and a velocity `simclr.state` named
    `velocity.<parameter>`, storing both back. Parameters of rank 1 (batch-norm scales and
    offsets, biases) are excluded from weight decay and from LARS's trust ratio; the other
    parameters of the `classifier` group from the trust ratio only, as the reference. The
    gradient results are replaced by the learning rate: the step returns
    `(loss, accuracy, learning_rate)`.

    ```mlir
    // after simclr-autodiff:
    func.func @train_step(%x: ...) -> (tensor<f32>, tensor<f32>, tensor<64x3x3x3xf32>)
        attributes {simclr.gradients = [@conv1.weight], simclr.optimizer = {...}}
    // after simclr-optimizer:
    func.func @train_step(%x: ..., %step: tensor<f32>, %warmup: tensor<f32>, %total: tensor<f32>)
        -> (tensor<f32>, tensor<f32>, tensor<f32>) {
      ...
      %lr = simclr.learning_rate %step, %warmup, %total peak 3.000000e-01
      %v = simclr.load @velocity.conv1.weight : tensor<64x3x3x3xf32>
      %w2, %v2 = simclr.lars_update %w, %dw, %v, %lr {...} : tensor<64x3x3x3xf32>
      simclr.store %w2, @conv1.weight : tensor<64x3x3x3xf32>
      simclr.store %v2, @velocity.conv1.weight : tensor<64x3x3x3xf32>
      return %loss, %acc, %lr : tensor<f32>, tensor<f32>, tensor<f32>
    }
    ```
  }];
  let dependentDialects = ["::mlir::simclr::SimclrDialect"];
}

def GatherNegatives : Pass<"simclr-gather-negatives", "::mlir::ModuleOp"> {
  let summary = "Takes a data-parallel step's contrastive negatives from every replica";
  let description = [{
    On a module for several replicas (`simclr.replicas`; one replica changes nothing),
    before `simclr-autodiff`: every `nt_xent_loss` takes its negatives from the global
    batch. Its embeddings, view a's rows then view b's, are split into the two views, each
    view's rows all-gathered from every replica (in rank order) and the two concatenated
    again: the embeddings of one replica with the whole batch. The loss scores this
    replica's rows of them (`rows of replica`, the index from `replica_id`) against every
    column, so the mean of the replicas' losses is the global one. Differentiation then
    sends the gradient back through all_gather's rule, a reduce-scatter
    (docs/DISTRIBUTED.md).

    ```mlir
    %a, %b = simclr.split %z axis 0 sizes [4, 4] : ...
    %ga = simclr.all_gather %a {replicas = 2 : i64} : tensor<4x16xf32> -> tensor<8x16xf32>
    %gb = simclr.all_gather %b {replicas = 2 : i64} : tensor<4x16xf32> -> tensor<8x16xf32>
    %g = simclr.concat %ga, %gb axis 0 : ... -> tensor<16x16xf32>
    %r = simclr.replica_id {replicas = 2 : i64}
    %loss, %acc = simclr.nt_xent_loss %g rows of replica %r among 2
        temperature 1.000000e-01 : tensor<16x16xf32>
    ```
  }];
  let dependentDialects = ["::mlir::simclr::SimclrDialect"];
}

def CrossReplicaBatchNorm : Pass<"simclr-cross-replica-batch-norm", "::mlir::ModuleOp"> {
  let summary = "Takes a data-parallel step's batch statistics over every replica";
  let description = [{
    On a module for several replicas (`simclr.replicas`; one replica changes nothing),
    after `simclr-autodiff`: every `batch_norm_train` with `cross_replica` (the
    description's `batch_norm.global`, true by default as in the recipe) normalises with
    the statistics of the global batch, in two passes as the one-replica kernels take
    them: the per-channel sums all-reduced give the mean, then the per-channel sums of
    squared deviations from it all-reduced give the biased variance; the normalisation is
    `batch_norm_infer` on those, and the running statistics are updated from them, the
    variance unbiased with the global count. Its `batch_norm_train_backward` all-reduces the
    two sums the input's gradient needs (of dy and of dy * xhat) together, in one
    all-reduce of their concatenation; the scale's and the
    offset's gradients stay the replica's own sums, which the gradient all-reduce then
    averages (docs/DISTRIBUTED.md).
  }];
  let dependentDialects = ["::mlir::simclr::SimclrDialect", "::mlir::arith::ArithDialect"];
}

def GradientAllReduce : Pass<"simclr-gradient-all-reduce", "::mlir::ModuleOp"> {
  let summary = "Averages a data-parallel step's gradients over the replicas, in buckets";
  let description = [{
    On a module for several replicas (`simclr.replicas`; one replica changes nothing),
    after `simclr-optimizer`: every update's gradient becomes its mean over the replicas
    before the update reads it, so LARS takes its norms on the reduced gradients. The
    gradients go in buckets of at most `bucket-bytes` (default 25 MiB; a larger gradient is
    a bucket of its own), filled in the reverse order of the updates, which is the order
    the backward makes them in; a bucket is one `simclr.all_reduce` (mean) of its
    gradients flattened and concatenated, placed right after its last gradient is made,
    and split back where the first of its updates needs it, so that its communication
    can overlap the rest of the backward (docs/DISTRIBUTED.md).

    ```mlir
    %dw = simclr.conv2d_backward_filter ...
    %f = simclr.reshape %dw : tensor<8x3x3x3xf32> -> tensor<216xf32>
    %c = simclr.concat %f, %g axis 0 : tensor<216xf32>, tensor<8xf32> -> tensor<224xf32>
    %m = simclr.all_reduce %c {kind = "mean", replicas = 2 : i64} : tensor<224xf32> -> tensor<224xf32>
    %p:2 = simclr.split %m axis 0 sizes [216, 8] : ...
    %w2, %v2 = simclr.lars_update %w, %dw_mean, %v, %lr ...
    ```
  }];
  let dependentDialects = ["::mlir::simclr::SimclrDialect"];
  let options = [
    Option<"bucketBytes", "bucket-bytes", "int64_t", /*default=*/"26214400",
           "The most bytes of gradients one all-reduce carries">
  ];
}

def MixedPrecision : Pass<"simclr-mixed-precision", "::mlir::ModuleOp"> {
  let summary = "Runs a step's convolutions and matrix products in bf16";
  let description = [{
    With precision `bf16` (the option, else the module's `simclr.precision`; `f32`, the
    default, changes nothing), every library call of every function (`conv2d`, its input and
    filter gradients, `dense`, `matmul`) takes bf16 operands and gives a bf16 result, which
    the library accumulates in f32. `simclr.convert` ops put each f32 operand into bf16 (one
    conversion per value, placed where the value is defined, so that a forward activation
    saved for the filter gradient is kept in bf16) and each result back into f32 for the
    ops that read it; a library call that reads another's result takes the bf16 value
    directly. Everything else stays f32: batch norm and its statistics, activations between
    element-wise ops, softmax and the losses, the learning rate, LARS and the parameters
    (f32 master weights). Runs after `simclr-optimizer`; the conversions fuse into the
    kernels beside the library calls.

    ```mlir
    // before
    %w = simclr.load @conv1.weight : tensor<8x3x3x3xf32>
    %y = simclr.conv2d %x, %w ... : tensor<4x3x8x8xf32>, tensor<8x3x3x3xf32> -> tensor<4x8x8x8xf32>
    // after
    %w = simclr.load @conv1.weight : tensor<8x3x3x3xf32>
    %wb = simclr.convert %w : tensor<8x3x3x3xf32> -> tensor<8x3x3x3xbf16>
    %yb = simclr.conv2d %xb, %wb ... : tensor<4x3x8x8xbf16>, tensor<8x3x3x3xbf16> -> tensor<4x8x8x8xbf16>
    %y = simclr.convert %yb : tensor<4x8x8x8xbf16> -> tensor<4x8x8x8xf32>
    ```
  }];
  let dependentDialects = ["::mlir::simclr::SimclrDialect"];
  let options = [
    Option<"precision", "precision", "std::string", /*default=*/"\"\"",
           "f32 or bf16 (default: the module's simclr.precision, else f32)">
  ];
}

def ChannelsLast : Pass<"simclr-channels-last", "::mlir::ModuleOp"> {
  let summary = "Stores a step's rank-4 activations channels last (NHWC)";
  let description = [{
    With layout `nhwc` (the option, else the module's `simclr.layout`; `nchw`, the default,
    changes nothing), every rank-4 value that a function computes is stored `NHWC`:
    convolutions and their gradients (with `OHWI` filters), batch norm and its gradients,
    and pooling get `channels_last`; element-wise ops, broadcasts and reductions take the
    permuted shapes; `global_avg_pool` becomes a `reduce_mean` over dimensions 1 and 2. A
    reshape to or from a rank-4 value whose height and width are 1 keeps its meaning (both
    layouts hold such a value in the same order). Values that come from outside stay
    `NCHW` and go through one `simclr.transpose` where they are read: the image batch,
    each filter (`OIHW` -> `OHWI`); so do values that leave (a filter's gradient back into
    `OIHW` for the optimizer) and the operands of any other op. Parameters, checkpoints and
    the module's arguments therefore keep their layout. Runs after
    `simclr-mixed-precision`; `simclrc` chooses `nhwc` for the CUDA target in bf16, where
    cuDNN's tensor-core convolutions read and write `NHWC` without transposing.

    ```mlir
    // before
    %y = simclr.conv2d %x, %w stride [1, 1] padding [1, 1, 1, 1]
           : tensor<4x3x8x8xf32>, tensor<8x3x3x3xf32> -> tensor<4x8x8x8xf32>
    %r = simclr.relu %y : tensor<4x8x8x8xf32>
    // after
    %xt = simclr.transpose %x permutation [0, 2, 3, 1] : tensor<4x3x8x8xf32> -> tensor<4x8x8x3xf32>
    %wt = simclr.transpose %w permutation [0, 2, 3, 1] : tensor<8x3x3x3xf32> -> tensor<8x3x3x3xf32>
    %y = simclr.conv2d %xt, %wt stride [1, 1] padding [1, 1, 1, 1] {channels_last}
           : tensor<4x8x8x3xf32>, tensor<8x3x3x3xf32> -> tensor<4x8x8x8xf32>
    %r = simclr.relu %y : tensor<4x8x8x8xf32>
    ```
  }];
  let dependentDialects = ["::mlir::simclr::SimclrDialect"];
  let options = [
    Option<"layout", "layout", "std::string", /*default=*/"\"\"",
           "nchw or nhwc (default: the module's simclr.layout, else nchw)">
  ];
}

def FuseKernels : Pass<"simclr-fuse-kernels", "::mlir::ModuleOp"> {
  let summary = "Groups the work between library calls into fused kernels";
  let description = [{
    Convolutions and matrix products (`conv2d`, its gradients, `dense`, `matmul`) are
    library calls (oneDNN, cuDNN, cuBLAS). Everything else that computes (batch norm and
    its gradient, ReLU, residual adds, pooling, softmax, normalisation, the losses and
    their gradients, the optimizer updates) is grouped: each maximal run of such ops
    between two library calls becomes one `simclr.kernel`. Loads and constants inside a
    run move before the kernel and stores after it; a load that reads a symbol stored
    earlier in the run ends the run instead. Every function of the module is fused: the
    training step and the evaluation entry points (`embed`, `predict`).

    ```mlir
    %c = simclr.conv2d %x, %w ...
    %y, %m, %v = simclr.batch_norm_train %c ...
    %r = simclr.relu %y ...
    %s = simclr.add %r, %x ...
    ```

    becomes

    ```mlir
    %c = simclr.conv2d %x, %w ...
    %k:3 = simclr.kernel (%c, ..., %x) : (...) -> (...) {
      ... batch_norm_train, relu, add ...
      simclr.yield ...
    }
    ```
  }];
  let dependentDialects = ["::mlir::simclr::SimclrDialect"];
}

def PlanMemory : Pass<"simclr-plan-memory", "::mlir::ModuleOp"> {
  let summary = "Assigns every intermediate tensor of a step an offset in one arena";
  let description = [{
    For every function (the training step, `embed`, `predict`): each tensor produced by a top-level op
    (kernel outputs, library-call results; not loads, which read parameter storage, nor
    constants) is live from its definition to its last use, and gets a byte offset in a
    single arena, reusing the space of tensors that are dead by then (greedy first fit,
    largest first). Offsets are recorded on each op as `simclr.offsets` (one per result,
    -1 for a result that needs no buffer), the arena size on the function as
    `simclr.arena_bytes`.
  }];
  let dependentDialects = ["::mlir::simclr::SimclrDialect"];
}

#endif // SIMCLR_PASSES_TD
