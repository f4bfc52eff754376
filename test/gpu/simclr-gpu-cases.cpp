//===- simclr-gpu-cases.cpp - what the GPU checks compare against ----------===//
//
//   simclr-gpu-cases --out=gpu-bundle --steps=pretrain:examples/fashion_mnist/pretrain.yaml,...
//
// Writes, for a GPU run on a machine without MLIR or oneDNN (docs/GPU.md):
//   cases/kernels-NAME.sclm         the kernel checks' modules (KernelCases.h), CUDA target
//   cases/kernels-NAME.safetensors  each kernel's inputs (kI.inJ) and the float64
//                                   reference's results (kI.outJ)
//   cases/library.safetensors       LibraryShapes.h's convolutions and products on random
//                                   inputs with the CPU runtime's (oneDNN's) results
//   cases/arch-sm_100.sclm          a module whose kernels are built for a newer GPU
//   cases/too-big.sclm              a step whose arena no GPU holds (Inputs/too-big.yaml)
//   steps/NAME.sclm                 each of --steps' modules (CPU and CUDA kernels)
//   steps/NAME.inputs.safetensors   random arguments of its train_step
//   steps/NAME.cpu-results.safetensors, NAME.cpu-variables.safetensors
//                                   one step on the CPU from the variables --seed=1 makes
//   bin/NAME                        its CUDA training executable (the same module bytes)
//
//===----------------------------------------------------------------------===//

#include "KernelCases.h"
#include "LibraryShapes.h"
#include "TestModels.h"
#include "frontend/LoadModule.h"
#include "passes/Passes.h"
#include "runtime/Safetensors.h"
#include "runtime/cpu/CpuDevice.h"
#include "runtime/cpu/LibraryCalls.h"
#include "runtime/support/CommandLine.h"
#include "runtime/support/Files.h"
#include "runtime/support/Strings.h"
#include "runtime/train/OneStep.h"
#include "targets/cuda/CudaBuild.h"
#include "targets/module/EmitExecutable.h"
#include "targets/module/Writer.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/SourceMgr.h"

#include <cstdio>
#include <random>
#include <sys/stat.h>

using namespace mlir;
using namespace mlir::simclr;
using runtime::DType;
using runtime::Error;
using runtime::Tensor;
using runtime::TensorMap;

namespace {

Error makeDirectory(const std::string &path) {
  if (::mkdir(path.c_str(), 0755) != 0 && !runtime::isDirectory(path))
    return runtime::makeError(path + ": error: cannot create the directory");
  return Error::success();
}

Error fromLlvm(llvm::Error e) {
  if (!e)
    return Error::success();
  return runtime::makeError("error: " + llvm::toString(std::move(e)));
}

Error writeBytes(const std::string &path, const std::vector<uint8_t> &bytes) {
  return runtime::writeFileAtomically(
      path, std::string_view(reinterpret_cast<const char *>(bytes.data()), bytes.size()));
}

Tensor floats(std::vector<int64_t> shape, const std::vector<float> &values) {
  return Tensor::fromDoubles(DType::F32, std::move(shape),
                             std::vector<double>(values.begin(), values.end()));
}

/// The kernel checks' modules, their kernels built for the GPU, and their cases.
Error writeKernelCases(MLIRContext &context, const std::string &dir,
                       const ModuleTargets &targets) {
  using Make = std::function<llvm::Expected<OwningOpRef<ModuleOp>>()>;
  std::vector<std::pair<std::string, Make>> modules = {
      {"pretrain", [&] { return test::stageModule(context, "pretrain"); }},
      {"finetune", [&] { return test::stageModule(context, "finetune"); }},
      {"linear_eval", [&] { return test::stageModule(context, "linear_eval"); }},
      {"distill", [&] { return test::stageModule(context, "distill"); }},
      {"selective_kernels", [&] { return test::selectiveKernelModule(context); }},
      // The GPU's bf16 configuration: activations channels last.
      {"channels_last_bf16",
       [&] {
         return tiny::compileDescription(
             context, tiny::tinySkDescription("pretrain", "precision: bf16\n"), "nhwc");
       }},
      {"unusual_ops", [&] { return test::unusualOpsModule(context, /*planned=*/true); }},
      {"accurate_losses", [&] { return test::accurateLossesModule(context, true); }},
  };
  for (auto &[name, make] : modules) {
    auto module = make();
    if (!module)
      return fromLlvm(module.takeError());
    auto cases = test::kernelCases(context, **module);
    if (!cases)
      return fromLlvm(cases.takeError());
    auto bytes = serializeModule(**module, targets);
    if (failed(bytes))
      return runtime::makeError("error: the " + name + " kernel module does not serialise");
    if (Error e = writeBytes(runtime::joinPath(dir, "kernels-" + name + ".sclm"), *bytes))
      return e;
    TensorMap tensors;
    for (size_t k = 0; k < cases->size(); ++k) {
      const test::KernelCase &c = (*cases)[k];
      for (size_t i = 0; i < c.inputs.size(); ++i)
        tensors["k" + std::to_string(k) + ".in" + std::to_string(i)] = c.inputs[i];
      for (size_t i = 0; i < c.expected.size(); ++i)
        tensors["k" + std::to_string(k) + ".out" + std::to_string(i)] = c.expected[i];
    }
    std::map<std::string, std::string> metadata = {
        {"module", "kernels-" + name + ".sclm"}, {"kernels", std::to_string(cases->size())}};
    if (Error e = runtime::writeSafetensors(
            runtime::joinPath(dir, "kernels-" + name + ".safetensors"), tensors, metadata))
      return e;
    std::printf("cases/kernels-%s: %zu kernels\n", name.c_str(), cases->size());
  }
  return Error::success();
}

/// LibraryShapes.h on random inputs, with the CPU runtime's results.
Error writeLibraryCases(const std::string &dir) {
  cpu::LibraryCalls calls;
  std::mt19937 rng(5);
  TensorMap tensors;
  const auto &convs = test::convolutionShapes();
  for (size_t i = 0; i < convs.size(); ++i) {
    const runtime::Convolution &c = convs[i];
    std::vector<int64_t> xShape = {c.batch, c.inChannels, c.inHeight, c.inWidth};
    std::vector<int64_t> wShape = {c.outChannels, c.inChannels / c.groups, c.kernelHeight,
                                   c.kernelWidth};
    std::vector<int64_t> yShape = {c.batch, c.outChannels, c.outHeight, c.outWidth};
    auto x = test::randomValues(test::inputElements(c), rng);
    auto w = test::randomValues(test::filterElements(c), rng);
    auto dy = test::randomValues(test::outputElements(c), rng);
    std::vector<float> y(dy.size()), dx(x.size()), dw(w.size());
    calls.convolution(c, x.data(), w.data(), y.data());
    calls.convolutionBackwardInput(c, dy.data(), w.data(), dx.data());
    calls.convolutionBackwardFilter(c, x.data(), dy.data(), dw.data());
    std::string p = "conv" + std::to_string(i) + ".";
    tensors[p + "x"] = floats(xShape, x);
    tensors[p + "w"] = floats(wShape, w);
    tensors[p + "dy"] = floats(yShape, dy);
    tensors[p + "y"] = floats(yShape, y);
    tensors[p + "dx"] = floats(xShape, dx);
    tensors[p + "dw"] = floats(wShape, dw);
  }
  const auto &products = test::productShapes();
  for (size_t i = 0; i < products.size(); ++i) {
    const runtime::MatrixProduct &m = products[i].product;
    auto a = test::randomValues(m.m * m.k, rng);
    auto b = test::randomValues(m.k * m.n, rng);
    auto bias = test::randomValues(m.n, rng);
    std::vector<float> c(size_t(m.m * m.n));
    calls.matmul(m, a.data(), b.data(), products[i].bias ? bias.data() : nullptr, c.data());
    std::string p = "product" + std::to_string(i) + ".";
    tensors[p + "a"] = floats({m.transposeA ? m.k : m.m, m.transposeA ? m.m : m.k}, a);
    tensors[p + "b"] = floats({m.transposeB ? m.n : m.k, m.transposeB ? m.k : m.n}, b);
    tensors[p + "bias"] = floats({m.n}, bias);
    tensors[p + "c"] = floats({m.m, m.n}, c);
  }
  std::printf("cases/library: %zu convolutions, %zu products\n", convs.size(),
              products.size());
  return runtime::writeSafetensors(runtime::joinPath(dir, "library.safetensors"), tensors);
}

/// `description` compiled for `targets`: the module file's bytes.
runtime::Expected<std::vector<uint8_t>> compileModule(const std::string &description,
                                                      const ModuleTargets &targets) {
  MLIRContext context;
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  auto module = frontend::loadModule(description, context, sourceMgr);
  if (!module || failed(compileTrainingStep(*module)))
    return runtime::makeError(description + ": error: does not compile");
  auto bytes = serializeModule(*module, targets);
  if (failed(bytes))
    return runtime::makeError(description + ": error: does not serialise");
  return std::move(*bytes);
}

/// `description` compiled for the GPU and written to `path`.
Error writeModule(const std::string &description, const std::string &path,
                  const ModuleTargets &targets) {
  auto bytes = compileModule(description, targets);
  if (!bytes)
    return bytes.takeError();
  return writeBytes(path, *bytes);
}

/// A description compiled for the CPU and the GPU, random arguments for its train_step,
/// one step on the CPU, and its CUDA executable.
Error writeStep(const std::string &name, const std::string &description,
                const std::string &out, const ModuleTargets &targets) {
  auto bytes = compileModule(description, targets);
  if (!bytes)
    return bytes.takeError();
  std::string steps = runtime::joinPath(out, "steps");
  std::string modulePath = runtime::joinPath(steps, name + ".sclm");
  if (Error e = writeBytes(modulePath, *bytes))
    return e;
  auto loaded = runtime::parseModule(*bytes, modulePath);
  if (!loaded)
    return loaded.takeError();
  const format::EntryPoint *entry = loaded->entryPoint("train_step");
  if (!entry)
    return runtime::makeError(description + ": error: no train_step");
  // Images in [0, 1), labels of the classifier's classes, and a step past the warmup start.
  auto classes = loaded->metadata("train_step:simclr.input.num_classes");
  uint64_t classCount = classes ? std::stoull(*classes) : 1;
  std::mt19937 rng(17);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  TensorMap inputs;
  for (size_t i = 0; i < entry->arguments()->size(); ++i) {
    const format::ValueRef *arg = entry->arguments()->Get(i);
    std::vector<int64_t> shape(arg->shape()->begin(), arg->shape()->end());
    int64_t count = 1;
    for (int64_t d : shape)
      count *= d;
    std::vector<double> values(static_cast<size_t>(count));
    bool labels = arg->dtype() == format::DType::I32;
    for (double &v : values)
      v = labels ? double(rng() % classCount) : static_cast<float>(unit(rng));
    if (shape.empty()) // step, warmup steps, total steps
      values = {i == 1 ? 3.0 : i == 2 ? 10.0 : 100.0};
    inputs["arg" + std::to_string(i)] =
        Tensor::fromDoubles(labels ? DType::I32 : DType::F32, shape, values);
  }
  runtime::TrainingOptions options;
  options.inputsPath = runtime::joinPath(steps, name + ".inputs.safetensors");
  options.outputsPath = runtime::joinPath(steps, name + ".cpu-results.safetensors");
  options.savePath = runtime::joinPath(steps, name + ".cpu-variables.safetensors");
  options.seed = 1;
  if (Error e = runtime::writeSafetensors(options.inputsPath, inputs))
    return e;
  if (Error e = runtime::runOneStep(*loaded, cpu::cpuDeviceBuildingKernels(), options))
    return e;
  if (Error e = writeTrainingExecutable(*bytes, runtime::joinPath(out, "bin/" + name),
                                        format::Target::Cuda))
    return e;
  std::printf("steps/%s: one CPU step of %s, bin/%s\n", name.c_str(), description.c_str(),
              name.c_str());
  return Error::success();
}

} // namespace

int main(int argc, char **argv) {
  std::string out, arch = kDefaultCudaArchitectures;
  std::string stepList;
  runtime::FlagSet flags("Writes the cases, modules and CPU results a GPU run compares "
                         "against (docs/GPU.md)");
  flags.add("out", &out, "The bundle directory to write into", "dir");
  flags.add("cuda-arch", &arch, "The GPU architectures to build kernels for", "sm_NN");
  flags.add("steps", &stepList, "Whole steps to check: NAME:DESCRIPTION.yaml,...", "list");
  std::vector<std::string> positional;
  if (std::optional<int> exit = flags.parse(argc, argv, positional))
    return *exit;
  if (out.empty() || !positional.empty()) {
    std::fprintf(stderr, "%s: error: --out=DIR is needed, and nothing else\n", argv[0]);
    return 1;
  }
  ModuleTargets targets{true, arch};
  MLIRContext context;
  frontend::loadModuleDialects(context);
  std::string cases = runtime::joinPath(out, "cases");
  for (const std::string &dir : {out, cases, runtime::joinPath(out, "steps"),
                                 runtime::joinPath(out, "bin")})
    if (Error e = makeDirectory(dir)) {
      std::fprintf(stderr, "%s\n", e.message().c_str());
      return 1;
    }
  Error e = writeKernelCases(context, cases, targets);
  if (!e)
    e = writeLibraryCases(cases);
  if (!e) { // a module whose kernels need a newer GPU than an H200
    auto module = test::stageModule(context, "finetune");
    if (!module)
      e = fromLlvm(module.takeError());
    else if (auto bytes = serializeModule(**module, ModuleTargets{true, "sm_100"});
             failed(bytes))
      e = runtime::makeError("error: the sm_100 module does not serialise");
    else
      e = writeBytes(runtime::joinPath(cases, "arch-sm_100.sclm"), *bytes);
  }
  if (!e)
    e = writeModule(SIMCLR_TEST_GPU_DIR "/Inputs/too-big.yaml",
                    runtime::joinPath(cases, "too-big.sclm"), targets);
  for (std::string_view item : stepList.empty() ? std::vector<std::string_view>()
                                                 : runtime::split(stepList, ',')) {
    if (e)
      break;
    std::string spec(runtime::trim(item));
    size_t colon = spec.find(':');
    if (colon == std::string::npos) {
      e = runtime::makeError("error: --steps takes NAME:DESCRIPTION.yaml items, not '" + spec + "'");
      break;
    }
    e = writeStep(spec.substr(0, colon), spec.substr(colon + 1), out, targets);
  }
  if (e) {
    std::fprintf(stderr, "%s\n", e.message().c_str());
    return 1;
  }
  return 0;
}
