//===- SimclrBase.td - simclr dialect definition ------------*- tablegen -*-===//
//
// The dialect, its type constraints and the base class every op derives from.
//
//===----------------------------------------------------------------------===//

#ifndef SIMCLR_BASE_TD
#define SIMCLR_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "SimclrInterfaces.td"

def Simclr_Dialect : Dialect {
  let name = "simclr";
  let cppNamespace = "::mlir::simclr";
  let summary = "Tensor-level ops for SimCLRv2 networks and their training steps.";
  let description = [{
    The `simclr` dialect describes a SimCLRv2 network (ResNet backbone, optional selective
    kernels, projection head, classifier) and one training step of a stage (contrastive
    pretraining, fine-tuning, distillation, linear evaluation) on ranked tensors.

    Conventions shared by all ops:

    * Images and feature maps are `NCHW`; convolution filters are `OIHW` (output channels,
      input channels per group, kernel height, kernel width), as in PyTorch.
    * Spatial padding is written `[top, left, bottom, right]`, so that asymmetric padding
      (TensorFlow's `SAME`, the ResNet-D shortcut) is expressible.
    * Compute ops are pure functions of their operands. Parameters and model state live in
      module-level `simclr.parameter` / `simclr.state` symbols and are read with
      `simclr.load` and written with `simclr.store`.
    * Floating-point tensors may be `f32`, `f16` or `bf16`; class labels are `i32` or `i64`.

    Discardable attributes owned by the dialect, checked on any op that carries them:

    * `simclr.stage`: one of `"pretrain"`, `"finetune"`, `"distill"`, `"linear_eval"`.
    * `simclr.optimizer`: a dictionary with `kind` (`"lars"` or `"momentum"`) and the
      numeric settings of the optimizer and learning-rate schedule.
    * `simclr.loss`: a dictionary of loss settings (`temperature`, ...).
    * `simclr.input`: a dictionary describing the input batch (`batch_size`, `channels`,
      `height`, `width`, `views`).
    * `simclr.augment`: a dictionary of the stage's augmentations (`crop_min_area`,
      `color_strength`, `flip`, `blur`).
    * `simclr.gradients`: the parameters whose gradients `simclr-autodiff` appended to a
      function's results, in order.
    * `simclr.offsets`: on an op of a planned function, the byte offset of each result in
      the arena (`simclr-plan-memory`; -1 for results that need no buffer).
    * `simclr.arena_bytes`: on a planned function, the size of its arena. A function that
      carries it is compiled.
    * `simclr.precision`: on a module, `"f32"` or `"bf16"`: the element type of its
      convolutions' and matrix products' operands and results (`simclr-mixed-precision`).
    * `simclr.replicas`: on a module, how many replicas train it together (data-parallel
      training, docs/DISTRIBUTED.md); every collective's `replicas` must equal it. Absent,
      one.
    * `simclr.bucket_bytes`: on a module, the most bytes of gradients one all-reduce of
      `simclr-gradient-all-reduce` carries; absent, the pass's `bucket-bytes`.
    * `simclr.layout`: on a module, `"nchw"` or `"nhwc"`: how its rank-4 activations are
      stored between ops (`simclr-channels-last`); the compiler sets it for its target.
  }];
  // Declared once here: code reads and writes them through the generated helpers
  // (SimclrDialect::getStageAttrHelper(), ...), never by spelling the names.
  let discardableAttrs = (ins
    "::mlir::StringAttr":$stage,
    "::mlir::DictionaryAttr":$input,
    "::mlir::DictionaryAttr":$loss,
    "::mlir::DictionaryAttr":$optimizer,
    "::mlir::DictionaryAttr":$augment,
    "::mlir::ArrayAttr":$gradients,
    "::mlir::DenseI64ArrayAttr":$offsets,
    "::mlir::IntegerAttr":$arena_bytes,
    "::mlir::StringAttr":$precision,
    "::mlir::StringAttr":$layout,
    "::mlir::IntegerAttr":$replicas,
    "::mlir::IntegerAttr":$bucket_bytes);
  let hasOperationAttrVerify = 1;
  // Gradient rules build arith.constant zeros; autodiff seeds the loss gradient with one.
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  // Inherent attributes stay in the attribute dictionary: the shape functions then see them
  // (with their defaults) even while the parser infers result types.
  let usePropertiesForAttributes = 0;
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Simclr_FloatElement : AnyTypeOf<[F32, F16, BF16]>;
def Simclr_FloatTensor : RankedTensorOf<[F32, F16, BF16]>;
def Simclr_LabelTensor : RankedTensorOf<[I32, I64]>;
def Simclr_ScalarF32 : 0DTensorOf<[F32]>;
// A scalar operand (a loss gradient, a step count, a learning rate): buildable, so assembly
// formats need not spell its type.
def Simclr_F32Scalar : 0DTensorOf<[F32]> {
  let builderCall = "::mlir::RankedTensorType::get({}, $_builder.getF32Type())";
}
// A replica's index (simclr.replica_id), buildable likewise.
def Simclr_I32Scalar : 0DTensorOf<[I32]> {
  let builderCall = "::mlir::RankedTensorType::get({}, $_builder.getI32Type())";
}

//===----------------------------------------------------------------------===//
// Base op class
//===----------------------------------------------------------------------===//

// Runs the op's `verifyShapes()` before any other trait, so that a bad operand shape is
// reported once, in the op's own words, instead of as a failed type inference.
def Simclr_ShapesVerifiedFirst : NativeOpTrait<"SimclrShapesVerifiedFirst", [],
    [{ ::llvm::LogicalResult verifyShapes(); }]> {
  let cppNamespace = "::mlir::simclr";
}

class Simclr_Op<string mnemonic, list<Trait> traits = []>
    : Op<Simclr_Dialect, mnemonic, traits>;

// An op whose result types follow from its operands and attributes. The shape function
// lives in ShapeFunctions.cpp and serves both type inference (builders, the parser) and the
// verifier.
class Simclr_InferredOp<string mnemonic, list<Trait> traits = []>
    : Simclr_Op<mnemonic, !listconcat([Simclr_ShapesVerifiedFirst, Pure,
        InferTypeOpAdaptor], traits)>;

// A forward op: it has a gradient rule (GradientRules.cpp).
class Simclr_DifferentiableOp<string mnemonic, list<Trait> traits = []>
    : Simclr_InferredOp<mnemonic, !listconcat(
        [DeclareOpInterfaceMethods<Simclr_GradientOpInterface>], traits)>;

#endif // SIMCLR_BASE_TD
