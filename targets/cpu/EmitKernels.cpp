//===- EmitKernels.cpp - fused kernels as C++ for the CPU ------------------===//
//
// Turns the body of a simclr.kernel into a C++ function: every value gets a pointer
// (inputs and outputs are the caller's buffers, other values local scratch), every op one
// call into KernelLibrary.h with its shapes and attributes as literals. The first version
// of the CPU code generator: fusion saves launches and memory traffic through the
// arena, while loop-level fusion inside a kernel is future work.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/EmitKernels.h"

#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::simclr;

namespace {

class Emitter {
public:
  Emitter(KernelOp kernel) : kernel(kernel), os(code) {}

  FailureOr<std::string> run(StringRef name) {
    Block &body = kernel.getBody().front();
    auto yield = llvm::cast<YieldOp>(body.getTerminator());
    os << "extern \"C\" void " << name
       << "(const void *const *inputs, void *const *outputs) {\n";
    for (auto [i, arg] : llvm::enumerate(body.getArguments()))
      os << "  " << pointerType(arg) << " " << define(arg) << " = (" << pointerType(arg)
         << ")inputs[" << i << "];\n";
    size_t scratchLine = code.size();
    // Values yielded are computed straight into their output buffer (first position).
    for (auto [j, value] : llvm::enumerate(yield.getValues()))
      if (!llvm::isa<BlockArgument>(value) && !outputOf.count(value))
        outputOf[value] = j;
    for (Operation &op : body.without_terminator())
      if (failed(emit(op)))
        return failure();
    for (auto [j, value] : llvm::enumerate(yield.getValues()))
      if (!outputOf.count(value) || outputOf[value] != j)
        os << "  std::memcpy(outputs[" << j << "], " << names.lookup(value) << ", "
           << bytes(value) << ");\n";
    os << "}\n";
    if (scratchFloats > 0)
      code.insert(scratchLine, "  float *scratch = simclr_kernels::scratch(" +
                                   std::to_string(scratchFloats) + ");\n");
    return code;
  }

private:
  static int64_t count(Value v) {
    return llvm::cast<RankedTensorType>(v.getType()).getNumElements();
  }
  static std::string bytes(Value v) {
    auto type = llvm::cast<RankedTensorType>(v.getType());
    return std::to_string(type.getNumElements() * (type.getElementTypeBitWidth() / 8));
  }
  static std::string pointerType(Value v) {
    return llvm::cast<RankedTensorType>(v.getType()).getElementType().isInteger(32)
               ? "int32_t *"
               : "float *";
  }
  std::string define(Value v) {
    std::string name = "v" + std::to_string(next++);
    names[v] = name;
    return name;
  }
  std::string of(Value v) { return names.lookup(v); }

  /// Declares the storage of a result: its output buffer, or a slice of the kernels'
  /// shared scratch (simclr_kernels::scratch), 64-byte aligned, one per intermediate.
  std::string result(Value v) {
    std::string name = define(v);
    if (auto it = outputOf.find(v); it != outputOf.end()) {
      os << "  float *" << name << " = (float *)outputs[" << it->second << "];\n";
    } else {
      os << "  float *" << name << " = scratch + " << scratchFloats << ";\n";
      scratchFloats += (count(v) + 15) / 16 * 16;
    }
    return name;
  }

  std::string shape(Value v) {
    std::string name = "s" + std::to_string(next++);
    os << "  const int64_t " << name << "[] = {";
    auto dims = llvm::cast<RankedTensorType>(v.getType()).getShape();
    if (dims.empty())
      os << "1";
    for (auto [i, d] : llvm::enumerate(dims))
      os << (i ? ", " : "") << d;
    os << "};\n";
    return name;
  }
  static int rank(Value v) {
    return std::max<int>(1, llvm::cast<RankedTensorType>(v.getType()).getRank());
  }
  std::string axis(Value v, int64_t a) {
    std::string s = shape(v), name = "ax" + std::to_string(next++);
    os << "  const simclr_kernels::Axis " << name << "(" << s << ", " << rank(v) << ", " << a
       << ");\n";
    return name;
  }
  /// [N, C, S] of a batch-norm input.
  std::string ncs(Value v) {
    auto t = llvm::cast<RankedTensorType>(v.getType());
    int64_t s = t.getNumElements() / t.getDimSize(0) / t.getDimSize(1);
    return std::to_string(t.getDimSize(0)) + ", " + std::to_string(t.getDimSize(1)) + ", " +
           std::to_string(s);
  }
  static std::string number(double v) {
    std::string s;
    llvm::raw_string_ostream(s) << llvm::format("%.17g", v);
    return s;
  }
  std::string optional(Value v) { return v ? of(v) : std::string("nullptr"); }

  /// A pooling window description for `input` (NCHW) -> `output`.
  std::string window(Value input, Value output, ArrayRef<int64_t> kernel,
                     ArrayRef<int64_t> stride, ArrayRef<int64_t> padding) {
    auto x = llvm::cast<RankedTensorType>(input.getType()).getShape();
    auto y = llvm::cast<RankedTensorType>(output.getType()).getShape();
    std::string name = "w" + std::to_string(next++);
    os << "  const simclr_kernels::Window " << name << "{" << x[0] * x[1] << ", " << x[2] << ", "
       << x[3] << ", " << y[2] << ", " << y[3] << ", " << kernel[0] << ", " << kernel[1] << ", "
       << stride[0] << ", " << stride[1] << ", " << padding[0] << ", " << padding[1] << "};\n";
    return name;
  }

  std::string array(ArrayRef<int64_t> values) {
    std::string name = "a" + std::to_string(next++);
    os << "  const int64_t " << name << "[] = {";
    for (auto [i, v] : llvm::enumerate(values))
      os << (i ? ", " : "") << v;
    os << "};\n";
    return name;
  }

  std::string reducedFlags(Value in, ArrayRef<int64_t> axes) {
    std::string flags = "r" + std::to_string(next++);
    os << "  const bool " << flags << "[] = {";
    for (int64_t d = 0; d < rank(in); ++d)
      os << (d ? ", " : "") << (llvm::is_contained(axes, d) ? "true" : "false");
    os << "};\n";
    return flags;
  }

  LogicalResult reduceCall(Operation *op, Value in, Value out, ArrayRef<int64_t> axes,
                           int kind) {
    std::string s = shape(in), flags = reducedFlags(in, axes);
    std::string y = result(out);
    os << "  simclr_kernels::reduce(" << kind << ", " << of(in) << ", " << s << ", " << rank(in)
       << ", " << flags << ", " << y << ");\n";
    return success();
  }

  /// Element-wise ops on operands of the result's shape (no broadcasting).
  static bool isElementwise(Operation *op) {
    if (llvm::isa<ReluOp, ReluBackwardOp, ScaleOp>(op))
      return true;
    if (!llvm::isa<AddOp, MulOp>(op))
      return false;
    Type out = op->getResult(0).getType();
    return op->getOperand(0).getType() == out && op->getOperand(1).getType() == out;
  }

  /// Element e of `v` as a C++ expression: a pending element-wise expression, or a load.
  std::string value(Value v) {
    if (auto it = pending.find(v); it != pending.end())
      return it->second;
    return of(v) + "[e]";
  }

  /// Chains of element-wise ops become one loop: a result whose only use is another
  /// element-wise op of the kernel stays an expression inside its user's loop; any other
  /// result is computed by one vectorised OpenMP loop over its elements.
  void elementwise(Value result, const std::string &expression) {
    if (result.hasOneUse() && isElementwise(*result.getUsers().begin())) {
      pending[result] = expression;
      return;
    }
    std::string y = this->result(result);
    os << "#pragma omp parallel for simd\n"
       << "  for (int64_t e = 0; e < " << count(result) << "; ++e)\n"
       << "    " << y << "[e] = " << expression << ";\n";
  }

  LogicalResult emit(Operation &op) {
    bool handled = true;
    LogicalResult status = success();
    llvm::TypeSwitch<Operation *>(&op)
        .Case([&](ReluOp o) {
          elementwise(o.getOutput(), "simclr_kernels::reluOf(" + value(o.getInput()) + ")");
        })
        .Case([&](ReluBackwardOp o) {
          elementwise(o.getGradInput(), "simclr_kernels::reluGradient(" +
                                            value(o.getGradOutput()) + ", " +
                                            value(o.getOutput()) + ")");
        })
        .Case([&](ScaleOp o) {
          elementwise(o.getOutput(), "(" + value(o.getInput()) + " * float(" +
                                         number(o.getFactor().convertToDouble()) + "))");
        })
        .Case<AddOp, MulOp>([&](Operation *o) {
          Value a = o->getOperand(0), b = o->getOperand(1), out = o->getResult(0);
          if (isElementwise(o)) {
            elementwise(out, "(" + value(a) + (llvm::isa<AddOp>(o) ? " + " : " * ") + value(b) +
                                 ")");
            return;
          }
          std::string sa = shape(a), sb = shape(b), so = shape(out), y = result(out);
          os << "  simclr_kernels::binary(" << (llvm::isa<AddOp>(o) ? 0 : 1) << ", " << of(a)
             << ", " << sa << ", " << of(b) << ", " << sb << ", " << y << ", " << so << ", "
             << rank(out) << ");\n";
        })
        .Case([&](BroadcastOp o) {
          std::string sx = shape(o.getInput()), sy = shape(o.getOutput()),
                      y = result(o.getOutput());
          os << "  simclr_kernels::broadcastTo(" << of(o.getInput()) << ", " << sx << ", " << y
             << ", " << sy << ", " << rank(o.getOutput()) << ");\n";
        })
        .Case([&](ReshapeOp o) {
          std::string y = result(o.getOutput());
          os << "  std::memcpy(" << y << ", " << of(o.getInput()) << ", " << bytes(o.getOutput())
             << ");\n";
        })
        .Case([&](ReduceSumOp o) {
          status = reduceCall(o, o.getInput(), o.getOutput(), o.getAxes(), 0);
        })
        .Case([&](ReduceMeanOp o) {
          status = reduceCall(o, o.getInput(), o.getOutput(), o.getAxes(), 1);
        })
        .Case([&](ReduceMaxOp o) {
          status = reduceCall(o, o.getInput(), o.getOutput(), o.getAxes(), 2);
        })
        .Case([&](GlobalAvgPoolOp o) {
          status = reduceCall(o, o.getInput(), o.getOutput(), {2, 3}, 1);
        })
        .Case([&](BatchNormTrainOp o) {
          std::string y = result(o.getOutput()), m = result(o.getNewRunningMean()),
                      v = result(o.getNewRunningVar());
          os << "  simclr_kernels::batchNormTrain(" << of(o.getInput()) << ", " << ncs(o.getInput())
             << ", " << of(o.getScale()) << ", " << optional(o.getOffset()) << ", "
             << of(o.getRunningMean()) << ", " << of(o.getRunningVar()) << ", "
             << number(o.getEpsilon().convertToDouble()) << ", "
             << number(o.getMomentum().convertToDouble()) << ", " << y << ", " << m << ", " << v
             << ");\n";
        })
        .Case([&](BatchNormInferOp o) {
          std::string y = result(o.getOutput());
          os << "  simclr_kernels::batchNormInfer(" << of(o.getInput()) << ", " << ncs(o.getInput())
             << ", " << of(o.getScale()) << ", " << optional(o.getOffset()) << ", "
             << of(o.getMean()) << ", " << of(o.getVariance()) << ", "
             << number(o.getEpsilon().convertToDouble()) << ", " << y << ");\n";
        })
        .Case([&](BatchNormTrainBackwardOp o) {
          std::string dx = result(o.getGradInput()), dg = result(o.getGradScale()),
                      db = result(o.getGradOffset());
          os << "  simclr_kernels::batchNormTrainBackward(" << of(o.getGradOutput()) << ", "
             << of(o.getInput()) << ", " << ncs(o.getInput()) << ", " << of(o.getScale()) << ", "
             << number(o.getEpsilon().convertToDouble()) << ", " << dx << ", " << dg << ", "
             << db << ");\n";
        })
        .Case([&](BatchNormInferBackwardOp o) {
          std::string dx = result(o.getGradInput()), dg = result(o.getGradScale()),
                      db = result(o.getGradOffset());
          os << "  simclr_kernels::batchNormInferBackward(" << of(o.getGradOutput()) << ", "
             << of(o.getInput()) << ", " << ncs(o.getInput()) << ", " << of(o.getScale()) << ", "
             << of(o.getMean()) << ", " << of(o.getVariance()) << ", "
             << number(o.getEpsilon().convertToDouble()) << ", " << dx << ", " << dg << ", "
             << db << ");\n";
        })
        .Case<MaxPool2DOp, AvgPool2DOp>([&](Operation *o) {
          auto avg = llvm::dyn_cast<AvgPool2DOp>(o);
          auto max = llvm::dyn_cast<MaxPool2DOp>(o);
          Value in = o->getOperand(0), out = o->getResult(0);
          std::string w = avg ? window(in, out, avg.getKernel(), avg.getStride(), avg.getPadding())
                              : window(in, out, max.getKernel(), max.getStride(), max.getPadding());
          std::string y = result(out);
          os << "  simclr_kernels::pool(" << (max ? "true" : "false") << ", "
             << (avg && avg.getCountIncludePad() ? "true" : "false") << ", " << of(in) << ", "
             << y << ", " << w << ");\n";
        })
        .Case([&](MaxPool2DBackwardOp o) {
          std::string w = window(o.getInput(), o.getGradOutput(), o.getKernel(), o.getStride(),
                                 o.getPadding());
          std::string dx = result(o.getGradInput());
          os << "  simclr_kernels::poolBackward(true, false, " << of(o.getGradOutput()) << ", "
             << of(o.getInput()) << ", " << dx << ", " << w << ");\n";
        })
        .Case([&](AvgPool2DBackwardOp o) {
          std::string w = window(o.getGradInput(), o.getGradOutput(), o.getKernel(),
                                 o.getStride(), o.getPadding());
          std::string dx = result(o.getGradInput());
          os << "  simclr_kernels::poolBackward(false, "
             << (o.getCountIncludePad() ? "true" : "false") << ", " << of(o.getGradOutput())
             << ", nullptr, " << dx << ", " << w << ");\n";
        })
        .Case([&](SliceOp o) {
          SmallVector<int64_t> strides(rank(o.getInput()), 1);
          if (auto st = o.getStrides())
            strides.assign(st->begin(), st->end());
          std::string big = shape(o.getInput()), box = shape(o.getOutput()),
                      offsets = array(o.getOffsets()), steps = array(strides),
                      y = result(o.getOutput());
          os << "  simclr_kernels::slice(" << of(o.getInput()) << ", " << y << ", " << big << ", "
             << box << ", " << rank(o.getInput()) << ", " << offsets << ", " << steps
             << ", true);\n";
        })
        .Case([&](SliceBackwardOp o) {
          SmallVector<int64_t> strides(rank(o.getGradInput()), 1);
          if (auto st = o.getStrides())
            strides.assign(st->begin(), st->end());
          std::string big = shape(o.getGradInput()), box = shape(o.getGradOutput()),
                      offsets = array(o.getOffsets()), steps = array(strides),
                      y = result(o.getGradInput());
          os << "  simclr_kernels::slice(" << of(o.getGradOutput()) << ", " << y << ", " << big
             << ", " << box << ", " << rank(o.getGradInput()) << ", " << offsets << ", "
             << steps << ", false);\n";
        })
        .Case([&](ReduceMaxBackwardOp o) {
          std::string s = shape(o.getInput()), flags = reducedFlags(o.getInput(), o.getAxes()),
                      dx = result(o.getGradInput());
          os << "  simclr_kernels::reduceMaxBackward(" << of(o.getGradOutput()) << ", "
             << of(o.getInput()) << ", " << s << ", " << rank(o.getInput()) << ", " << flags
             << ", " << dx << ");\n";
        })
        .Case([&](SoftmaxOp o) {
          std::string ax = axis(o.getInput(), o.getAxis()), y = result(o.getOutput());
          os << "  simclr_kernels::softmax(" << of(o.getInput()) << ", " << y << ", " << ax
             << ");\n";
        })
        .Case([&](SoftmaxBackwardOp o) {
          std::string ax = axis(o.getOutput(), o.getAxis()), y = result(o.getGradInput());
          os << "  simclr_kernels::softmaxBackward(" << of(o.getGradOutput()) << ", "
             << of(o.getOutput()) << ", " << y << ", " << ax << ");\n";
        })
        .Case([&](L2NormalizeOp o) {
          std::string ax = axis(o.getInput(), o.getAxis()), y = result(o.getOutput());
          os << "  simclr_kernels::l2Normalize(" << of(o.getInput()) << ", " << y << ", " << ax
             << ", " << number(o.getEpsilon().convertToDouble()) << ");\n";
        })
        .Case([&](L2NormalizeBackwardOp o) {
          std::string ax = axis(o.getInput(), o.getAxis()), y = result(o.getGradInput());
          os << "  simclr_kernels::l2NormalizeBackward(" << of(o.getGradOutput()) << ", "
             << of(o.getInput()) << ", " << y << ", " << ax << ", "
             << number(o.getEpsilon().convertToDouble()) << ");\n";
        })
        .Case([&](SplitOp o) {
          std::string ax = axis(o.getInput(), o.getAxis());
          int64_t offset = 0;
          for (Value piece : o.getOutputs()) {
            int64_t extent = llvm::cast<RankedTensorType>(piece.getType()).getDimSize(o.getAxis());
            std::string y = result(piece);
            os << "  simclr_kernels::copySlab(" << of(o.getInput()) << ", " << y << ", " << ax
               << ", " << offset << ", " << extent << ", true);\n";
            offset += extent;
          }
        })
        .Case([&](ConcatOp o) {
          std::string ax = axis(o.getOutput(), o.getAxis()), y = result(o.getOutput());
          int64_t offset = 0;
          for (Value piece : o.getInputs()) {
            int64_t extent = llvm::cast<RankedTensorType>(piece.getType()).getDimSize(o.getAxis());
            os << "  simclr_kernels::copySlab(" << of(piece) << ", " << y << ", " << ax << ", "
               << offset << ", " << extent << ", false);\n";
            offset += extent;
          }
        })
        .Case([&](NtXentLossOp o) {
          auto z = llvm::cast<RankedTensorType>(o.getEmbeddings().getType());
          std::string l = result(o.getLoss()), a = result(o.getAccuracy());
          os << "  simclr_kernels::ntXent(" << of(o.getEmbeddings()) << ", " << z.getDimSize(0)
             << ", " << z.getDimSize(1) << ", " << number(o.getTemperature().convertToDouble())
             << ", " << l << ", " << a << ", nullptr, nullptr);\n";
        })
        .Case([&](NtXentLossBackwardOp o) {
          auto z = llvm::cast<RankedTensorType>(o.getEmbeddings().getType());
          std::string dz = result(o.getGradEmbeddings());
          os << "  simclr_kernels::ntXent(" << of(o.getEmbeddings()) << ", " << z.getDimSize(0)
             << ", " << z.getDimSize(1) << ", " << number(o.getTemperature().convertToDouble())
             << ", nullptr, nullptr, " << of(o.getGradLoss()) << ", " << dz << ");\n";
        })
        .Case([&](SoftmaxCrossEntropyOp o) {
          auto t = llvm::cast<RankedTensorType>(o.getLogits().getType());
          bool indices = llvm::cast<RankedTensorType>(o.getLabels().getType())
                             .getElementType().isInteger();
          std::string l = result(o.getLoss()), a = result(o.getAccuracy());
          os << "  simclr_kernels::crossEntropy(" << of(o.getLogits()) << ", " << t.getDimSize(0)
             << ", " << t.getDimSize(1) << ", " << (indices ? of(o.getLabels()) : "nullptr")
             << ", " << (indices ? "nullptr" : of(o.getLabels())) << ", " << l << ", " << a
             << ", nullptr, nullptr);\n";
        })
        .Case([&](SoftmaxCrossEntropyBackwardOp o) {
          auto t = llvm::cast<RankedTensorType>(o.getLogits().getType());
          bool indices = llvm::cast<RankedTensorType>(o.getLabels().getType())
                             .getElementType().isInteger();
          std::string d = result(o.getGradLogits());
          os << "  simclr_kernels::crossEntropy(" << of(o.getLogits()) << ", " << t.getDimSize(0)
             << ", " << t.getDimSize(1) << ", " << (indices ? of(o.getLabels()) : "nullptr")
             << ", " << (indices ? "nullptr" : of(o.getLabels())) << ", nullptr, nullptr, "
             << of(o.getGradLoss()) << ", " << d << ");\n";
        })
        .Case([&](DistillationLossOp o) {
          auto t = llvm::cast<RankedTensorType>(o.getStudentLogits().getType());
          std::string l = result(o.getLoss()), a = result(o.getAccuracy());
          os << "  simclr_kernels::distillation(" << of(o.getStudentLogits()) << ", "
             << of(o.getTeacherLogits()) << ", " << t.getDimSize(0) << ", " << t.getDimSize(1)
             << ", " << number(o.getTemperature().convertToDouble()) << ", " << l << ", " << a
             << ", nullptr, nullptr);\n";
        })
        .Case([&](DistillationLossBackwardOp o) {
          auto t = llvm::cast<RankedTensorType>(o.getStudentLogits().getType());
          std::string d = result(o.getGradStudentLogits());
          os << "  simclr_kernels::distillation(" << of(o.getStudentLogits()) << ", "
             << of(o.getTeacherLogits()) << ", " << t.getDimSize(0) << ", " << t.getDimSize(1)
             << ", " << number(o.getTemperature().convertToDouble()) << ", nullptr, nullptr, "
             << of(o.getGradLoss()) << ", " << d << ");\n";
        })
        .Case([&](LearningRateOp o) {
          std::string y = result(o.getLearningRate());
          os << "  " << y << "[0] = simclr_kernels::learningRate("
             << number(o.getPeak().convertToDouble()) << ", " << of(o.getStep()) << "[0], "
             << of(o.getWarmupSteps()) << "[0], " << of(o.getTotalSteps()) << "[0]);\n";
        })
        .Case<LarsUpdateOp, MomentumUpdateOp>([&](Operation *o) {
          auto lars = llvm::dyn_cast<LarsUpdateOp>(o);
          auto sgd = llvm::dyn_cast<MomentumUpdateOp>(o);
          std::string w = result(o->getResult(0)), v = result(o->getResult(1));
          double momentum = lars ? lars.getMomentum().convertToDouble()
                                 : sgd.getMomentum().convertToDouble();
          double decay = lars ? lars.getWeightDecay().convertToDouble()
                              : sgd.getWeightDecay().convertToDouble();
          double trust = lars ? lars.getTrustCoefficient().convertToDouble() : 0.0;
          bool exclude = lars ? lars.getExclude() : sgd.getExclude();
          bool nesterov = lars ? lars.getNesterov() : sgd.getNesterov();
          os << "  simclr_kernels::update(" << (lars ? "true" : "false") << ", "
             << of(o->getOperand(0)) << ", " << of(o->getOperand(1)) << ", "
             << of(o->getOperand(2)) << ", " << count(o->getResult(0)) << ", "
             << of(o->getOperand(3)) << "[0], " << number(momentum) << ", " << number(decay)
             << ", " << number(trust) << ", " << (exclude ? "true" : "false") << ", "
             << (nesterov ? "true" : "false") << ", " << w << ", " << v << ");\n";
        })
        .Default([&](Operation *) { handled = false; });
    if (!handled)
      return op.emitOpError() << "is not supported by the CPU kernel emitter yet";
    return status;
  }

  KernelOp kernel;
  std::string code;
  llvm::raw_string_ostream os;
  llvm::DenseMap<Value, std::string> names;
  llvm::DenseMap<Value, unsigned> outputOf;
  llvm::DenseMap<Value, std::string> pending; // element-wise values not yet computed
  int next = 0;
  int64_t scratchFloats = 0;
};

} // namespace

FailureOr<std::string> mlir::simclr::emitCpuKernel(KernelOp kernel, StringRef name) {
  return Emitter(kernel).run(name);
}
