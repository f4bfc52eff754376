//===- SimclrDialect.cpp - simclr dialect registration and attributes -----===//
//
// Registers the ops and checks the values of the dialect's discardable attributes
// (declared in SimclrBase.td): the training-step settings of a description on the step
// function, and the compiler's own gradients list and memory plan.
//
//===----------------------------------------------------------------------===//

#include "dialects/simclr/IR/SimclrDialect.h"
#include "dialects/simclr/IR/SimclrOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace mlir::simclr;

#include "dialects/simclr/IR/SimclrDialect.cpp.inc"

void SimclrDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/simclr/IR/SimclrOps.cpp.inc"
      >();
}

namespace {

enum class FieldKind { String, Number, PositiveNumber, Integer, PositiveInteger, Bool };

struct Field {
  StringRef name;
  FieldKind kind;
  ArrayRef<StringRef> choices = {};
};

/// Checks a dictionary attribute against a closed list of fields; `required` names the
/// fields that must be present.
LogicalResult verifyDictionary(Operation *op, StringRef attrName, Attribute attr,
                               ArrayRef<Field> fields, ArrayRef<StringRef> required) {
  auto dict = llvm::dyn_cast<DictionaryAttr>(attr);
  if (!dict)
    return op->emitOpError() << "expects '" << attrName << "' to be a dictionary";
  for (StringRef name : required)
    if (!dict.get(name))
      return op->emitOpError() << "'" << attrName << "' is missing '" << name << "'";
  for (NamedAttribute entry : dict) {
    const Field *field = llvm::find_if(fields, [&](const Field &f) {
      return f.name == entry.getName().getValue();
    });
    if (field == fields.end())
      return op->emitOpError() << "'" << attrName << "' has unknown entry '"
                               << entry.getName().getValue() << "'";
    auto fail = [&](StringRef what) {
      return op->emitOpError() << "'" << attrName << "." << field->name << "' must be "
                               << what << ", got " << entry.getValue();
    };
    Attribute value = entry.getValue();
    switch (field->kind) {
    case FieldKind::String: {
      auto str = llvm::dyn_cast<StringAttr>(value);
      if (!str)
        return fail("a string");
      if (!field->choices.empty() && !llvm::is_contained(field->choices, str.getValue())) {
        std::string list;
        for (StringRef c : field->choices)
          list += (list.empty() ? "" : ", ") + ("'" + c + "'").str();
        return fail("one of " + list);
      }
      break;
    }
    case FieldKind::Number:
    case FieldKind::PositiveNumber: {
      double v;
      if (auto f = llvm::dyn_cast<FloatAttr>(value))
        v = f.getValueAsDouble();
      else if (auto i = llvm::dyn_cast<IntegerAttr>(value))
        v = static_cast<double>(i.getInt());
      else
        return fail("a number");
      if (v < 0 || (field->kind == FieldKind::PositiveNumber && v == 0))
        return fail(field->kind == FieldKind::PositiveNumber ? "positive" : "non-negative");
      break;
    }
    case FieldKind::Integer:
    case FieldKind::PositiveInteger: {
      auto i = llvm::dyn_cast<IntegerAttr>(value);
      if (!i || i.getType().isInteger(1))
        return fail("an integer");
      if (i.getInt() < 0 || (field->kind == FieldKind::PositiveInteger && i.getInt() == 0))
        return fail(field->kind == FieldKind::PositiveInteger ? "a positive integer"
                                                              : "a non-negative integer");
      break;
    }
    case FieldKind::Bool:
      if (!llvm::isa<BoolAttr>(value))
        return fail("a boolean");
      break;
    }
  }
  return success();
}

constexpr StringRef kStages[] = {"pretrain", "finetune", "distill", "linear_eval"};
constexpr StringRef kOptimizers[] = {"lars", "momentum"};
constexpr StringRef kLrScalings[] = {"linear", "sqrt"};
constexpr StringRef kLosses[] = {"nt_xent", "cross_entropy", "distillation"};

LogicalResult verifyGradientList(Operation *op, Attribute value) {
  auto list = llvm::dyn_cast<ArrayAttr>(value);
  if (!list || !llvm::all_of(list, [](Attribute a) { return llvm::isa<FlatSymbolRefAttr>(a); }))
    return op->emitOpError() << "expects 'simclr.gradients' to be an array of parameter "
                                "symbols, got "
                             << value;
  return success();
}

} // namespace

LogicalResult SimclrDialect::verifyOperationAttribute(Operation *op,
                                                      NamedAttribute attribute) {
  StringRef name = attribute.getName().getValue();
  Attribute value = attribute.getValue();
  if (name == StageAttrHelper::getNameStr()) {
    auto stage = llvm::dyn_cast<StringAttr>(value);
    if (!stage || !llvm::is_contained(kStages, stage.getValue()))
      return op->emitOpError() << "expects 'simclr.stage' to be one of \"pretrain\", "
                                  "\"finetune\", \"distill\", \"linear_eval\", got "
                               << value;
    return success();
  }
  if (name == PrecisionAttrHelper::getNameStr()) {
    auto precision = llvm::dyn_cast<StringAttr>(value);
    if (!precision || (precision.getValue() != "f32" && precision.getValue() != "bf16"))
      return op->emitOpError() << "expects 'simclr.precision' to be \"f32\" or \"bf16\", got "
                               << value;
    if (!llvm::isa<ModuleOp>(op))
      return op->emitOpError() << "'simclr.precision' belongs on the module";
    return success();
  }
  if (name == ReplicasAttrHelper::getNameStr()) {
    auto replicas = llvm::dyn_cast<IntegerAttr>(value);
    if (!replicas || replicas.getValue().getSignificantBits() > 32 || replicas.getInt() < 1)
      return op->emitOpError() << "expects 'simclr.replicas' to be an integer of at least 1, got "
                               << value;
    if (!llvm::isa<ModuleOp>(op))
      return op->emitOpError() << "'simclr.replicas' belongs on the module";
    // Every op with a replica count (the collectives, replica_id, a loss scoring one
    // replica's rows) is written for the module's.
    WalkResult walk = op->walk([&](Operation *inner) {
      // A count that is not a small integer is the op's own verifier's to report.
      auto count = llvm::dyn_cast_or_null<IntegerAttr>(inner->getAttr("replicas"));
      if (inner->getDialect() != this || !count ||
          count.getValue().getSignificantBits() > 32 || count.getInt() == replicas.getInt())
        return WalkResult::advance();
      inner->emitOpError() << "is written for " << count.getInt()
                           << " replicas, but the module trains on " << replicas.getInt();
      return WalkResult::interrupt();
    });
    return failure(walk.wasInterrupted());
  }
  if (name == BucketBytesAttrHelper::getNameStr()) {
    auto bytes = llvm::dyn_cast<IntegerAttr>(value);
    if (!bytes || bytes.getValue().getSignificantBits() > 63 || bytes.getInt() < 1)
      return op->emitOpError() << "expects 'simclr.bucket_bytes' to be a positive integer, got "
                               << value;
    if (!llvm::isa<ModuleOp>(op))
      return op->emitOpError() << "'simclr.bucket_bytes' belongs on the module";
    return success();
  }
  if (name == LayoutAttrHelper::getNameStr()) {
    auto layout = llvm::dyn_cast<StringAttr>(value);
    if (!layout || (layout.getValue() != "nchw" && layout.getValue() != "nhwc"))
      return op->emitOpError() << "expects 'simclr.layout' to be \"nchw\" or \"nhwc\", got "
                               << value;
    if (!llvm::isa<ModuleOp>(op))
      return op->emitOpError() << "'simclr.layout' belongs on the module";
    return success();
  }
  if (name == OptimizerAttrHelper::getNameStr())
    return verifyDictionary(op, name, value,
                            {{"kind", FieldKind::String, kOptimizers},
                             {"learning_rate", FieldKind::PositiveNumber},
                             {"lr_scaling", FieldKind::String, kLrScalings},
                             {"momentum", FieldKind::Number},
                             {"nesterov", FieldKind::Bool},
                             {"weight_decay", FieldKind::Number},
                             {"trust_coefficient", FieldKind::PositiveNumber},
                             {"warmup_epochs", FieldKind::Number},
                             {"epochs", FieldKind::PositiveNumber}},
                            {"kind", "learning_rate"});
  if (name == LossAttrHelper::getNameStr())
    return verifyDictionary(op, name, value,
                            {{"kind", FieldKind::String, kLosses},
                             {"temperature", FieldKind::PositiveNumber},
                             {"scale_by_temperature_squared", FieldKind::Bool},
                             {"label_weight", FieldKind::Number}},
                            {"kind"});
  if (name == InputAttrHelper::getNameStr())
    return verifyDictionary(op, name, value,
                            {{"batch_size", FieldKind::PositiveInteger},
                             {"views", FieldKind::PositiveInteger},
                             {"channels", FieldKind::PositiveInteger},
                             {"height", FieldKind::PositiveInteger},
                             {"width", FieldKind::PositiveInteger},
                             {"num_classes", FieldKind::PositiveInteger}},
                            {"batch_size", "channels", "height", "width"});
  if (name == AugmentAttrHelper::getNameStr())
    return verifyDictionary(op, name, value,
                            {{"crop_min_area", FieldKind::PositiveNumber},
                             {"color_strength", FieldKind::Number},
                             {"flip", FieldKind::Bool},
                             {"blur", FieldKind::Bool}},
                            {});
  if (name == GradientsAttrHelper::getNameStr())
    return verifyGradientList(op, value);
  if (name == OffsetsAttrHelper::getNameStr()) {
    auto offsets = llvm::dyn_cast<DenseI64ArrayAttr>(value);
    if (!offsets || offsets.size() != static_cast<int64_t>(op->getNumResults()))
      return op->emitOpError() << "expects 'simclr.offsets' to hold one offset per result";
    return success();
  }
  if (name == ArenaBytesAttrHelper::getNameStr()) {
    auto bytes = llvm::dyn_cast<IntegerAttr>(value);
    if (!bytes || bytes.getInt() < 0)
      return op->emitOpError() << "expects 'simclr.arena_bytes' to be a non-negative integer";
    return success();
  }
  return op->emitOpError() << "has unknown simclr dialect attribute '" << name << "'";
}
