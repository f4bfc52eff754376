//===- KernelCases.cpp - fused kernels on random inputs, with expected results ===//

#include "KernelCases.h"
#include "reference/Evaluator.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include <random>

using namespace mlir;
using namespace mlir::simclr;
using reference::Array;

llvm::Expected<std::vector<test::KernelCase>>
test::kernelCases(MLIRContext &context, ModuleOp module, unsigned seed) {
  std::vector<KernelCase> cases;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> uniform(0.5, 1.5);
  for (auto &[k, name] : namedKernels(module)) {
    auto program = walkKernel(k, name);
    if (failed(program))
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "kernel " + name + " cannot be walked");
    KernelCase c{std::move(*program), {}, {}, {}};
    // The same kernel in a function of its own, for the reference evaluator.
    OpBuilder b(&context);
    OwningOpRef<ModuleOp> wrapper = ModuleOp::create(b.getUnknownLoc());
    b.setInsertionPointToEnd(wrapper->getBody());
    auto func = func::FuncOp::create(
        b, k.getLoc(), "f", b.getFunctionType(k.getInputs().getTypes(), k.getResultTypes()));
    Block *entry = func.addEntryBlock();
    b.setInsertionPointToEnd(entry);
    Operation *copy = b.clone(*k);
    copy->setOperands(entry->getArguments());
    func::ReturnOp::create(b, k.getLoc(), copy->getResults());

    std::vector<Array> args;
    for (Value input : k.getInputs()) {
      auto type = llvm::cast<RankedTensorType>(input.getType());
      Array a(type.getShape().vec());
      bool labels = type.getElementType().isInteger(32);
      bool bf16 = type.getElementType().isBF16();
      runtime::DType dtype = labels ? runtime::DType::I32
                             : bf16 ? runtime::DType::BF16
                                    : runtime::DType::F32;
      // Labels -1 (an unlabelled row, which the cross entropy skips) to 2.
      for (double &v : a.data)
        v = labels ? double(int(rng() % 4) - 1) : static_cast<float>(uniform(rng));
      runtime::Tensor t = runtime::Tensor::fromDoubles(dtype, a.shape, a.data);
      a.data = t.toDoubles(); // what the kernel reads (bf16: rounded)
      c.inputs.push_back(std::move(t));
      args.push_back(std::move(a));
    }
    reference::Evaluator evaluator(*wrapper);
    auto expected = evaluator.run("f", args);
    if (!expected)
      return expected.takeError();
    for (const Array &r : *expected)
      c.expected.push_back(runtime::Tensor::fromDoubles(runtime::DType::F64, r.shape, r.data));
    for (Type type : k.getResultTypes())
      c.resultTypes.push_back(llvm::cast<RankedTensorType>(type).getElementType().isBF16()
                                  ? runtime::DType::BF16
                                  : runtime::DType::F32);
    cases.push_back(std::move(c));
  }
  return cases;
}
