//===- SafetensorsTarget.cpp - fuzzes safetensors files and checkpoints ----===//
//
// Input: a safetensors file. It is parsed (and every tensor converted, as loading
// does); then it is loaded into a small distillation network's variables the three ways
// a run loads one: --resume (every variable, and the run's position: stage, seed, steps,
// sampler epoch and offset), --init (the model's weights, a classifier for other classes
// replaced) and --teacher.
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "frontend/Description.h"
#include "frontend/LoadModule.h"
#include "frontend/ModelBuilder.h"
#include "passes/Passes.h"
#include "runtime/Safetensors.h"
#include "runtime/cpu/CpuDevice.h"
#include "runtime/module/Reader.h"
#include "runtime/train/Checkpoints.h"
#include "targets/module/Writer.h"

#include "mlir/IR/Diagnostics.h"

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

using namespace mlir;
using namespace mlir::simclr;

namespace {

/// A distillation network small enough to load a checkpoint into thousands of times a
/// second (8x8 gray images, basic blocks [1] of width 2, a teacher alike).
const char *kDescription = "name: fuzz\nstage: distill\n"
                           "input: {channels: 1, height: 8, width: 8, batch_size: 2}\n"
                           "network: {blocks: [1], block: basic, base_width: 2,"
                           " head: {layers: 1, output_dim: 4}}\n"
                           "teacher: {blocks: [1], block: basic, base_width: 2,"
                           " head: {layers: 1, output_dim: 4}}\n"
                           "classifier: {num_classes: 8}\n";

/// Never called: loading checkpoints runs no kernel.
void noKernel(const void *const *, void *const *) { std::abort(); }

struct Network {
  runtime::LoadedModule module;
  std::unique_ptr<cpu::CpuDevice> device;
};

Network &network() {
  static Network *built = [] {
    MLIRContext context;
    frontend::loadModuleDialects(context);
    frontend::loadFrontendDialects(context);
    auto desc = frontend::parseDescription(kDescription, "fuzz.yaml");
    OwningOpRef<ModuleOp> module;
    if (desc)
      module = frontend::buildModule(*desc, context);
    FailureOr<std::vector<uint8_t>> bytes = failure();
    if (module && succeeded(compileTrainingStep(*module)))
      bytes = serializeModule(*module);
    auto loaded = succeeded(bytes) ? runtime::parseModule(std::move(*bytes), "fuzz.sclm")
                                   : runtime::makeError("the network did not compile");
    if (!loaded) {
      std::fprintf(stderr, "safetensors fuzz target: %s\n", loaded.errorMessage().c_str());
      std::abort();
    }
    const auto *kernels = loaded->root().kernels();
    auto device = cpu::CpuDevice::create(
        *loaded, std::vector<cpu::KernelFn>(kernels ? kernels->size() : 0, noKernel));
    if (!device)
      std::abort();
    return new Network{std::move(*loaded), std::move(*device)};
  }();
  return *built;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char *>(data), size);
  std::map<std::string, std::string> metadata;
  auto tensors = runtime::parseSafetensors(bytes, "fuzz.safetensors", &metadata);
  if (!tensors) {
    fuzz::note(tensors.errorMessage());
    return 0;
  }
  for (const auto &[name, tensor] : *tensors)
    if (tensor.toDoubles().size() != size_t(tensor.numElements()))
      std::abort();

  std::string path = fuzz::scratchDirectory() + "/checkpoint.safetensors";
  fuzz::writeBytes(path, bytes);
  Network &net = network();
  auto variables = runtime::VariableTable::create(net.module, *net.device);
  if (!variables)
    std::abort();
  runtime::TrainingOptions options;
  options.steps = 3; // as the seed corpus's run.safetensors, stopped after step 1
  options.seed = 1;
  for (int way = 0; way < 3; ++way) {
    runtime::TrainingOptions one = options;
    (way == 0 ? one.resumePath : way == 1 ? one.initPath : one.teacherPath) = path;
    auto position = runtime::loadCheckpoints(**variables, one, "distill", way == 0);
    if (!position) {
      fuzz::note(position.errorMessage());
      continue;
    }
    fuzz::note("loaded, way " + std::to_string(way));
    if (position->step < 0 || position->step >= options.steps)
      std::abort(); // a resumed run must start inside the run
  }
  return 0;
}
