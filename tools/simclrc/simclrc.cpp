//===- simclrc.cpp - the SimCLRv2 compiler driver --------------------------===//
//
//   simclrc model.yaml --emit=mlir       print the simclr dialect for a description
//   simclrc model.yaml --stats           print parameters, MACs and activation memory
//   simclrc model.mlir --stats           the same for a module written in the dialect
//   simclrc model.yaml --emit=module -o model.sclm      the compiled module file
//   simclrc model.yaml --emit=executable -o train       a training executable (CPU)
//   simclrc model.yaml --target=cuda --emit=module|executable ...   kernels for a GPU too
//   simclrc model.yaml --emit=cpu-kernels|cuda-kernels  the fused kernels' code
//
// Errors name file:line:col and exit non-zero; an output file (-o) is written only when
// everything succeeded, so a failed run leaves nothing half-written.
//
//===----------------------------------------------------------------------===//

#include "frontend/LoadModule.h"
#include "passes/ModelStats.h"
#include "passes/Passes.h"
#include "runtime/cpu/KernelBuild.h"
#include "runtime/exec/DeviceBytes.h"
#include "runtime/support/Files.h"
#include "targets/module/EmitExecutable.h"
#include "targets/common/KernelWalk.h"
#include "targets/cpu/CpuPrinter.h"
#include "targets/cuda/CudaBuild.h"
#include "targets/cuda/CudaPrinter.h"
#include "targets/module/Writer.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

namespace cl = llvm::cl;

static cl::OptionCategory category("simclrc options");
static cl::opt<std::string> inputPath(cl::Positional, cl::desc("<description.yaml | model.mlir>"),
                                      cl::Required, cl::cat(category));
enum class Emit { None, Mlir, Step, Module, CpuKernels, CudaKernels, Executable };
static cl::opt<Emit> emit(
    "emit", cl::desc("What to write"), cl::init(Emit::None),
    cl::values(clEnumValN(Emit::None, "none", "nothing"),
               clEnumValN(Emit::Mlir, "mlir", "the simclr dialect, as the frontend builds it"),
               clEnumValN(Emit::Step, "step",
                          "the simclr dialect after simclr-training-step (backward, "
                          "optimizer, kernels, memory plan)"),
               clEnumValN(Emit::Module, "module",
                          "the compiled module file (needs -o), see docs/MODULE.md"),
               clEnumValN(Emit::CpuKernels, "cpu-kernels",
                          "the step's fused kernels as C++ for the CPU target"),
               clEnumValN(Emit::CudaKernels, "cuda-kernels",
                          "the step's fused kernels as CUDA C++ (the source nvcc builds), each "
                          "with its launches"),
               clEnumValN(Emit::Executable, "executable",
                          "a training executable for --target (needs -o): the module, "
                          "linked against the runtime")),
    cl::cat(category));
enum class Target { Cpu, Cuda };
static cl::opt<Target> target(
    "target", cl::desc("Where modules and executables run (every module runs on the CPU)"),
    cl::init(Target::Cpu),
    cl::values(clEnumValN(Target::Cpu, "cpu", "the CPU: kernels as C++"),
               clEnumValN(Target::Cuda, "cuda",
                          "an NVIDIA GPU as well: kernels built by nvcc into a fatbin")),
    cl::cat(category));
static cl::opt<std::string> cudaArch(
    "cuda-arch",
    cl::desc("GPU architectures of the CUDA fatbin, sm_NN names separated by commas "
             "(default sm_90: -gencode arch=compute_90,code=[sm_90,compute_90])"),
    cl::init(mlir::simclr::kDefaultCudaArchitectures), cl::cat(category));
static cl::opt<int64_t> batchSize(
    "batch-size",
    cl::desc("Images per step per replica instead of the description's input.batch_size"),
    cl::value_desc("n"), cl::init(0), cl::cat(category));
static cl::opt<double> learningRate(
    "learning-rate",
    cl::desc("Base learning rate instead of the description's optimizer.learning_rate "
             "(scaled for the batch as its lr_scaling says)"),
    cl::value_desc("rate"), cl::init(0), cl::cat(category));
static cl::opt<std::string> precision(
    "precision",
    cl::desc("Element type of the convolutions and matrix products, f32 or bf16, instead of "
             "the description's precision (batch norm, losses and the optimizer stay f32)"),
    cl::value_desc("f32|bf16"), cl::init(""), cl::cat(category));
static cl::opt<int64_t> replicas(
    "replicas",
    cl::desc("Replicas that train together (data-parallel; the batch size is per replica) "
             "instead of the description's replicas"),
    cl::value_desc("n"), cl::init(0), cl::cat(category));
static cl::opt<int64_t> bucketBytes(
    "bucket-bytes",
    cl::desc("With several replicas: the most bytes of gradients one all-reduce carries "
             "(default 25 MiB); smaller buckets start communicating earlier in the backward"),
    cl::value_desc("n"), cl::init(0), cl::cat(category));
static cl::opt<std::string> layout(
    "layout",
    cl::desc("How rank-4 activations are stored: auto (the compiler's choice: nhwc for "
             "--target=cuda in bf16, else nchw), nchw or nhwc"),
    cl::value_desc("auto|nchw|nhwc"), cl::init("auto"), cl::cat(category));
static cl::opt<std::string> outputPath("o", cl::desc("Output file for --emit (default: stdout)"),
                                       cl::value_desc("file"), cl::init("-"), cl::cat(category));

/// "Will it fit": what training `module` takes on a GPU, by part (runtime/exec/DeviceBytes.h),
/// from its compiled step written with the CUDA target's sources (no nvcc needed).
static int printCudaDeviceBytes(mlir::ModuleOp original) {
  mlir::OwningOpRef<mlir::ModuleOp> module(original.clone());
  if (mlir::failed(mlir::simclr::compileTrainingStep(*module)))
    return 1;
  mlir::simclr::ModuleTargets targets;
  targets.cuda = true;
  targets.cudaBinary = false;
  auto bytes = mlir::simclr::serializeModule(*module, targets);
  if (mlir::failed(bytes))
    return 1;
  auto loaded = mlir::simclr::runtime::parseModule(std::move(*bytes), inputPath);
  if (!loaded) {
    llvm::errs() << loaded.errorMessage() << "\n";
    return 1;
  }
  std::vector<std::string> entries;
  for (const auto *entry : *loaded->root().entry_points())
    entries.push_back(entry->name()->str());
  auto needed = mlir::simclr::runtime::deviceBytes(*loaded, mlir::simclr::format::Target::Cuda,
                                                   entries);
  if (!needed) {
    llvm::errs() << needed.errorMessage() << "\n";
    return 1;
  }
  llvm::outs() << "cuda_bytes_variables: " << needed->variables << "\n";
  for (const auto &[entry, arena] : needed->arenas)
    llvm::outs() << "cuda_bytes_arena_" << entry << ": " << arena << "\n";
  llvm::outs() << "cuda_bytes_constants: " << needed->constants << "\n"
               << "cuda_bytes_staged_arguments: " << needed->arguments << "\n"
               << "cuda_bytes_kernel_scratch: " << needed->kernelScratch << "\n"
               << "cuda_bytes_kernel_temp: " << needed->kernelTemp << "\n"
               << "cuda_bytes_cublaslt_workspace: " << needed->libraryWorkspace << "\n"
               << "cuda_bytes_total: " << needed->total() << "  # "
               << mlir::simclr::runtime::humanBytes(needed->total())
               << "; cuDNN's workspace, chosen on the GPU, comes on top\n";
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  // `--stats` is ours, but LLVM registers a `-stats` option of its own (pass statistics), so
  // it is taken out before LLVM's parser sees the arguments.
  bool stats = false;
  std::vector<const char *> args;
  for (int i = 0; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    if (i > 0 && (arg == "--stats" || arg == "-stats"))
      stats = true;
    else
      args.push_back(argv[i]);
  }
  cl::HideUnrelatedOptions({&category});
  cl::ParseCommandLineOptions(static_cast<int>(args.size()), args.data(),
                              "SimCLRv2 compiler driver\n\n"
                              "  --stats  print model statistics, one 'key: value' per line\n");
  if (emit == Emit::None && !stats)
    emit = Emit::Mlir;

  mlir::MLIRContext context;
  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  if (!precision.empty() && precision != "f32" && precision != "bf16") {
    llvm::errs() << "simclrc: error: --precision must be f32 or bf16, not '" << precision
                 << "'\n";
    return 1;
  }
  if (layout != "auto" && layout != "nchw" && layout != "nhwc") {
    llvm::errs() << "simclrc: error: --layout must be auto, nchw or nhwc, not '" << layout
                 << "'\n";
    return 1;
  }
  if (replicas < 0 || replicas > 4096) {
    llvm::errs() << "simclrc: error: --replicas must be in [1, 4096], not " << replicas << "\n";
    return 1;
  }
  if (bucketBytes < 0) {
    llvm::errs() << "simclrc: error: --bucket-bytes must be positive, not " << bucketBytes
                 << "\n";
    return 1;
  }
  mlir::OwningOpRef<mlir::ModuleOp> module = mlir::simclr::frontend::loadModule(
      inputPath, context, sourceMgr,
      {batchSize, learningRate, precision, layout == "auto" ? std::string() : layout.getValue(), replicas,
       bucketBytes});
  if (!module)
    return 1;
  mlir::simclr::chooseLayout(*module, target == Target::Cuda);

  if (stats) {
    mlir::simclr::ModelStats figures = mlir::simclr::computeModelStats(*module);
    mlir::simclr::computeTrainingStepStats(*module, figures);
    mlir::simclr::printModelStats(figures, llvm::outs());
    if (target == Target::Cuda && printCudaDeviceBytes(*module) != 0)
      return 1;
  }
  if ((emit == Emit::Module || emit == Emit::Executable) && outputPath == "-") {
    llvm::errs() << inputPath << ": error: --emit="
                 << (emit == Emit::Module ? "module" : "executable")
                 << " writes a binary file; give -o\n";
    return 1;
  }
  if (emit == Emit::Step || emit == Emit::Module || emit == Emit::CpuKernels ||
      emit == Emit::CudaKernels || emit == Emit::Executable) {
    if (mlir::failed(mlir::simclr::compileTrainingStep(*module)))
      return 1;
  }
  mlir::simclr::ModuleTargets targets;
  targets.cuda = target == Target::Cuda;
  targets.cudaArchitectures = cudaArch;
  if (targets.cuda)
    if (auto flags = mlir::simclr::cudaArchitectureFlags(cudaArch); !flags) {
      llvm::errs() << flags.errorMessage() << "\n";
      return 1;
    }
  if (emit == Emit::Executable) {
    auto bytes = mlir::simclr::serializeModule(*module, targets);
    if (mlir::failed(bytes))
      return 1;
    if (auto error = mlir::simclr::writeTrainingExecutable(
            *bytes, outputPath,
            targets.cuda ? mlir::simclr::format::Target::Cuda : mlir::simclr::format::Target::Cpu)) {
      llvm::errs() << inputPath << ": error: " << error.message() << "\n";
      return 1;
    }
  } else if (emit == Emit::Module) {
    auto bytes = mlir::simclr::serializeModule(*module, targets);
    if (mlir::failed(bytes))
      return 1;
    if (auto error = mlir::simclr::runtime::writeFileAtomically(
            outputPath, std::string_view(reinterpret_cast<const char *>(bytes->data()),
                                         bytes->size()))) {
      llvm::errs() << error.message() << "\n";
      return 1;
    }
  } else if (emit == Emit::CpuKernels || emit == Emit::CudaKernels) {
    bool cuda = emit == Emit::CudaKernels;
    std::string code = mlir::simclr::cpu::cpuKernelPrelude();
    mlir::simclr::CudaModuleSource cudaSource;
    for (auto &[kernel, name] : mlir::simclr::namedKernels(*module)) {
      auto program = mlir::simclr::walkKernel(kernel, name);
      if (mlir::failed(program))
        return 1;
      if (!cuda) {
        code += mlir::simclr::printCpuKernel(*program) + "\n";
        continue;
      }
      mlir::simclr::CudaKernel printed = mlir::simclr::printCudaKernel(*program);
      cudaSource.add(printed);
    }
    if (cuda)
      code = cudaSource.code();
    std::string errorMessage;
    auto output = mlir::openOutputFile(outputPath, &errorMessage);
    if (!output) {
      llvm::errs() << outputPath << ": error: " << errorMessage << "\n";
      return 1;
    }
    output->os() << code;
    output->keep();
  } else if (emit == Emit::Mlir || emit == Emit::Step) {
    std::string errorMessage;
    auto output = mlir::openOutputFile(outputPath, &errorMessage);
    if (!output) {
      llvm::errs() << outputPath << ": error: " << errorMessage << "\n";
      return 1;
    }
    module->print(output->os());
    output->os() << "\n";
    output->keep();
  }
  return 0;
}
