//===- KernelWalk.cpp - a simclr.kernel as target-neutral statements -------===//
//
// Every value gets a name (inputs and outputs are the caller's buffers, other values
// slices of the scratch buffer), every op one call into the kernel families with its
// shapes and attributes as literals, except chains of element-wise ops, which become one
// loop: a result whose only use is another element-wise op of the kernel stays an
// expression inside its user's loop.
//
//===----------------------------------------------------------------------===//

#include "targets/common/KernelWalk.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>

using namespace mlir;
using namespace mlir::simclr;

namespace {

using Kind = KernelStatement::Kind;

class Walker {
public:
  explicit Walker(KernelOp kernel) : kernel(kernel) {}

  FailureOr<KernelProgram> run(StringRef name) {
    program.name = name.str();
    Block &body = kernel.getBody().front();
    auto yield = llvm::cast<YieldOp>(body.getTerminator());
    for (auto [i, arg] : llvm::enumerate(body.getArguments())) {
      KernelStatement input = statement(Kind::Input, define(arg));
      input.type = elementType(arg);
      input.index = int(i);
      program.statements.push_back(input);
    }
    // Values yielded are computed straight into their output buffer (first position).
    for (auto [j, value] : llvm::enumerate(yield.getValues()))
      if (!llvm::isa<BlockArgument>(value) && !outputOf.count(value))
        outputOf[value] = j;
    for (Operation &op : body.without_terminator())
      if (failed(walk(op)))
        return failure();
    for (auto [j, value] : llvm::enumerate(yield.getValues()))
      if (!outputOf.count(value) || outputOf[value] != j)
        copy(int(j), "", of(value), bytes(value));
    return std::move(program);
  }

private:
  static int64_t count(Value v) {
    return llvm::cast<RankedTensorType>(v.getType()).getNumElements();
  }
  static int64_t bytes(Value v) {
    auto type = llvm::cast<RankedTensorType>(v.getType());
    return type.getNumElements() * (type.getElementTypeBitWidth() / 8);
  }
  /// The C++ (and CUDA C++) type of `v`'s elements.
  static std::string elementType(Value v) {
    Type element = llvm::cast<RankedTensorType>(v.getType()).getElementType();
    if (element.isInteger(32))
      return "int32_t";
    if (element.isBF16())
      return "simclr_kernels::bf16";
    return "float";
  }
  /// nt_xent_loss's K: the rows of its memory of negatives, 0 without one.
  static int64_t memoryRows(Value negatives) {
    return negatives ? llvm::cast<RankedTensorType>(negatives.getType()).getDimSize(0) : 0;
  }
  static int rank(Value v) {
    return std::max<int>(1, llvm::cast<RankedTensorType>(v.getType()).getRank());
  }
  static std::string number(double v) {
    std::string s;
    llvm::raw_string_ostream(s) << llvm::format("%.17g", v);
    return s;
  }
  static std::string boolean(bool b) { return b ? "true" : "false"; }

  KernelStatement statement(Kind kind, std::string name = "") {
    KernelStatement s;
    s.kind = kind;
    s.name = std::move(name);
    return s;
  }
  std::string fresh(const char *prefix) { return prefix + std::to_string(next++); }
  std::string define(Value v) {
    std::string name = fresh("v");
    names[v] = name;
    return name;
  }
  std::string of(Value v) { return names.lookup(v); }
  std::string optional(Value v) { return v ? of(v) : std::string("nullptr"); }

  /// Declares the storage of a result: its output buffer, or a slice of the scratch buffer,
  /// 64-byte aligned, one per intermediate.
  std::string result(Value v) {
    std::string name = define(v);
    if (auto it = outputOf.find(v); it != outputOf.end()) {
      KernelStatement s = statement(Kind::Output, name);
      s.index = int(it->second);
      s.type = elementType(v);
      program.statements.push_back(s);
    } else {
      KernelStatement s = statement(Kind::Scratch, name);
      s.type = elementType(v);
      s.offset = program.scratchFloats;
      program.statements.push_back(s);
      program.scratchFloats += (count(v) + 15) / 16 * 16;
    }
    return name;
  }

  std::string array(std::vector<int64_t> values) {
    KernelStatement s = statement(Kind::IntArray, fresh("a"));
    s.numbers = std::move(values);
    program.statements.push_back(s);
    return s.name;
  }
  /// The dimensions of `v` (a scalar is one element).
  std::string shape(Value v) {
    auto dims = llvm::cast<RankedTensorType>(v.getType()).getShape();
    KernelStatement s = statement(Kind::IntArray, fresh("s"));
    s.numbers = dims.empty() ? std::vector<int64_t>{1} : dims.vec();
    program.statements.push_back(s);
    return s.name;
  }
  std::string axis(Value v, int64_t a) {
    std::string dims = shape(v);
    KernelStatement s = statement(Kind::Axis, fresh("ax"));
    s.arguments = {dims};
    s.numbers = {rank(v), a};
    program.statements.push_back(s);
    return s.name;
  }
  std::string reducedFlags(Value in, ArrayRef<int64_t> axes) {
    KernelStatement s = statement(Kind::BoolArray, fresh("r"));
    for (int64_t d = 0; d < rank(in); ++d)
      s.flags.push_back(llvm::is_contained(axes, d));
    program.statements.push_back(s);
    return s.name;
  }
  /// A pooling window for `input` -> `output`, NCHW (or NHWC with `channelsLast`: the
  /// window's `channels` is then C, else 0).
  std::string window(Value input, Value output, ArrayRef<int64_t> kernel,
                     ArrayRef<int64_t> stride, ArrayRef<int64_t> padding, bool channelsLast) {
    auto xs = llvm::cast<RankedTensorType>(input.getType()).getShape();
    auto ys = llvm::cast<RankedTensorType>(output.getType()).getShape();
    // In NCHW terms.
    auto nchw = [&](ArrayRef<int64_t> v) {
      return channelsLast ? SmallVector<int64_t>{v[0], v[3], v[1], v[2]}
                          : SmallVector<int64_t>(v.begin(), v.end());
    };
    auto x = nchw(xs), y = nchw(ys);
    KernelStatement s = statement(Kind::Window, fresh("w"));
    s.numbers = {x[0] * x[1], x[2],      x[3],      y[2],       y[3],
                 kernel[0],   kernel[1], stride[0], stride[1],  padding[0],
                 padding[1],  channelsLast ? x[1] : 0};
    program.statements.push_back(s);
    return s.name;
  }
  /// "N, C, S" of a batch-norm input: element (n, c, s) at (n * C + c) * S + s. A
  /// channels-last input is [N * H * W, C, 1].
  std::string ncs(Value v, bool channelsLast) {
    auto t = llvm::cast<RankedTensorType>(v.getType());
    int64_t c = t.getDimSize(channelsLast ? t.getRank() - 1 : 1);
    int64_t n = channelsLast ? t.getNumElements() / c : t.getDimSize(0);
    return std::to_string(n) + ", " + std::to_string(c) + ", " +
           std::to_string(t.getNumElements() / n / c);
  }

  void call(std::string function, std::vector<std::string> arguments) {
    KernelStatement s = statement(Kind::Call);
    s.function = std::move(function);
    s.arguments = std::move(arguments);
    program.statements.push_back(s);
  }
  /// Copies `size` bytes from `from` to output `output`, or to `to` when `output` < 0.
  void copy(int output, std::string to, std::string from, int64_t size) {
    KernelStatement s = statement(Kind::Copy);
    s.index = output;
    s.arguments = {std::move(to), std::move(from)};
    s.count = size;
    program.statements.push_back(s);
  }

  void reduce(Value in, Value out, ArrayRef<int64_t> axes, int kind) {
    std::string s = shape(in), flags = reducedFlags(in, axes), y = result(out);
    call("reduce", {std::to_string(kind), of(in), s, std::to_string(rank(in)), flags, y});
  }

  /// Element-wise ops on operands of the result's shape (no broadcasting).
  static bool isElementwise(Operation *op) {
    if (llvm::isa<ReluOp, ReluBackwardOp, ScaleOp, ConvertOp>(op))
      return true;
    if (!llvm::isa<AddOp, MulOp>(op))
      return false;
    Type out = op->getResult(0).getType();
    return op->getOperand(0).getType() == out && op->getOperand(1).getType() == out;
  }

  /// Where element e of `o`'s output is in its input, when the input's dimensions other
  /// than 1 are one contiguous block [b, end) of the output's (and equal to them there):
  /// "(e / inner) % block", inner the output's elements after the block ("0": no block).
  static std::optional<std::string> blockIndex(BroadcastOp o) {
    auto in = llvm::cast<RankedTensorType>(o.getInput().getType());
    auto out = llvm::cast<RankedTensorType>(o.getOutput().getType());
    if (in.getRank() != out.getRank())
      return std::nullopt;
    int64_t rank = in.getRank(), begin = 0, end = rank;
    while (begin < rank && in.getDimSize(begin) == 1)
      ++begin;
    while (end > begin && in.getDimSize(end - 1) == 1)
      --end;
    int64_t block = 1, inner = 1;
    for (int64_t d = begin; d < end; ++d) {
      if (in.getDimSize(d) != out.getDimSize(d))
        return std::nullopt;
      block *= in.getDimSize(d);
    }
    for (int64_t d = end; d < rank; ++d)
      inner *= out.getDimSize(d);
    if (block == 1)
      return std::string("0");
    if (inner == 1)
      return "e % " + std::to_string(block);
    return "(e / " + std::to_string(inner) + ") % " + std::to_string(block);
  }

  /// Element e of `v` as an expression: a pending element-wise expression, or a load.
  std::string value(Value v) {
    if (auto it = pending.find(v); it != pending.end())
      return it->second;
    return of(v) + "[e]";
  }

  /// A result whose only use is another element-wise op stays an expression; any other is
  /// computed by one loop over its elements.
  void elementwise(Value result, const std::string &expression) {
    if (result.hasOneUse() && isElementwise(*result.getUsers().begin())) {
      pending[result] = expression;
      return;
    }
    KernelStatement s = statement(Kind::Loop, this->result(result));
    s.count = count(result);
    s.expression = expression;
    program.statements.push_back(s);
  }

  /// The element count of the largest value `op` reads or writes.
  static int64_t largestValue(Operation &op) {
    int64_t largest = 1;
    for (Value v : op.getOperands())
      largest = std::max(largest, count(v));
    for (Value v : op.getResults())
      largest = std::max(largest, count(v));
    return largest;
  }

  LogicalResult walk(Operation &op) {
    size_t first = program.statements.size();
    if (failed(dispatch(op)))
      return failure();
    for (size_t i = first; i < program.statements.size(); ++i)
      if (program.statements[i].kind == Kind::Call ||
          program.statements[i].kind == Kind::ScalarCall)
        program.statements[i].count = largestValue(op);
    return success();
  }

  LogicalResult dispatch(Operation &op) {
    bool handled = true;
    llvm::TypeSwitch<Operation *>(&op)
        .Case([&](ReluOp o) {
          elementwise(o.getOutput(), "simclr_kernels::reluOf(" + value(o.getInput()) + ")");
        })
        .Case([&](ReluBackwardOp o) {
          elementwise(o.getGradInput(), "simclr_kernels::reluGradient(" +
                                            value(o.getGradOutput()) + ", " +
                                            value(o.getOutput()) + ")");
        })
        .Case([&](ConvertOp o) {
          // Narrowing rounds where the value is made (it may stay an expression);
          // widening is exact.
          std::string x = value(o.getInput());
          elementwise(o.getOutput(), elementType(o.getOutput()) == "float"
                                         ? "float(" + x + ")"
                                         : "simclr_kernels::toBf16(" + x + ")");
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
          call("binary", {llvm::isa<AddOp>(o) ? "0" : "1", of(a), sa, of(b), sb, y, so,
                          std::to_string(rank(out))});
        })
        .Case([&](BroadcastOp o) {
          // A block of the output's dimensions from the input (a per-channel vector over
          // activations): element e reads the input at (e / inner) % block, inside its
          // users' loop; any other broadcast is a building block's.
          if (std::optional<std::string> at = blockIndex(o)) {
            elementwise(o.getOutput(), of(o.getInput()) + "[" + *at + "]");
            return;
          }
          std::string sx = shape(o.getInput()), sy = shape(o.getOutput()),
                      y = result(o.getOutput());
          call("broadcastTo", {of(o.getInput()), sx, y, sy, std::to_string(rank(o.getOutput()))});
        })
        .Case([&](TransposeOp o) {
          std::string sx = shape(o.getInput()),
                      p = array(o.getPermutation().vec()), y = result(o.getOutput());
          call("permute", {of(o.getInput()), y, sx, std::to_string(rank(o.getInput())), p});
        })
        .Case([&](ReshapeOp o) {
          std::string y = result(o.getOutput());
          copy(-1, y, of(o.getInput()), bytes(o.getOutput()));
        })
        .Case([&](ReduceSumOp o) { reduce(o.getInput(), o.getOutput(), o.getAxes(), 0); })
        .Case([&](ReduceMeanOp o) { reduce(o.getInput(), o.getOutput(), o.getAxes(), 1); })
        .Case([&](ReduceMaxOp o) { reduce(o.getInput(), o.getOutput(), o.getAxes(), 2); })
        .Case([&](GlobalAvgPoolOp o) { reduce(o.getInput(), o.getOutput(), {2, 3}, 1); })
        .Case([&](BatchNormTrainOp o) {
          std::string y = result(o.getOutput()), m = result(o.getNewRunningMean()),
                      v = result(o.getNewRunningVar());
          call("batchNormTrain",
               {of(o.getInput()), ncs(o.getInput(), o.getChannelsLast()), of(o.getScale()),
                optional(o.getOffset()), of(o.getRunningMean()), of(o.getRunningVar()),
                number(o.getEpsilon().convertToDouble()),
                number(o.getMomentum().convertToDouble()), y, m, v});
        })
        .Case([&](BatchNormInferOp o) {
          std::string y = result(o.getOutput());
          call("batchNormInfer", {of(o.getInput()), ncs(o.getInput(), o.getChannelsLast()),
                                  of(o.getScale()),
                                  optional(o.getOffset()), of(o.getMean()), of(o.getVariance()),
                                  number(o.getEpsilon().convertToDouble()), y});
        })
        .Case([&](BatchNormTrainBackwardOp o) {
          std::string dx = result(o.getGradInput()), dg = result(o.getGradScale()),
                      db = result(o.getGradOffset());
          call("batchNormTrainBackward",
               {of(o.getGradOutput()), of(o.getInput()), ncs(o.getInput(), o.getChannelsLast()),
                of(o.getScale()), number(o.getEpsilon().convertToDouble()), dx, dg, db});
        })
        .Case([&](BatchNormInferBackwardOp o) {
          std::string dx = result(o.getGradInput()), dg = result(o.getGradScale()),
                      db = result(o.getGradOffset());
          call("batchNormInferBackward",
               {of(o.getGradOutput()), of(o.getInput()), ncs(o.getInput(), o.getChannelsLast()),
                of(o.getScale()), of(o.getMean()), of(o.getVariance()), number(o.getEpsilon().convertToDouble()),
                dx, dg, db});
        })
        .Case<MaxPool2DOp, AvgPool2DOp>([&](Operation *o) {
          auto avg = llvm::dyn_cast<AvgPool2DOp>(o);
          auto max = llvm::dyn_cast<MaxPool2DOp>(o);
          Value in = o->getOperand(0), out = o->getResult(0);
          std::string w = avg ? window(in, out, avg.getKernel(), avg.getStride(),
                                       avg.getPadding(), avg.getChannelsLast())
                              : window(in, out, max.getKernel(), max.getStride(),
                                       max.getPadding(), max.getChannelsLast());
          std::string y = result(out);
          call("pool", {boolean(bool(max)), boolean(avg && avg.getCountIncludePad()), of(in), y, w});
        })
        .Case([&](MaxPool2DBackwardOp o) {
          std::string w = window(o.getInput(), o.getGradOutput(), o.getKernel(), o.getStride(),
                                 o.getPadding(), o.getChannelsLast());
          std::string dx = result(o.getGradInput());
          call("poolBackward", {"true", "false", of(o.getGradOutput()), of(o.getInput()), dx, w});
        })
        .Case([&](AvgPool2DBackwardOp o) {
          std::string w = window(o.getGradInput(), o.getGradOutput(), o.getKernel(),
                                 o.getStride(), o.getPadding(), o.getChannelsLast());
          std::string dx = result(o.getGradInput());
          call("poolBackward", {"false", boolean(o.getCountIncludePad()), of(o.getGradOutput()),
                                "nullptr", dx, w});
        })
        .Case([&](SliceOp o) {
          SmallVector<int64_t> strides(rank(o.getInput()), 1);
          if (auto st = o.getStrides())
            strides.assign(st->begin(), st->end());
          std::string big = shape(o.getInput()), box = shape(o.getOutput()),
                      offsets = array(o.getOffsets().vec()),
                      steps = array(std::vector<int64_t>(strides.begin(), strides.end())),
                      y = result(o.getOutput());
          call("slice", {of(o.getInput()), y, big, box, std::to_string(rank(o.getInput())),
                         offsets, steps, "true"});
        })
        .Case([&](SliceBackwardOp o) {
          SmallVector<int64_t> strides(rank(o.getGradInput()), 1);
          if (auto st = o.getStrides())
            strides.assign(st->begin(), st->end());
          std::string big = shape(o.getGradInput()), box = shape(o.getGradOutput()),
                      offsets = array(o.getOffsets().vec()),
                      steps = array(std::vector<int64_t>(strides.begin(), strides.end())),
                      y = result(o.getGradInput());
          call("slice", {of(o.getGradOutput()), y, big, box,
                         std::to_string(rank(o.getGradInput())), offsets, steps, "false"});
        })
        .Case([&](ReduceMaxBackwardOp o) {
          std::string s = shape(o.getInput()), flags = reducedFlags(o.getInput(), o.getAxes()),
                      dx = result(o.getGradInput());
          call("reduceMaxBackward", {of(o.getGradOutput()), of(o.getInput()), s,
                                     std::to_string(rank(o.getInput())), flags, dx});
        })
        .Case([&](SoftmaxOp o) {
          std::string ax = axis(o.getInput(), o.getAxis()), y = result(o.getOutput());
          call("softmax", {of(o.getInput()), y, ax});
        })
        .Case([&](SoftmaxBackwardOp o) {
          std::string ax = axis(o.getOutput(), o.getAxis()), y = result(o.getGradInput());
          call("softmaxBackward", {of(o.getGradOutput()), of(o.getOutput()), y, ax});
        })
        .Case([&](L2NormalizeOp o) {
          std::string ax = axis(o.getInput(), o.getAxis()), y = result(o.getOutput());
          call("l2Normalize",
               {of(o.getInput()), y, ax, number(o.getEpsilon().convertToDouble())});
        })
        .Case([&](L2NormalizeBackwardOp o) {
          std::string ax = axis(o.getInput(), o.getAxis()), y = result(o.getGradInput());
          call("l2NormalizeBackward", {of(o.getGradOutput()), of(o.getInput()), y, ax,
                                       number(o.getEpsilon().convertToDouble())});
        })
        .Case([&](SplitOp o) {
          std::string ax = axis(o.getInput(), o.getAxis());
          int64_t offset = 0;
          for (Value piece : o.getOutputs()) {
            int64_t extent = llvm::cast<RankedTensorType>(piece.getType()).getDimSize(o.getAxis());
            std::string y = result(piece);
            call("copySlab", {of(o.getInput()), y, ax, std::to_string(offset),
                              std::to_string(extent), "true"});
            offset += extent;
          }
        })
        .Case([&](ConcatOp o) {
          std::string ax = axis(o.getOutput(), o.getAxis()), y = result(o.getOutput());
          int64_t offset = 0;
          for (Value piece : o.getInputs()) {
            int64_t extent = llvm::cast<RankedTensorType>(piece.getType()).getDimSize(o.getAxis());
            call("copySlab", {of(piece), y, ax, std::to_string(offset), std::to_string(extent),
                              "false"});
            offset += extent;
          }
        })
        .Case([&](NtXentLossOp o) {
          auto z = llvm::cast<RankedTensorType>(o.getEmbeddings().getType());
          std::string l = result(o.getLoss()), a = result(o.getAccuracy());
          call("ntXent", {of(o.getEmbeddings()), std::to_string(z.getDimSize(0)),
                          std::to_string(z.getDimSize(1)),
                          number(o.getTemperature().convertToDouble()), l, a, "nullptr",
                          "nullptr", o.getReplica() ? of(o.getReplica()) : "nullptr",
                          std::to_string(o.getReplicas().value_or(1)),
                          o.getNegatives() ? of(o.getNegatives()) : "nullptr",
                          std::to_string(memoryRows(o.getNegatives()))});
        })
        .Case([&](NtXentLossBackwardOp o) {
          auto z = llvm::cast<RankedTensorType>(o.getEmbeddings().getType());
          std::string dz = result(o.getGradEmbeddings());
          call("ntXent", {of(o.getEmbeddings()), std::to_string(z.getDimSize(0)),
                          std::to_string(z.getDimSize(1)),
                          number(o.getTemperature().convertToDouble()), "nullptr", "nullptr",
                          of(o.getGradLoss()), dz,
                          o.getReplica() ? of(o.getReplica()) : "nullptr",
                          std::to_string(o.getReplicas().value_or(1)),
                          o.getNegatives() ? of(o.getNegatives()) : "nullptr",
                          std::to_string(memoryRows(o.getNegatives()))});
        })
        .Case([&](SoftmaxCrossEntropyOp o) {
          auto t = llvm::cast<RankedTensorType>(o.getLogits().getType());
          bool indices = isIndices(o.getLabels());
          std::string l = result(o.getLoss()), a = result(o.getAccuracy());
          call("crossEntropy", {of(o.getLogits()), std::to_string(t.getDimSize(0)),
                                std::to_string(t.getDimSize(1)),
                                indices ? of(o.getLabels()) : "nullptr",
                                indices ? "nullptr" : of(o.getLabels()), l, a, "nullptr",
                                "nullptr"});
        })
        .Case([&](SoftmaxCrossEntropyBackwardOp o) {
          auto t = llvm::cast<RankedTensorType>(o.getLogits().getType());
          bool indices = isIndices(o.getLabels());
          std::string d = result(o.getGradLogits());
          call("crossEntropy", {of(o.getLogits()), std::to_string(t.getDimSize(0)),
                                std::to_string(t.getDimSize(1)),
                                indices ? of(o.getLabels()) : "nullptr",
                                indices ? "nullptr" : of(o.getLabels()), "nullptr", "nullptr",
                                of(o.getGradLoss()), d});
        })
        .Case([&](DistillationLossOp o) {
          auto t = llvm::cast<RankedTensorType>(o.getStudentLogits().getType());
          std::string l = result(o.getLoss()), a = result(o.getAccuracy());
          call("distillation", {of(o.getStudentLogits()), of(o.getTeacherLogits()),
                                std::to_string(t.getDimSize(0)), std::to_string(t.getDimSize(1)),
                                number(o.getTemperature().convertToDouble()), l, a, "nullptr",
                                "nullptr"});
        })
        .Case([&](DistillationLossBackwardOp o) {
          auto t = llvm::cast<RankedTensorType>(o.getStudentLogits().getType());
          std::string d = result(o.getGradStudentLogits());
          call("distillation", {of(o.getStudentLogits()), of(o.getTeacherLogits()),
                                std::to_string(t.getDimSize(0)), std::to_string(t.getDimSize(1)),
                                number(o.getTemperature().convertToDouble()), "nullptr",
                                "nullptr", of(o.getGradLoss()), d});
        })
        .Case([&](LearningRateOp o) {
          KernelStatement s = statement(Kind::ScalarCall, result(o.getLearningRate()));
          s.function = "learningRate";
          s.arguments = {number(o.getPeak().convertToDouble()), of(o.getStep()) + "[0]",
                         of(o.getWarmupSteps()) + "[0]", of(o.getTotalSteps()) + "[0]"};
          program.statements.push_back(s);
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
          // The kernel takes the decay in effect and whether LARS adapts the rate.
          bool adapt = lars && !exclude && !lars.getNoAdaptation();
          bool nesterov = lars ? lars.getNesterov() : sgd.getNesterov();
          call("update", {boolean(bool(lars)), of(o->getOperand(0)), of(o->getOperand(1)),
                          of(o->getOperand(2)), std::to_string(count(o->getResult(0))),
                          of(o->getOperand(3)) + "[0]", number(momentum),
                          number(exclude ? 0.0 : decay), number(trust), boolean(adapt),
                          boolean(nesterov), w, v});
        })
        .Default([&](Operation *) { handled = false; });
    if (!handled)
      return op.emitOpError() << "is not supported by the kernel code generator yet";
    return success();
  }

  static bool isIndices(Value labels) {
    return llvm::cast<RankedTensorType>(labels.getType()).getElementType().isInteger();
  }

  KernelOp kernel;
  KernelProgram program;
  llvm::DenseMap<Value, std::string> names;
  llvm::DenseMap<Value, unsigned> outputOf;
  llvm::DenseMap<Value, std::string> pending; // element-wise values not yet computed
  int next = 0;
};

} // namespace

FailureOr<KernelProgram> mlir::simclr::walkKernel(KernelOp kernel, StringRef name) {
  return Walker(kernel).run(name);
}

std::vector<std::pair<KernelOp, std::string>> mlir::simclr::namedKernels(ModuleOp module) {
  std::vector<std::pair<KernelOp, std::string>> kernels;
  for (auto func : module.getOps<func::FuncOp>())
    for (auto kernel : func.getBody().front().getOps<KernelOp>())
      kernels.push_back(
          {kernel, (func.getSymName() + "_kernel" + std::to_string(kernels.size())).str()});
  return kernels;
}
