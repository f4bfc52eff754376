//===- simclr-train.cpp - train a description or a module ------------------===//
//
//   simclr-train model.yaml  --data=/usr/share/datasets/fashion-mnist --steps=100
//   simclr-train model.sclm  --steps=100 --save=weights.safetensors
//   simclr-train model.yaml  --device=cuda --steps=100
//   simclr-train step.mlir   --inputs=batch.safetensors --resume=weights.safetensors
//                            --outputs=results.safetensors --save=updated.safetensors
//   mpirun -np 2 simclr-train model.yaml --steps=100       (2 data-parallel replicas)
//
// A description (or .mlir) is compiled (compileTrainingStep) and written to a module in
// memory (for the CUDA target too with --device=cuda); a module file (simclrc
// --emit=module) is loaded and verified. Under mpirun a description is compiled for as
// many replicas as the job has processes (its batch_size, or --batch-size, per replica);
// a module file must have been compiled for them. The runtime trains it (runtime/train/Trainer.h)
// with the training flags (runtime/train/Options.h) on the device --device names: the CPU
// (the module's kernels built with the host compiler) or an NVIDIA GPU.
//
//===----------------------------------------------------------------------===//

#include "frontend/LoadModule.h"
#include "passes/Passes.h"
#include "runtime/cpu/CpuDevice.h"
#ifdef SIMCLR_HAVE_CUDA_DEVICE
#include "runtime/cuda/CudaDevice.h"
#endif
#include "runtime/support/Strings.h"
#include "runtime/train/Trainer.h"
#include "targets/cuda/CudaBuild.h"
#include "targets/module/Writer.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/SourceMgr.h"

#include <cstdio>

using namespace mlir;
using namespace mlir::simclr;

/// Compiles a description or a .mlir module into a module image for `targets`.
static runtime::Expected<runtime::LoadedModule> compile(const std::string &path,
                                                        const ModuleTargets &targets,
                                                        const frontend::LoadOptions &load) {
  MLIRContext context;
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  auto failed = [&] { return runtime::makeError("compiling " + path + " failed"); };
  auto module = frontend::loadModule(path, context, sourceMgr, load);
  if (!module)
    return failed();
  chooseLayout(*module, targets.cuda);
  if (mlir::failed(compileTrainingStep(*module)))
    return failed();
  auto bytes = serializeModule(*module, targets);
  if (mlir::failed(bytes))
    return failed();
  return runtime::parseModule(std::move(*bytes), path);
}

int main(int argc, char **argv) {
  runtime::TrainingOptions options;
  std::string device = "cpu", cudaArch = kDefaultCudaArchitectures;
  int batchSize = 0;
  double learningRate = 0, bucketBytes = 0;
  runtime::FlagSet flags("Trains a SimCLRv2 description, .mlir module or module file");
  flags.positionalHelp = "<description.yaml | model.mlir | model.sclm>";
  flags.add("device", &device, "Where to train: cpu, or cuda (an NVIDIA GPU)", "name");
  flags.add("cuda-arch", &cudaArch,
            "With --device=cuda and a description: the GPU architectures to build for", "sm_NN");
  flags.add("batch-size", &batchSize,
            "With a description: images per step per replica instead of its batch_size");
  flags.add("learning-rate", &learningRate,
            "With a description: the base learning rate instead of its "
            "optimizer.learning_rate (scaled as its lr_scaling says)");
  flags.add("bucket-bytes", &bucketBytes,
            "With a description under mpirun: the most bytes of gradients one all-reduce "
            "carries (default 25 MiB)");
  runtime::addTrainingFlags(flags, options);
  std::vector<std::string> positional;
  if (std::optional<int> exit = flags.parse(argc, argv, positional))
    return *exit;
  if (positional.size() != 1) {
    std::fprintf(stderr, "%s: error: give one description, .mlir or .sclm file (see --help)\n",
                 argv[0]);
    return 1;
  }
  if (bucketBytes < 0 || bucketBytes != double(int64_t(bucketBytes))) {
    std::fprintf(stderr, "%s: error: --bucket-bytes must be a positive whole number\n", argv[0]);
    return 1;
  }
  if (batchSize < 0) {
    std::fprintf(stderr, "%s: error: --batch-size must be positive\n", argv[0]);
    return 1;
  }
  if (device != "cpu" && device != "cuda") {
    std::fprintf(stderr, "%s: error: --device is cpu or cuda, not '%s'\n", argv[0],
                 device.c_str());
    return 1;
  }
  runtime::DeviceFactory makeDevice = cpu::cpuDeviceBuildingKernels();
  if (device == "cuda") {
#ifdef SIMCLR_HAVE_CUDA_DEVICE
    makeDevice = cuda::cudaDeviceFactory();
#else
    std::fprintf(stderr, "%s: error: this simclr-train was built without the CUDA device (the "
                         "CUDA toolkit or cuDNN was missing)\n", argv[0]);
    return 1;
#endif
  }
  ModuleTargets targets;
  targets.cuda = device == "cuda";
  targets.cudaArchitectures = cudaArch;
  std::unique_ptr<runtime::Communicator> comm = runtime::launchReplicas(options);
  if (!comm)
    return 1;
  frontend::LoadOptions load;
  load.batchSize = batchSize;
  load.learningRate = learningRate;
  load.bucketBytes = int64_t(bucketBytes);
  load.replicas = comm->size() > 1 ? comm->size() : 0;
  const std::string &input = positional.front();
  if ((batchSize || learningRate || bucketBytes) && runtime::endsWith(input, ".sclm")) {
    std::fprintf(stderr,
                 "%s: error: --batch-size, --learning-rate and --bucket-bytes apply to a "
                 "description; %s is "
                 "compiled\n",
                 argv[0], input.c_str());
    return 1;
  }
  auto module = runtime::endsWith(input, ".sclm") ? runtime::readModule(input)
                                                  : compile(input, targets, load);
  if (!module) {
    std::fprintf(stderr, "%s\n", module.errorMessage().c_str());
    if (comm->size() > 1)
      comm->abort(1);
    return 1;
  }
  return runtime::train(*module, makeDevice, options, *comm);
}
