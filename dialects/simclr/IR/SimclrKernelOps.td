//===- SimclrKernelOps.td - fused kernels -----------------------*- tablegen -*-===//
//
// The fusion pass groups the elementwise and reduction work between library calls
// (convolutions, matrix products) into `simclr.kernel` regions: each is one generated
// kernel, whose intermediates never reach memory.
//
//===----------------------------------------------------------------------===//

#ifndef SIMCLR_KERNEL_OPS_TD
#define SIMCLR_KERNEL_OPS_TD

include "SimclrBase.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

def Simclr_KernelOp : Simclr_Op<"kernel", [IsolatedFromAbove, RecursiveMemoryEffects,
    RecursivelySpeculatable, SingleBlockImplicitTerminator<"YieldOp">]> {
  let summary = "a fused kernel: a group of ops run as one";
  let description = [{
    The body's block arguments are the kernel's inputs, in order; `simclr.yield` gives its
    outputs. Only the outputs are materialised; every other value of the body stays in
    registers or on-chip memory. The body holds pure compute ops only (no loads, stores or
    library calls), so the kernel is pure too.

    ```mlir
    %r = simclr.kernel (%x, %g, %b) : (tensor<8x64x56x56xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<8x64x56x56xf32> {
    ^bb0(%x0: tensor<8x64x56x56xf32>, %g0: tensor<64xf32>, %b0: tensor<64xf32>):
      %y = simclr.batch_norm_infer %x0 scale %g0 offset %b0 stats %g0, %g0 : ...
      %z = simclr.relu %y : tensor<8x64x56x56xf32>
      simclr.yield %z : tensor<8x64x56x56xf32>
    }
    ```
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs);
  let results = (outs Variadic<AnyRankedTensor>:$outputs);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `(` $inputs `)` attr-dict `:` functional-type($inputs, results) $body
  }];
  let hasVerifier = 1;
}

def Simclr_YieldOp : Simclr_Op<"yield", [Pure, Terminator, ReturnLike,
    HasParent<"KernelOp">]> {
  let summary = "the outputs of a kernel";
  let arguments = (ins Variadic<AnyRankedTensor>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
  let builders = [OpBuilder<(ins), [{ /* yields nothing */ }]>];
}

#endif // SIMCLR_KERNEL_OPS_TD
