//===- FrontendBench.cpp - how long compiling a description takes ---------===//
//
// Parse + build + verify (the work of `simclrc --emit=mlir` before printing), and printing,
// for the smallest and the largest examples.
//
//===----------------------------------------------------------------------===//

#include "frontend/Description.h"
#include "frontend/ModelBuilder.h"
#include "passes/ModelStats.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <benchmark/benchmark.h>

namespace {

std::string readExample(const char *relative) {
  auto buffer = llvm::MemoryBuffer::getFile(std::string(SIMCLR_EXAMPLES_DIR "/") + relative);
  if (!buffer)
    return "";
  return (*buffer)->getBuffer().str();
}

void BM_ParseAndBuild(benchmark::State &state, const char *example) {
  std::string text = readExample(example);
  int64_t ops = 0;
  for (auto _ : state) {
    mlir::MLIRContext context;
    auto desc = mlir::simclr::frontend::parseDescription(text, example);
    if (!desc) {
      state.SkipWithError(llvm::toString(desc.takeError()).c_str());
      return;
    }
    auto module = mlir::simclr::frontend::buildModule(*desc, context);
    if (!module) {
      state.SkipWithError("module did not verify");
      return;
    }
    ops = 0;
    module->walk([&](mlir::Operation *) { ++ops; });
    benchmark::DoNotOptimize(module.get());
  }
  state.counters["ops"] = static_cast<double>(ops);
}

void BM_Print(benchmark::State &state, const char *example) {
  mlir::MLIRContext context;
  auto desc = mlir::simclr::frontend::parseDescription(readExample(example), example);
  if (!desc) {
    state.SkipWithError(llvm::toString(desc.takeError()).c_str());
    return;
  }
  auto module = mlir::simclr::frontend::buildModule(*desc, context);
  for (auto _ : state) {
    std::string text;
    llvm::raw_string_ostream os(text);
    module->print(os);
    benchmark::DoNotOptimize(text.data());
    state.counters["bytes"] = static_cast<double>(text.size());
  }
}

BENCHMARK_CAPTURE(BM_ParseAndBuild, fmnist_pretrain, "fashion_mnist/pretrain.yaml")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParseAndBuild, r50_1x_sk0, "imagenet/r50_1x_sk0.yaml")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParseAndBuild, r152_3x_sk1, "imagenet/r152_3x_sk1.yaml")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Print, r152_3x_sk1, "imagenet/r152_3x_sk1.yaml")
    ->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
