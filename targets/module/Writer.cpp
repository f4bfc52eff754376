//===- Writer.cpp - compiled simclr modules -> module files ----------------===//
//
// Lowers each function to a flat schedule: every top-level op other than loads, constants
// and the return becomes an instruction whose operands are references to an argument, a
// variable (parameters and state are used in place), a constant, or a buffer at the
// arena offset simclr-plan-memory recorded on its defining op. Kernels are stored once
// each as kernel IR and as the code of each target.
//
//===----------------------------------------------------------------------===//

#include "targets/module/Writer.h"
#include "dialects/simclr/IR/SimclrOps.h"
#include "runtime/module/Format.h"
#include "targets/common/KernelWalk.h"
#include "targets/cpu/CpuPrinter.h"
#include "targets/cuda/CudaBuild.h"
#include "targets/cuda/CudaPrinter.h"
#include "runtime/module/Module_generated.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/OperationSupport.h"

#include <charconv>

using namespace mlir;
using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

namespace {

FailureOr<format::DType> dtypeOf(Operation *op, Type type) {
  Type element = llvm::cast<RankedTensorType>(type).getElementType();
  if (element.isF32())
    return format::DType::F32;
  if (element.isF16())
    return format::DType::F16;
  if (element.isBF16())
    return format::DType::BF16;
  if (element.isInteger(32))
    return format::DType::I32;
  if (element.isInteger(64))
    return format::DType::I64;
  return op->emitError() << "the module format has no element type " << element;
}

/// The instruction an op of a compiled function becomes.
FailureOr<format::Op> instructionOp(Operation &op) {
  if (llvm::isa<Conv2DOp>(op))
    return format::Op::Conv2D;
  if (llvm::isa<Conv2DBackwardInputOp>(op))
    return format::Op::Conv2DBackwardInput;
  if (llvm::isa<Conv2DBackwardFilterOp>(op))
    return format::Op::Conv2DBackwardFilter;
  if (llvm::isa<DenseOp>(op))
    return format::Op::Dense;
  if (llvm::isa<MatmulOp>(op))
    return format::Op::Matmul;
  if (llvm::isa<KernelOp>(op))
    return format::Op::Kernel;
  if (llvm::isa<StoreOp>(op))
    return format::Op::Store;
  if (llvm::isa<AllReduceOp>(op))
    return format::Op::AllReduce;
  if (llvm::isa<AllGatherOp>(op))
    return format::Op::AllGather;
  if (llvm::isa<ReduceScatterOp>(op))
    return format::Op::ReduceScatter;
  if (llvm::isa<ReplicaIdOp>(op))
    return format::Op::ReplicaId;
  return op.emitOpError() << "is outside any kernel and is no library call: the module "
                             "format has no instruction for it (run simclr-fuse-kernels)";
}

std::string printed(Attribute attr) {
  std::string text;
  llvm::raw_string_ostream os(text);
  attr.print(os);
  return text;
}

class Serializer {
public:
  Serializer(ModuleOp module, const ModuleTargets &targets)
      : module(module), targets(targets),
        simclr(module.getContext()->getLoadedDialect<SimclrDialect>()) {}

  FailureOr<std::vector<uint8_t>> run() {
    for (Operation &op : module.getBody()->getOperations()) {
      if (auto param = llvm::dyn_cast<ParameterOp>(op)) {
        if (failed(addVariable(param, param.getSymName(), format::VariableKind::Parameter,
                               param.getType(), param.getGroup(), param.getInit(),
                               param.getInitStd() ? param.getInitStd()->convertToDouble() : 0.0,
                               param.getFrozen())))
          return failure();
      } else if (auto state = llvm::dyn_cast<StateOp>(op)) {
        if (failed(addVariable(state, state.getSymName(), format::VariableKind::State,
                               state.getType(), state.getGroup(), state.getInit(), 0.0, false)))
          return failure();
      }
    }
    std::vector<flatbuffers::Offset<format::KernelBinary>> binaries;
    if (failed(addKernels(binaries)))
      return failure();
    std::vector<flatbuffers::Offset<format::EntryPoint>> entries;
    for (auto func : module.getOps<func::FuncOp>()) {
      auto entry = addEntryPoint(func);
      if (failed(entry))
        return failure();
      entries.push_back(*entry);
    }
    meta["replicas"] = std::to_string(replicaCount(module));
    std::vector<flatbuffers::Offset<format::KeyValue>> metadata;
    for (auto &[key, value] : meta)
      metadata.push_back(format::CreateKeyValueDirect(fbb, key.c_str(), value.c_str()));
    auto root = format::CreateModule(
        fbb, kModuleVersion,
        fbb.CreateString(module.getSymName() ? module.getSymName()->str() : ""),
        fbb.CreateVectorOfSortedTables(&metadata), fbb.CreateVector(variables),
        fbb.CreateVector(constants), fbb.CreateVector(kernels),
        binaries.empty() ? 0 : fbb.CreateVector(binaries), fbb.CreateVector(entries));
    format::FinishModuleBuffer(fbb, root);

    return wrapModulePayload(fbb.GetBufferPointer(), fbb.GetSize());
  }

private:
  LogicalResult addVariable(Operation *op, StringRef name, format::VariableKind kind,
                            Type type, StringRef group, StringRef init, double initStd,
                            bool frozen) {
    auto dtype = dtypeOf(op, type);
    if (failed(dtype))
      return failure();
    std::vector<int64_t> shape = llvm::cast<RankedTensorType>(type).getShape().vec();
    // The role follows from the group: an optimizer's state, a teacher's variable (its
    // group names the teacher's part), or the model's own.
    format::VariableRole role = format::VariableRole::Model;
    if (kind == format::VariableKind::State && group == "optimizer")
      role = format::VariableRole::Optimizer;
    else if (group.starts_with("teacher."))
      role = format::VariableRole::Teacher;
    variableIndex[name] = static_cast<int>(variables.size());
    variables.push_back(format::CreateVariableDirect(
        fbb, name.str().c_str(), kind, role, *dtype, &shape, group.str().c_str(),
        init.str().c_str(), initStd, frozen));
    return success();
  }

  FailureOr<flatbuffers::Offset<format::ValueRef>>
  ref(Operation *user, Value value, const llvm::DenseMap<Value, int> &arguments) {
    auto dtype = dtypeOf(user, value.getType());
    if (failed(dtype))
      return failure();
    auto shape = llvm::cast<RankedTensorType>(value.getType()).getShape().vec();
    if (auto it = arguments.find(value); it != arguments.end())
      return format::CreateValueRefDirect(fbb, format::ValueKind::Argument, it->second, 0,
                                          *dtype, &shape);
    if (auto load = value.getDefiningOp<LoadOp>())
      return format::CreateValueRefDirect(fbb, format::ValueKind::Variable,
                                          variableIndex.lookup(load.getName()), 0, *dtype,
                                          &shape);
    if (auto constant = value.getDefiningOp<arith::ConstantOp>()) {
      auto splat = llvm::dyn_cast<SplatElementsAttr>(constant.getValue());
      if (!splat || !llvm::isa<FloatType>(splat.getElementType()))
        return constant.emitError() << "the module format holds splat float constants only";
      int index = static_cast<int>(constants.size());
      constants.push_back(format::CreateConstantDirect(
          fbb, splat.getSplatValue<APFloat>().convertToDouble(), *dtype, &shape));
      return format::CreateValueRefDirect(fbb, format::ValueKind::Constant, index, 0, *dtype,
                                          &shape);
    }
    // Anything else lives in the arena, where simclr-plan-memory put it.
    auto result = llvm::dyn_cast<OpResult>(value);
    DenseI64ArrayAttr offsets =
        result ? simclr->getOffsetsAttrHelper().getAttr(result.getOwner()) : nullptr;
    if (!offsets || offsets[result.getResultNumber()] < 0)
      return user->emitError() << "operand has no buffer in the memory plan";
    return format::CreateValueRefDirect(fbb, format::ValueKind::Buffer, 0,
                                        offsets[result.getResultNumber()], *dtype, &shape);
  }

  /// Loads are used in place; that is only right if no store to the same variable comes
  /// between a load and a use of its value.
  LogicalResult checkLoadsInPlace(func::FuncOp func) {
    Block &body = func.getBody().front();
    llvm::DenseMap<Operation *, int64_t> index;
    llvm::StringMap<SmallVector<int64_t>> stores; // positions of the stores to each variable
    for (Operation &op : body) {
      index[&op] = static_cast<int64_t>(index.size());
      if (auto store = llvm::dyn_cast<StoreOp>(op))
        stores[store.getName()].push_back(index[&op]);
    }
    for (auto load : body.getOps<LoadOp>()) {
      auto it = stores.find(load.getName());
      if (it == stores.end())
        continue;
      int64_t lastUse = index[load];
      for (Operation *user : load->getUsers())
        lastUse = std::max(lastUse, index[body.findAncestorOpInBlock(*user)]);
      for (int64_t store : it->second)
        if (store > index[load] && store < lastUse)
          return load.emitError() << "is used after a store to @" << load.getName()
                                  << "; the module format reads variables in place";
    }
    return success();
  }

  FailureOr<flatbuffers::Offset<format::EntryPoint>> addEntryPoint(func::FuncOp func) {
    if (failed(checkLoadsInPlace(func)))
      return failure();
    IntegerAttr arenaBytes = simclr->getArenaBytesAttrHelper().getAttr(func);
    if (!arenaBytes)
      return func.emitError() << "has no memory plan: compile it with simclr-training-step "
                                 "(simclr-plan-memory) first";
    for (NamedAttribute attr : func->getDiscardableAttrs())
      if (attr.getName().getValue().starts_with("simclr.") &&
          attr.getName() != simclr->getArenaBytesAttrHelper().getName())
        addMetadata((func.getSymName() + ":" + attr.getName().getValue()).str(),
                    attr.getValue());
    llvm::DenseMap<Value, int> arguments;
    std::vector<flatbuffers::Offset<format::ValueRef>> args, results;
    for (BlockArgument arg : func.getArguments()) {
      arguments[arg] = static_cast<int>(arg.getArgNumber());
      auto r = ref(func, arg, arguments);
      if (failed(r))
        return failure();
      args.push_back(*r);
    }
    std::vector<flatbuffers::Offset<format::Instruction>> instructions;
    for (Operation &op : func.getBody().front()) {
      if (llvm::isa<LoadOp, arith::ConstantOp>(op))
        continue;
      if (auto ret = llvm::dyn_cast<func::ReturnOp>(op)) {
        for (Value v : ret.getOperands()) {
          auto r = ref(&op, v, arguments);
          if (failed(r))
            return failure();
          results.push_back(*r);
        }
        continue;
      }
      std::vector<flatbuffers::Offset<format::ValueRef>> inputs, outputs;
      for (Value v : op.getOperands()) {
        auto r = ref(&op, v, arguments);
        if (failed(r))
          return failure();
        inputs.push_back(*r);
      }
      if (auto store = llvm::dyn_cast<StoreOp>(op)) {
        auto shape = store.getValue().getType().getShape().vec();
        auto dtype = dtypeOf(&op, store.getValue().getType());
        if (failed(dtype))
          return failure();
        outputs.push_back(format::CreateValueRefDirect(
            fbb, format::ValueKind::Variable, variableIndex.lookup(store.getName()), 0,
            *dtype, &shape));
      }
      for (Value v : op.getResults()) {
        auto r = ref(&op, v, arguments);
        if (failed(r))
          return failure();
        outputs.push_back(*r);
      }
      int kernel = -1;
      if (auto k = llvm::dyn_cast<KernelOp>(op))
        kernel = kernelIndex.lookup(k);
      auto code = instructionOp(op);
      if (failed(code))
        return failure();
      NamedAttrList attrs(op.getAttrDictionary());
      attrs.erase(simclr->getOffsetsAttrHelper().getName());
      std::string attributes = printed(attrs.getDictionary(op.getContext()));
      flatbuffers::Offset<format::Convolution> convolution;
      auto geometry = [&](auto c) {
        std::vector<int64_t> s = c.getStride().vec(), p = c.getPadding().vec(),
                             d = c.getDilation().vec();
        convolution = format::CreateConvolutionDirect(fbb, &s, &p, &d, c.getGroups(),
                                                      c.getChannelsLast());
      };
      bool transposeA = false, transposeB = false, reduceMean = false;
      if (auto c = llvm::dyn_cast<Conv2DOp>(op))
        geometry(c);
      else if (auto c = llvm::dyn_cast<Conv2DBackwardInputOp>(op))
        geometry(c);
      else if (auto c = llvm::dyn_cast<Conv2DBackwardFilterOp>(op))
        geometry(c);
      else if (auto m = llvm::dyn_cast<MatmulOp>(op)) {
        transposeA = m.getTransposeA();
        transposeB = m.getTransposeB();
      } else if (auto r = llvm::dyn_cast<AllReduceOp>(op)) {
        reduceMean = r.getKind() == "mean";
      }
      instructions.push_back(format::CreateInstructionDirect(
          fbb, *code, kernel, attributes.c_str(), &inputs, &outputs, convolution, transposeA,
          transposeB, reduceMean));
    }
    return format::CreateEntryPointDirect(fbb, func.getSymName().str().c_str(), &args,
                                          &results, arenaBytes.getInt(), &instructions);
  }

  /// Every kernel of the module, in module order (namedKernels): its IR and its code for
  /// each target; for the CUDA target also the one fatbin of all of them.
  LogicalResult addKernels(std::vector<flatbuffers::Offset<format::KernelBinary>> &binaries) {
    CudaModuleSource cudaSource;
    for (auto &[k, name] : namedKernels(module)) {
      std::string ir;
      llvm::raw_string_ostream os(ir);
      k->print(os, OpPrintingFlags().printGenericOpForm());
      auto program = walkKernel(k, name);
      if (failed(program))
        return failure();
      std::string cpu = printCpuKernel(*program);
      std::vector<flatbuffers::Offset<format::KernelSource>> sources = {
          format::CreateKernelSourceDirect(fbb, format::Target::Cpu, cpu.c_str())};
      if (targets.cuda) {
        CudaKernel cuda = printCudaKernel(*program);
        cudaSource.add(cuda);
        std::vector<flatbuffers::Offset<format::Launch>> launches;
        for (const CudaLaunch &l : cuda.launches)
          launches.push_back(format::CreateLaunchDirect(fbb, l.function.c_str(),
                                                        uint32_t(l.grid), uint32_t(l.block)));
        sources.push_back(format::CreateKernelSourceDirect(fbb, format::Target::Cuda,
                                                           cuda.code().c_str(), &launches,
                                                           cuda.scratchFloats, cuda.tempBytes));
      }
      kernelIndex[k] = int(kernels.size());
      kernels.push_back(format::CreateKernelDirect(fbb, name.c_str(), ir.c_str(), &sources));
    }
    if (!targets.cuda || !targets.cudaBinary)
      return success();
    auto fatbin = buildCudaFatbin(cudaSource.code(), targets.cudaArchitectures);
    if (!fatbin)
      return mlir::emitError(module.getLoc()) << "building the CUDA kernels failed: "
                                              << fatbin.errorMessage();
    binaries.push_back(format::CreateKernelBinaryDirect(
        fbb, format::Target::Cuda, targets.cudaArchitectures.c_str(), &*fatbin));
    return success();
  }

  /// Settings become plain text a runtime reads without MLIR: a dictionary one key per
  /// entry (`train_step:simclr.input.batch_size` = `256`), numbers in decimal, strings
  /// unquoted, anything else in MLIR syntax.
  void addMetadata(const std::string &key, Attribute value) {
    if (auto dict = llvm::dyn_cast<DictionaryAttr>(value)) {
      for (NamedAttribute entry : dict)
        addMetadata(key + "." + entry.getName().str(), entry.getValue());
    } else if (auto b = llvm::dyn_cast<BoolAttr>(value)) {
      meta[key] = b.getValue() ? "true" : "false";
    } else if (auto i = llvm::dyn_cast<IntegerAttr>(value)) {
      meta[key] = std::to_string(i.getInt());
    } else if (auto f = llvm::dyn_cast<FloatAttr>(value)) {
      char text[32]; // the shortest decimal that reads back exactly
      auto end = std::to_chars(text, text + sizeof(text), f.getValueAsDouble()).ptr;
      meta[key] = std::string(text, end);
    } else if (auto s = llvm::dyn_cast<StringAttr>(value)) {
      meta[key] = s.getValue().str();
    } else {
      meta[key] = printed(value);
    }
  }

  ModuleOp module;
  ModuleTargets targets;
  SimclrDialect *simclr;
  llvm::DenseMap<Operation *, int> kernelIndex;
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<format::Variable>> variables;
  std::vector<flatbuffers::Offset<format::Constant>> constants;
  std::vector<flatbuffers::Offset<format::Kernel>> kernels;
  llvm::StringMap<int> variableIndex;
  std::map<std::string, std::string> meta;
};

} // namespace

FailureOr<std::vector<uint8_t>> mlir::simclr::serializeModule(ModuleOp module,
                                                             const ModuleTargets &targets) {
  return Serializer(module, targets).run();
}
