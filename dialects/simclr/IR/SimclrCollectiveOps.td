//===- SimclrCollectiveOps.td - collectives across replicas -*- tablegen -*-===//
//
// Data-parallel training (docs/DISTRIBUTED.md): every replica runs the same step on its
// slice of the global batch, and these ops combine values across the replicas. The
// replica count is part of each op (the shapes are static) and must equal the module's
// simclr.replicas. With one replica each op is the identity and folds away.
//
//===----------------------------------------------------------------------===//

#ifndef SIMCLR_COLLECTIVE_OPS_TD
#define SIMCLR_COLLECTIVE_OPS_TD

include "SimclrBase.td"

def Simclr_AllReduceOp : Simclr_DifferentiableOp<"all_reduce"> {
  let summary = "sum or mean of a value over every replica";
  let description = [{
    Every replica gets the element-wise sum (`kind = "sum"`) or mean (`"mean"`) of the
    `replicas` replicas' `input`. Its gradient is the same all-reduce of the gradient: the
    objective is the sum of the replicas' losses, and each replica's loss reads the result
    (docs/DISTRIBUTED.md).

    ```mlir
    %s = simclr.all_reduce %x {kind = "sum", replicas = 2 : i64} : tensor<64xf32> -> tensor<64xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$input, StrAttr:$kind, I64Attr:$replicas);
  let results = (outs Simclr_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
}

def Simclr_AllGatherOp : Simclr_DifferentiableOp<"all_gather"> {
  let summary = "every replica's value, concatenated along dimension 0 in rank order";
  let description = [{
    `[B, ...] -> [replicas * B, ...]`: rows `r * B` to `(r + 1) * B - 1` are replica `r`'s
    `input`. Its gradient is a `reduce_scatter` (sum) of the gradient: a replica's rows
    reach every replica's loss, so each replica's share is summed over all of them;
    keeping only the local slice of the gathered gradient would drop the others' terms.

    ```mlir
    %z = simclr.all_gather %x {replicas = 2 : i64} : tensor<8x128xf32> -> tensor<16x128xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$input, I64Attr:$replicas);
  let results = (outs Simclr_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
}

def Simclr_ReduceScatterOp : Simclr_DifferentiableOp<"reduce_scatter"> {
  let summary = "slice r of the sum over every replica, on replica r";
  let description = [{
    `[replicas * B, ...] -> [B, ...]`: replica `r` gets rows `r * B` to `(r + 1) * B - 1`
    of the element-wise sum of every replica's `input`. Its gradient is an `all_gather` of
    the gradient.

    ```mlir
    %g = simclr.reduce_scatter %dz {replicas = 2 : i64} : tensor<16x128xf32> -> tensor<8x128xf32>
    ```
  }];
  let arguments = (ins Simclr_FloatTensor:$input, I64Attr:$replicas);
  let results = (outs Simclr_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
}

def Simclr_ReplicaIdOp : Simclr_Op<"replica_id", [Pure]> {
  let summary = "this replica's index among the replicas, in [0, replicas)";
  let description = [{
    The rank of the process (or device) that runs the step: what makes one replica's step
    differ from another's when their code is the same (nt_xent_loss scores its replica's
    rows). The runtime writes it (docs/MODULE.md's `ReplicaId` instruction).

    ```mlir
    %r = simclr.replica_id {replicas = 2 : i64}
    ```
  }];
  let arguments = (ins I64Attr:$replicas);
  let results = (outs Simclr_I32Scalar:$id);
  let assemblyFormat = "attr-dict";
  let hasVerifier = 1;
}

#endif // SIMCLR_COLLECTIVE_OPS_TD
