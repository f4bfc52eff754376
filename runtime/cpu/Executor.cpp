//===- Executor.cpp - running a compiled step on the CPU -------------------===//

#include "runtime/cpu/Executor.h"
#include "dialects/simclr/IR/SimclrOps.h"
#include "passes/MemoryPlan.h"
#include "runtime/ModelInitializers.h"
#include "runtime/cpu/LibraryCalls.h"
#include "targets/cpu/EmitKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>

using namespace mlir;
using namespace mlir::simclr;
using namespace mlir::simclr::cpu;

namespace {

using KernelFn = void (*)(const void *const *, void *const *);

llvm::Error executionError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

int64_t count(Value v) { return llvm::cast<RankedTensorType>(v.getType()).getNumElements(); }

ArrayRef<int64_t> dims(Value v) { return llvm::cast<RankedTensorType>(v.getType()).getShape(); }

Convolution convolutionOf(Value input, Value filter, Value output, ArrayRef<int64_t> stride,
                          ArrayRef<int64_t> padding, ArrayRef<int64_t> dilation,
                          int64_t groups) {
  auto x = dims(input), w = dims(filter), y = dims(output);
  Convolution c{x[0], x[1], x[2], x[3], w[0], w[2], w[3], y[2], y[3]};
  c.stride = {stride[0], stride[1]};
  c.padding = {padding[0], padding[1], padding[2], padding[3]};
  c.dilation = {dilation[0], dilation[1]};
  c.groups = groups;
  return c;
}

} // namespace

struct Executor::Impl {
  func::FuncOp func;
  MemoryPlan plan;
  LibraryCalls library;
  void *handle = nullptr;
  llvm::DenseMap<Operation *, KernelFn> kernels;
  std::map<Operation *, std::vector<float>> constants;
  std::vector<float> arena;
  std::string workDirectory;

  ~Impl() {
    if (handle)
      dlclose(handle);
  }
};

Executor::Executor() : impl(std::make_unique<Impl>()) {}
Executor::~Executor() = default;

llvm::Expected<std::unique_ptr<Executor>>
Executor::create(ModuleOp module, llvm::StringRef function, llvm::StringRef workDirectory) {
  std::unique_ptr<Executor> executor(new Executor());
  Impl &impl = *executor->impl;
  impl.func = module.lookupSymbol<func::FuncOp>(function);
  if (!impl.func)
    return executionError("no function @" + function + " in the module");
  impl.plan = planMemory(impl.func);
  impl.arena.assign(impl.plan.arenaBytes / sizeof(float) + 16, 0.f);

  for (auto param : module.getOps<ParameterOp>())
    executor->variables[param.getSymName().str()].assign(
        llvm::cast<RankedTensorType>(param.getType()).getNumElements(), 0.f);
  for (auto state : module.getOps<StateOp>())
    executor->variables[state.getSymName().str()].assign(
        llvm::cast<RankedTensorType>(state.getType()).getNumElements(), 0.f);

  // Emit, build and load the kernels.
  SmallVector<KernelOp> kernelOps;
  std::string code = cpuKernelPrelude();
  for (Operation &op : impl.func.getBody().front()) {
    if (auto kernel = llvm::dyn_cast<KernelOp>(op)) {
      auto text = emitCpuKernel(kernel, "kernel" + std::to_string(kernelOps.size()));
      if (failed(text))
        return executionError("cannot emit a kernel of @" + function + " for the CPU");
      code += *text + "\n";
      kernelOps.push_back(kernel);
    } else if (auto constant = llvm::dyn_cast<arith::ConstantOp>(op)) {
      auto splat = llvm::dyn_cast<SplatElementsAttr>(constant.getValue());
      if (!splat)
        return executionError("the CPU executor supports splat constants only");
      impl.constants[constant].assign(count(constant.getResult()),
                                      splat.getSplatValue<APFloat>().convertToFloat());
    }
  }
  if (!kernelOps.empty()) {
    std::string source = (workDirectory + "/kernels.cpp").str();
    std::string library = (workDirectory + "/kernels.so").str();
    std::error_code ec;
    llvm::raw_fd_ostream out(source, ec);
    if (ec)
      return executionError(source + ": error: " + ec.message());
    out << code;
    out.close();
    if (llvm::Error e = buildCpuKernels(source, library))
      return std::move(e);
    impl.handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!impl.handle)
      return executionError(std::string("cannot load the kernels: ") + dlerror());
    for (auto [i, kernel] : llvm::enumerate(kernelOps)) {
      auto fn = reinterpret_cast<KernelFn>(dlsym(impl.handle, ("kernel" + std::to_string(i)).c_str()));
      if (!fn)
        return executionError("kernel" + std::to_string(i) + " is missing from the built kernels");
      impl.kernels[kernel] = fn;
    }
  }
  return executor;
}

llvm::Error Executor::initialize(uint64_t seed) {
  return runtime::initializeVariables(
      impl->func->getParentOfType<ModuleOp>(), seed, [](StringRef) { return true; },
      [&](StringRef name, ArrayRef<int64_t>, std::vector<double> values) {
        variables[name.str()].assign(values.begin(), values.end());
      });
}

llvm::Expected<std::vector<std::vector<float>>>
Executor::run(const std::vector<const void *> &arguments) {
  Impl &m = *impl;
  Block &body = m.func.getBody().front();
  if (arguments.size() != body.getNumArguments())
    return executionError("@" + m.func.getSymName() + " takes " + llvm::Twine(body.getNumArguments()) +
                   " arguments, got " + llvm::Twine(arguments.size()));
  char *arena = reinterpret_cast<char *>(m.arena.data());
  auto pointer = [&](Value v) -> float * {
    if (auto arg = llvm::dyn_cast<BlockArgument>(v))
      return const_cast<float *>(static_cast<const float *>(arguments[arg.getArgNumber()]));
    if (auto load = v.getDefiningOp<LoadOp>())
      return variables[load.getName().str()].data();
    if (auto constant = v.getDefiningOp<arith::ConstantOp>())
      return m.constants[constant].data();
    return reinterpret_cast<float *>(arena + m.plan.offsets.lookup(v));
  };
  for (Operation &op : body) {
    if (llvm::isa<LoadOp, arith::ConstantOp>(op))
      continue;
    if (auto conv = llvm::dyn_cast<Conv2DOp>(op)) {
      m.library.convolution(convolutionOf(conv.getInput(), conv.getFilter(), conv.getOutput(),
                                          conv.getStride(), conv.getPadding(),
                                          conv.getDilation(), conv.getGroups()),
                            pointer(conv.getInput()), pointer(conv.getFilter()),
                            pointer(conv.getOutput()));
    } else if (auto c = llvm::dyn_cast<Conv2DBackwardInputOp>(op)) {
      m.library.convolutionBackwardInput(
          convolutionOf(c.getGradInput(), c.getFilter(), c.getGradOutput(), c.getStride(),
                        c.getPadding(), c.getDilation(), c.getGroups()),
          pointer(c.getGradOutput()), pointer(c.getFilter()), pointer(c.getGradInput()));
    } else if (auto c = llvm::dyn_cast<Conv2DBackwardFilterOp>(op)) {
      m.library.convolutionBackwardFilter(
          convolutionOf(c.getInput(), c.getGradFilter(), c.getGradOutput(), c.getStride(),
                        c.getPadding(), c.getDilation(), c.getGroups()),
          pointer(c.getInput()), pointer(c.getGradOutput()), pointer(c.getGradFilter()));
    } else if (auto d = llvm::dyn_cast<DenseOp>(op)) {
      auto x = dims(d.getInput()), w = dims(d.getWeight());
      m.library.matmul(x[0], w[0], x[1], false, true, pointer(d.getInput()),
                       pointer(d.getWeight()), d.getBias() ? pointer(d.getBias()) : nullptr,
                       pointer(d.getOutput()));
    } else if (auto mm = llvm::dyn_cast<MatmulOp>(op)) {
      auto c = dims(mm.getOutput()), a = dims(mm.getA());
      int64_t k = mm.getTransposeA() ? a[0] : a[1];
      m.library.matmul(c[0], c[1], k, mm.getTransposeA(), mm.getTransposeB(), pointer(mm.getA()),
                       pointer(mm.getB()), nullptr, pointer(mm.getOutput()));
    } else if (auto kernel = llvm::dyn_cast<KernelOp>(op)) {
      std::vector<const void *> ins;
      std::vector<void *> outs;
      for (Value v : kernel.getInputs())
        ins.push_back(pointer(v));
      for (Value v : kernel.getResults())
        outs.push_back(pointer(v));
      m.kernels.lookup(kernel)(ins.data(), outs.data());
    } else if (auto store = llvm::dyn_cast<StoreOp>(op)) {
      float *to = variables[store.getName().str()].data(), *from = pointer(store.getValue());
      if (to != from)
        std::memcpy(to, from, count(store.getValue()) * sizeof(float));
    } else if (auto ret = llvm::dyn_cast<func::ReturnOp>(op)) {
      std::vector<std::vector<float>> results;
      for (Value v : ret.getOperands()) {
        float *p = pointer(v);
        results.emplace_back(p, p + count(v));
      }
      return results;
    } else {
      return executionError("'" + op.getName().getStringRef() +
                     "' outside a kernel is not supported by the CPU executor");
    }
  }
  return executionError("@" + m.func.getSymName() + " has no return");
}
