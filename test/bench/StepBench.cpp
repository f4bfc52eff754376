//===- StepBench.cpp - a compiled training step's speed on the GPU ---------===//
//
// simclr-step-bench MODULE.sclm [--steps=N] [--warmup=W] [--no-cuda-graph] [--json=FILE]
//
// Times train_step of a CUDA module the way the GPU bundle's benchmark needs it
// (docs/GPU.md, "Benchmark"): the variables initialised from the seed, one random batch
// made once and left on the GPU (synthetic data: the loader is not measured), the step's
// scalars staged as in training (two staging buffers in turn: two CUDA graphs, captured at
// the third and fourth steps), W warm-up steps, then N timed steps, each ending, as in
// training, when its results are back. Prints views/s and ms/step; --json writes them with the precision and
// the device. Links the runtime and the CUDA device only (no LLVM, MLIR or oneDNN), so that
// it runs where the bundle runs.
//
//===----------------------------------------------------------------------===//

#include "runtime/cuda/CudaDevice.h"
#include "runtime/exec/Executor.h"
#include "runtime/exec/VariableTable.h"
#include "runtime/support/CommandLine.h"
#include "runtime/support/Files.h"
#include "runtime/support/Json.h"
#include "runtime/support/Strings.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>

using namespace mlir::simclr;

namespace {

int fail(const std::string &message) {
  std::fprintf(stderr, "simclr-step-bench: %s\n", message.c_str());
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  runtime::FlagSet flags("Times a CUDA module's training step on synthetic data left on the GPU");
  flags.positionalHelp = "<model.sclm>";
  int steps = 50, warmup = 5;
  bool noGraph = false;
  std::string jsonPath;
  uint64_t seed = 1;
  flags.add("steps", &steps, "Timed steps");
  flags.add("warmup", &warmup, "Steps before the timing (at least 4, so that the "
                               "CUDA graph is captured before it)");
  flags.add("no-cuda-graph", &noGraph, "Issue every step anew instead of replaying a CUDA graph");
  flags.add("json", &jsonPath, "Also write the figures here (JSON)");
  flags.add("seed", &seed, "Seed of the variables and the batch");
  std::vector<std::string> positional;
  if (auto code = flags.parse(argc, argv, positional))
    return *code;
  if (positional.size() != 1)
    return fail("error: give one module (see --help)");
  if (steps < 1 || warmup < 0)
    return fail("error: --steps must be at least 1 and --warmup at least 0");

  auto module = runtime::readModule(positional[0]);
  if (!module)
    return fail(module.errorMessage());
  auto schedule = runtime::Schedule::create(*module, "train_step");
  if (!schedule)
    return fail(schedule.errorMessage());
  auto device = cuda::createCudaDevice(*module);
  if (!device)
    return fail(device.errorMessage());
  (*device)->allowRecording(!noGraph);
  if (runtime::Error e = (*device)->checkFits(*module, {"train_step"}))
    return fail(runtime::toString(e));
  auto variables = runtime::VariableTable::create(*module, **device);
  if (!variables)
    return fail(variables.errorMessage());
  if (runtime::Error e = (*variables)->initialize(seed))
    return fail(runtime::toString(e));
  auto step = runtime::Executor::create(*module, "train_step", **device, **variables);
  if (!step)
    return fail(step.errorMessage());

  // The arguments: the images (and labels) once, on the GPU; the scalars (step, warm-up
  // steps, total steps) from the host each step, as in training.
  const std::vector<runtime::Operand> &declared = schedule->arguments();
  std::mt19937 rng{static_cast<unsigned>(seed)};
  std::normal_distribution<float> normal;
  std::vector<const void *> arguments;
  std::vector<void *> resident;
  const float scalars[3] = {float(warmup + steps) / 2, 1.f, float(warmup + steps)};
  size_t scalar = 0;
  for (const runtime::Operand &a : declared) {
    if (a.count == 1) {
      arguments.push_back(&scalars[std::min<size_t>(scalar++, 2)]);
      continue;
    }
    auto memory = (*device)->allocate(a.bytes());
    if (!memory)
      return fail(memory.errorMessage());
    if (a.dtype == format::DType::I32) {
      std::vector<int32_t> labels(size_t(a.count), 0); // class 0: valid in any classifier
      (*device)->upload(*memory, labels.data(), a.bytes());
    } else {
      std::vector<float> values(size_t(a.count));
      for (float &v : values)
        v = normal(rng);
      (*device)->upload(*memory, values.data(), a.bytes());
    }
    resident.push_back(*memory);
    arguments.push_back(*memory);
  }

  auto runOnce = [&]() -> runtime::Expected<float> {
    auto results = (*step)->run(arguments);
    if (!results)
      return results.takeError();
    return (*results)[0][0];
  };
  for (int i = 0; i < warmup; ++i) {
    auto loss = runOnce();
    if (!loss)
      return fail(loss.errorMessage());
  }
  auto started = std::chrono::steady_clock::now();
  float loss = 0.f;
  for (int i = 0; i < steps; ++i) {
    auto l = runOnce();
    if (!l)
      return fail(l.errorMessage());
    loss = *l;
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!std::isfinite(loss))
    return fail("error: the loss is " + std::to_string(loss) + " after the timed steps");

  bool bf16 = false;
  for (const runtime::Instruction &i : schedule->instructions())
    bf16 = bf16 || i.convolution.bf16 || i.product.bf16;
  int64_t views = declared.empty() ? 0 : declared[0].shape.empty() ? 0 : declared[0].shape[0];
  double viewsPerSecond = double(views) * steps / seconds, ms = 1000.0 * seconds / steps;
  std::printf("simclr %s %s %s: %lld views a step, %.1f views/s, %.2f ms/step (%d steps after "
              "%d, loss %.4f)\n",
              module->root().name() ? module->root().name()->c_str() : "?",
              bf16 ? "bf16" : "f32", noGraph ? "eager" : "cuda-graph", (long long)views,
              viewsPerSecond, ms, steps, warmup, loss);
  if (!jsonPath.empty()) {
    std::string json = runtime::format(
        "{\"module\": %s, \"precision\": \"%s\", \"cuda_graph\": %s, \"views_per_step\": %lld, "
        "\"views_per_second\": %.3f, \"ms_per_step\": %.4f, \"steps\": %d, \"warmup\": %d, "
        "\"loss\": %.6f}\n",
        runtime::quoteJson(positional[0]).c_str(), bf16 ? "bf16" : "f32",
        noGraph ? "false" : "true", (long long)views, viewsPerSecond, ms, steps, warmup, loss);
    if (runtime::Error e = runtime::writeFileAtomically(jsonPath, json))
      return fail(runtime::toString(e));
  }
  for (void *memory : resident)
    (*device)->release(memory);
  return 0;
}
