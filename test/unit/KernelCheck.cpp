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
    std::vector<runtime::Tensor> results(c.expected.size());
    std::vector<void *> outputs;
    for (size_t r = 0; r < c.expected.size(); ++r) {
      results[r].dtype = c.resultTypes[r];
      results[r].shape = c.expected[r].shape;
      results[r].data.resize(size_t(c.expected[r].numElements()) *
                             runtime::dtypeSize(c.resultTypes[r]));
      outputs.push_back(results[r].data.data());
    }
    runner.run(i, inputs, outputs);
    for (size_t r = 0; r < results.size(); ++r) {
      std::vector<double> got = results[r].toDoubles();
      // A bf16 result may be rounded the other way where float32 and float64 straddle a
      // rounding boundary: one bf16 step (2^-8 relative).
      double allowed = c.resultTypes[r] == runtime::DType::BF16 ? std::max(tolerance, 1.0 / 256)
                                                                : tolerance;
      EXPECT_LT(relativeError(std::vector<float>(got.begin(), got.end()),
                              c.expected[r].toDoubles()),
                allowed)
          << "result " << r;
    }
  }
}
