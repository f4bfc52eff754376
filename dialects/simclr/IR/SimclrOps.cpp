//===- SimclrOps.cpp - simclr op verifiers ---------------------------------===//
//
// Verifiers of the ops that have no shape function: the parameter and state declarations,
// their loads and stores, and reshape. The shape functions of the compute ops are in
// ShapeFunctions.cpp.
//
//===----------------------------------------------------------------------===//

#include "dialects/simclr/IR/SimclrOps.h"

#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::simclr;

bool mlir::simclr::isValidParameterGroup(StringRef group) {
  StringRef base = group;
  base.consume_front("teacher.");
  return base == "backbone" || base == "head" || base == "classifier";
}

bool mlir::simclr::isCollective(Operation *op) {
  return llvm::isa<AllReduceOp, AllGatherOp, ReduceScatterOp, ReplicaIdOp>(op);
}

int64_t mlir::simclr::replicaCount(ModuleOp module) {
  auto *dialect = module.getContext()->getLoadedDialect<SimclrDialect>();
  IntegerAttr replicas = dialect->getReplicasAttrHelper().getAttr(module);
  return replicas ? replicas.getInt() : 1;
}

Value mlir::simclr::gatherViews(OpBuilder &b, Location loc, Value rows, int64_t replicas) {
  int64_t half = llvm::cast<RankedTensorType>(rows.getType()).getDimSize(0) / 2;
  auto views = SplitOp::create(b, loc, rows, b.getI64IntegerAttr(0),
                               b.getDenseI64ArrayAttr({half, half}));
  SmallVector<Value> gathered;
  for (Value view : views.getResults())
    gathered.push_back(AllGatherOp::create(b, loc, view, b.getI64IntegerAttr(replicas)));
  return ConcatOp::create(b, loc, gathered, b.getI64IntegerAttr(0));
}

RankedTensorType mlir::simclr::permutedType(RankedTensorType type,
                                            ArrayRef<int64_t> permutation) {
  SmallVector<int64_t> shape;
  for (int64_t d : permutation)
    shape.push_back(type.getDimSize(d));
  return RankedTensorType::get(shape, type.getElementType());
}

bool mlir::simclr::isLibraryCall(Operation *op) {
  return llvm::isa<Conv2DOp, Conv2DBackwardInputOp, Conv2DBackwardFilterOp, DenseOp, MatmulOp>(
      op);
}

double mlir::simclr::numberSetting(DictionaryAttr settings, StringRef key, double fallback) {
  Attribute value = settings ? settings.get(key) : Attribute();
  if (auto f = llvm::dyn_cast_or_null<FloatAttr>(value))
    return f.getValueAsDouble();
  if (auto i = llvm::dyn_cast_or_null<IntegerAttr>(value))
    return static_cast<double>(i.getInt());
  return fallback;
}

static LogicalResult verifyDeclaredType(Operation *op, Type type) {
  auto tensor = llvm::cast<RankedTensorType>(type);
  if (!tensor.hasStaticShape())
    return op->emitOpError() << "expects a static shape, got " << tensor;
  return success();
}

LogicalResult ParameterOp::verify() {
  if (failed(verifyDeclaredType(*this, getType())))
    return failure();
  if (!isValidParameterGroup(getGroup()))
    return emitOpError() << "has unknown group '" << getGroup()
                         << "'; expected backbone, head or classifier, optionally "
                            "prefixed with 'teacher.'";
  StringRef init = getInit();
  if (init != "zeros" && init != "ones" && init != "variance_scaling" && init != "normal")
    return emitOpError() << "has unknown init '" << init
                         << "'; expected zeros, ones, variance_scaling or normal";
  if (init == "normal" && !(getInitStd() && getInitStd()->convertToDouble() > 0.0))
    return emitOpError() << "with init 'normal' needs a positive 'init_std'";
  if (init != "normal" && getInitStd())
    return emitOpError() << "has 'init_std' but init '" << init << "' takes none";
  return success();
}

LogicalResult StateOp::verify() {
  if (failed(verifyDeclaredType(*this, getType())))
    return failure();
  StringRef init = getInit();
  if (init.consume_front("copy:")) {
    // A copy of a parameter of the same type, made when the parameter is initialised (the
    // memory's EMA network, docs/MEMORY.md).
    auto source = SymbolTable::lookupNearestSymbolFrom<ParameterOp>(
        *this, StringAttr::get(getContext(), init));
    if (!source)
      return emitOpError() << "copies '" << init << "', which is not a declared parameter";
    if (source.getType() != getType())
      return emitOpError() << "is " << getType() << " but copies '" << init << "', "
                           << source.getType();
    return success();
  }
  if (init != "zeros" && init != "ones")
    return emitOpError() << "has unknown init '" << init
                         << "'; expected zeros, ones or copy:<parameter>";
  return success();
}

/// The declared type of the parameter or state that `name` refers to. Frozen parameters
/// may be read but not written.
static FailureOr<Type> lookupDeclaredType(Operation *op, FlatSymbolRefAttr name,
                                          SymbolTableCollection &symbols, bool forWriting) {
  Operation *decl = symbols.lookupNearestSymbolFrom(op, name.getAttr());
  if (!decl)
    return op->emitOpError() << "refers to unknown symbol " << name;
  if (auto state = llvm::dyn_cast<StateOp>(decl))
    return state.getType();
  if (auto param = llvm::dyn_cast<ParameterOp>(decl)) {
    if (forWriting && param.getFrozen())
      return op->emitOpError() << "cannot write frozen parameter " << name;
    return param.getType();
  }
  return op->emitOpError() << "refers to " << name
                           << ", which is not a simclr.parameter or simclr.state";
}

LogicalResult LoadOp::verifySymbolUses(SymbolTableCollection &symbols) {
  auto declared = lookupDeclaredType(*this, getNameAttr(), symbols, /*forWriting=*/false);
  if (failed(declared))
    return failure();
  if (*declared != getType())
    return emitOpError() << "result type " << getType() << " does not match the type "
                         << *declared << " declared for " << getNameAttr();
  return success();
}

LogicalResult StoreOp::verifySymbolUses(SymbolTableCollection &symbols) {
  auto declared = lookupDeclaredType(*this, getNameAttr(), symbols, /*forWriting=*/true);
  if (failed(declared))
    return failure();
  if (*declared != getValue().getType())
    return emitOpError() << "stores " << getValue().getType() << " into " << getNameAttr()
                         << ", which is declared " << *declared;
  return success();
}

LogicalResult ReshapeOp::verify() {
  auto in = getInput().getType(), out = getOutput().getType();
  if (!in.hasStaticShape() || !out.hasStaticShape())
    return emitOpError() << "expects static shapes, got " << in << " and " << out;
  if (in.getElementType() != out.getElementType())
    return emitOpError() << "cannot change the element type, got " << in << " and " << out;
  if (in.getNumElements() != out.getNumElements())
    return emitOpError() << "cannot reshape " << in.getNumElements() << " elements ("
                         << in << ") into " << out.getNumElements() << " (" << out << ")";
  return success();
}

LogicalResult ConvertOp::verify() {
  auto in = getInput().getType(), out = getOutput().getType();
  if (!in.hasStaticShape() || in.getShape() != out.getShape())
    return emitOpError() << "converts elements, not shapes: got " << in << " and " << out;
  return success();
}

OpFoldResult ConvertOp::fold(FoldAdaptor) {
  // A conversion to the same type, and a round trip through a wider type, change nothing.
  if (getInput().getType() == getOutput().getType())
    return getInput();
  if (auto inner = getInput().getDefiningOp<ConvertOp>()) {
    Type original = inner.getInput().getType(), wide = getInput().getType();
    auto bits = [](Type t) { return llvm::cast<RankedTensorType>(t).getElementTypeBitWidth(); };
    if (original == getOutput().getType() && bits(wide) > bits(original) &&
        llvm::isa<Float32Type>(llvm::cast<RankedTensorType>(wide).getElementType()))
      return inner.getInput();
  }
  return {};
}

namespace {

/// Input dimension of result dimension d after `inner` then `outer`.
SmallVector<int64_t> composed(ArrayRef<int64_t> inner, ArrayRef<int64_t> outer) {
  SmallVector<int64_t> permutation;
  for (int64_t d : outer)
    permutation.push_back(inner[d]);
  return permutation;
}

bool isIdentity(ArrayRef<int64_t> permutation) {
  for (auto [d, source] : llvm::enumerate(permutation))
    if (source != int64_t(d))
      return false;
  return true;
}

/// transpose(transpose(x, p), q) -> transpose(x, p then q).
struct ComposeTransposes : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op, PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<TransposeOp>();
    if (!inner)
      return failure();
    rewriter.replaceOpWithNewOp<TransposeOp>(
        op, inner.getInput(), composed(inner.getPermutation(), op.getPermutation()));
    return success();
  }
};

/// A transpose that keeps the order of the dimensions of extent > 1 moves no element: a
/// reshape (which costs no kernel once fused).
struct TransposeOfUnitDimensions : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op, PatternRewriter &rewriter) const override {
    auto type = op.getInput().getType();
    int64_t last = -1;
    for (int64_t d : op.getPermutation()) {
      if (type.getDimSize(d) == 1)
        continue;
      if (d < last)
        return failure();
      last = d;
    }
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getOutput().getType(), op.getInput());
    return success();
  }
};

} // namespace

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  if (isIdentity(getPermutation()))
    return getInput();
  if (auto inner = getInput().getDefiningOp<TransposeOp>())
    if (isIdentity(composed(inner.getPermutation(), getPermutation())))
      return inner.getInput();
  return {};
}

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                              MLIRContext *context) {
  patterns.add<ComposeTransposes, TransposeOfUnitDimensions>(context);
}

LogicalResult KernelOp::verify() {
  Block &body = getBody().front();
  if (body.getArgumentTypes() != getInputs().getTypes())
    return emitOpError() << "expects one block argument per input, of the input's type";
  auto yield = llvm::cast<YieldOp>(body.getTerminator());
  if (yield.getValues().getTypes() != getOutputs().getTypes())
    return emitOpError() << "yields " << yield.getValues().size()
                         << " value(s) whose types differ from its results";
  for (Operation &op : body.without_terminator())
    if (!isPure(&op))
      return op.emitOpError() << "cannot be part of a kernel: kernels hold pure ops only";
  return success();
}

#include "dialects/simclr/IR/SimclrInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "dialects/simclr/IR/SimclrOps.cpp.inc"
