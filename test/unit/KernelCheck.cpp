//===- KernelCheck.cpp - generated kernels vs the reference ----------------===//

#include "KernelCheck.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::simclr;

void test::checkKernels(MLIRContext &context, ModuleOp module, KernelRunner &runner,
                        double tolerance) {
  auto cases = kernelCases(context, module);
  ASSERT_TRUE(static_cast<bool>(cases)) << llvm::toString(cases.takeError());
  ASSERT_FALSE(cases->empty());
  std::vector<KernelProgram> programs;
  for (const KernelCase &c : *cases)
    programs.push_back(c.program);
  ASSERT_TRUE(runner.build(programs));
  for (size_t i = 0; i < cases->size(); ++i) {
    const KernelCase &c = (*cases)[i];
    SCOPED_TRACE(c.program.name);
    std::vector<const void *> inputs;
    for (const runtime::Tensor &t : c.inputs)
      inputs.push_back(t.data.data());
    std::vector<std::vector<float>> results;
    std::vector<void *> outputs;
    results.reserve(c.expected.size());
    for (const runtime::Tensor &t : c.expected) {
      results.emplace_back(size_t(t.numElements()));
      outputs.push_back(results.back().data());
    }
    runner.run(i, inputs, outputs);
    for (size_t r = 0; r < results.size(); ++r)
      EXPECT_LT(relativeError(results[r], c.expected[r].toDoubles()), tolerance)
          << "result " << r;
  }
}
