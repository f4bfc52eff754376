//===- CudaPrinter.cpp - fused kernels as CUDA C++ -------------------------===//
//
// A thin printer over the walk (targets/common/KernelWalk.cpp): every statement that does
// work becomes `__global__` functions of one signature, each opening with every
// declaration of the kernel (names of operands, scratch slices, shapes, axes, windows;
// what a function does not use the compiler drops), then its work. What each building
// block needs of a launch (its phases, its temp memory) is the table below: the printer
// knows its target's blocks, the walk does not.
//
//===----------------------------------------------------------------------===//

#include "targets/cuda/CudaPrinter.h"

#include "llvm/ADT/StringMap.h"

#include <algorithm>
#include <cstdio>

using namespace mlir;
using namespace mlir::simclr;

namespace {

using Kind = KernelStatement::Kind;

constexpr int kBlock = 256;
constexpr int64_t kMaxGrid = 4096;

/// Enough blocks of kBlock threads for `work` elements, within limits (every block is
/// correct for any grid; the grid only sets how much runs at once).
int64_t gridFor(int64_t work) {
  return std::clamp<int64_t>((work + kBlock - 1) / kBlock, 1, kMaxGrid);
}

template <typename T, typename F> std::string joined(const std::vector<T> &items, F text) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i)
    out += (i ? ", " : "") + text(items[i]);
  return out;
}

/// What a building block needs beyond one launch: its phases, its temp memory.
struct BlockNeeds {
  int phases = 1;
  int64_t tempBytes = 0;
};

/// The batch norm blocks on rows ([M, C, 1]: channels-last activations, NC inputs): their
/// phases, and runtime/cuda/kernels/BatchNorm.cuh's rowsTempBytes (tile sums of 64 rows,
/// at most 1024 tiles, two doubles per tile and channel, four per channel).
int bnRowsPhases(const std::string &function) {
  if (function == "batchNormTrain")
    return 3;
  if (function == "batchNormInfer")
    return 2;
  if (function == "batchNormTrainBackward")
    return 5;
  if (function == "batchNormInferBackward")
    return 3;
  return 0;
}
int64_t bnRowsTempBytes(int64_t M, int64_t C) {
  int64_t tiles = std::min<int64_t>((M + 63) / 64, 1024);
  return (tiles * C * 2 + 4 * C) * 8;
}

BlockNeeds needsOf(const KernelStatement &call) {
  auto number = [&](size_t i) { return std::stoll(call.arguments.at(i)); };
  if (int phases = bnRowsPhases(call.function)) {
    // The "N, C, S" argument: rows when S is 1.
    for (const std::string &a : call.arguments) {
      long long n, c, spatial;
      if (std::sscanf(a.c_str(), "%lld, %lld, %lld", &n, &c, &spatial) == 3)
        return spatial == 1 ? BlockNeeds{phases, bnRowsTempBytes(n, c)} : BlockNeeds{};
    }
  }
  if (call.function == "ntXent") { // (z, rows, D, ..., negatives, K): S float, C double
    int64_t rows = number(1), cols = rows + number(11); // [rows x cols] each; 3 x rows double
    return {4, rows * cols * 4 + rows * cols * 8 + rows * 24};
  }
  if (call.function == "crossEntropy") // (logits, N, C, ...)
    return {2, number(1) * 16};
  if (call.function == "distillation") // (student, teacher, N, C, ...)
    return {2, number(2) * 16};
  return {};
}

class Printer {
public:
  explicit Printer(const KernelProgram &program) : program(program) {}

  CudaKernel run() {
    result.scratchFloats = program.scratchFloats;
    for (const KernelStatement &s : program.statements)
      if (isDeclaration(s))
        declarations += declare(s);
    result.name = program.name;
    const auto &statements = program.statements;
    for (size_t i = 0; i < statements.size(); ++i) {
      const KernelStatement &s = statements[i];
      if (isDeclaration(s))
        continue;
      if (s.kind == Kind::Call && s.function == "update") {
        // Consecutive updates (declarations between them aside) are one launch.
        std::vector<const KernelStatement *> group;
        size_t j = i;
        for (; j < statements.size(); ++j) {
          if (isDeclaration(statements[j]))
            continue;
          if (statements[j].kind != Kind::Call || statements[j].function != "update")
            break;
          group.push_back(&statements[j]);
        }
        updates(group);
        i = j - 1;
        continue;
      }
      work(s);
    }
    return result;
  }

private:
  static bool isDeclaration(const KernelStatement &s) {
    switch (s.kind) {
    case Kind::Input:
    case Kind::Output:
    case Kind::Scratch:
    case Kind::IntArray:
    case Kind::BoolArray:
    case Kind::Axis:
    case Kind::Window:
      return true;
    default:
      return false;
    }
  }

  std::string declare(const KernelStatement &s) {
    auto integer = [](int64_t n) { return std::to_string(n); };
    switch (s.kind) {
    case Kind::Input:
      where[s.name] = "{0, " + std::to_string(s.index) + "}";
      return "  " + s.type + " *" + s.name + " = (" + s.type + " *)in[" +
             std::to_string(s.index) + "];\n";
    case Kind::Output:
      where[s.name] = "{1, " + std::to_string(s.index) + "}";
      return "  " + s.type + " *" + s.name + " = (" + s.type + " *)out[" +
             std::to_string(s.index) + "];\n";
    case Kind::Scratch:
      where[s.name] = "{2, " + std::to_string(s.offset) + "}";
      return s.type == "float"
                 ? "  float *" + s.name + " = scratch + " + std::to_string(s.offset) + ";\n"
                 : "  " + s.type + " *" + s.name + " = (" + s.type + " *)(scratch + " +
                       std::to_string(s.offset) + ");\n";
    case Kind::IntArray:
      return "  const int64_t " + s.name + "[] = {" + joined(s.numbers, integer) + "};\n";
    case Kind::BoolArray:
      return "  const bool " + s.name + "[] = {" +
             joined(s.flags, [](bool b) { return std::string(b ? "true" : "false"); }) +
             "};\n";
    case Kind::Axis:
      return "  const simclr_kernels::Axis " + s.name + "(" + s.arguments[0] + ", " +
             std::to_string(s.numbers[0]) + ", " + std::to_string(s.numbers[1]) + ");\n";
    case Kind::Window:
      return "  const simclr_kernels::Window " + s.name + "{" + joined(s.numbers, integer) +
             "};\n";
    default:
      return "";
    }
  }

  /// A `__global__` function doing `body` in phase `phase`, launched on `grid` blocks.
  /// `tables` are the `__device__` definitions it reads.
  void function(const std::string &body, int phase, int64_t grid,
                const std::string &tables = "") {
    std::string name = program.name + "_" + std::to_string(result.launches.size());
    result.functions.push_back(
        {name, tables,
         "(const void *const *in, void *const *out, float *scratch, void *temp) {\n"
         "  const simclr_kernels::Phase phase{" +
             std::to_string(phase) + ", temp};\n" + declarations + body + "}\n"});
    result.launches.push_back({name, grid, kBlock});
  }

  void work(const KernelStatement &s) {
    auto plain = [](const std::string &a) { return a; };
    switch (s.kind) {
    case Kind::Loop:
      function("  for (int64_t e = simclr_kernels::globalThread(); e < " +
                   std::to_string(s.count) + "; e += simclr_kernels::gridThreads())\n    " +
                   s.name + "[e] = " + s.expression + ";\n",
               0, gridFor(s.count));
      return;
    case Kind::Copy:
      function("  simclr_kernels::copyWords(" +
                   (s.index >= 0 ? "out[" + std::to_string(s.index) + "]" : s.arguments[0]) +
                   ", " + s.arguments[1] + ", " + std::to_string(s.count / 4) + ");\n",
               0, gridFor(s.count / 4));
      return;
    case Kind::ScalarCall:
      function("  if (simclr_kernels::globalThread() == 0)\n    " + s.name +
                   "[0] = simclr_kernels::" + s.function + "(" + joined(s.arguments, plain) +
                   ");\n",
               0, 1);
      return;
    case Kind::Call: {
      BlockNeeds needs = needsOf(s);
      result.tempBytes = std::max(result.tempBytes, needs.tempBytes);
      for (int phase = 0; phase < needs.phases; ++phase)
        function("  simclr_kernels::" + s.function + "(phase, " + joined(s.arguments, plain) +
                     ");\n",
                 phase, gridFor(s.count));
      return;
    }
    default:
      return;
    }
  }

  /// update(lars, w, g, v, n, lr[0], momentum, decay, trust, adapt, nesterov, newW, newV)
  /// calls as one table of ParameterUpdate and one launch, a block per parameter.
  void updates(const std::vector<const KernelStatement *> &group) {
    std::string table = program.name + "_updates" + std::to_string(result.launches.size());
    std::string rows;
    for (const KernelStatement *u : group) {
      const std::vector<std::string> &a = u->arguments;
      std::string lr = a[5].substr(0, a[5].find('['));
      rows += "    {" + where[a[1]] + ", " + where[a[2]] + ", " + where[a[3]] + ", " +
              where[lr] + ", " + where[a[11]] + ", " + where[a[12]] + ", " + a[4] + ", " +
              a[6] + ", " + a[7] + ", " + a[8] + ", " + a[0] + ", " + a[9] + ", " + a[10] +
              "},\n";
    }
    function("  simclr_kernels::updateParameters(phase, in, out, scratch, " + table + ", " +
                 std::to_string(group.size()) + ");\n",
             0, std::min<int64_t>(int64_t(group.size()), kMaxGrid),
             "__device__ const simclr_kernels::ParameterUpdate " + table + "[] = {\n" + rows +
                 "};\n");
  }

  const KernelProgram &program;
  CudaKernel result;
  std::string declarations;
  llvm::StringMap<std::string> where; ///< name -> its OperandRef, for tables
};

} // namespace

const std::vector<std::string> &mlir::simclr::cudaKernelHeaders() {
  static const std::vector<std::string> headers = {
      "Common.cuh", "Elementwise.cuh",   "Reductions.cuh", "BatchNorm.cuh", "Pooling.cuh",
      "Slices.cuh", "Normalization.cuh", "Losses.cuh",     "Optimizer.cuh"};
  return headers;
}

std::string mlir::simclr::cudaKernelPrelude() {
  std::string prelude = "// Generated by simclrc: fused kernels for the CUDA target.\n";
  for (const std::string &header : cudaKernelHeaders())
    prelude += "#include \"runtime/cuda/kernels/" + header + "\"\n";
  // Every function declares every name of its kernel and uses a few.
  return prelude + "#ifdef __CUDACC__\n#pragma nv_diag_suppress 177\n#endif\n\n";
}

std::string mlir::simclr::CudaFunction::code() const {
  return tables + "extern \"C\" __global__ void __launch_bounds__(" + std::to_string(kBlock) +
         ") " + name + body;
}

std::string mlir::simclr::CudaKernel::code() const {
  std::string text = "// " + name + "\n";
  for (const CudaFunction &f : functions)
    text += f.code();
  return text;
}

mlir::simclr::CudaModuleSource::CudaModuleSource() : source(cudaKernelPrelude()) {}

void mlir::simclr::CudaModuleSource::add(CudaKernel &kernel) {
  std::string added;
  std::map<std::string, std::string> renamed; // this kernel's name -> the one compiled
  for (const CudaFunction &f : kernel.functions) {
    auto [at, isNew] = functions.emplace(f.tables + f.body, f.name);
    renamed[f.name] = at->second;
    if (isNew)
      added += f.code();
  }
  std::string plan;
  for (CudaLaunch &l : kernel.launches) {
    l.function = renamed.at(l.function);
    plan += " " + l.function + "<<<" + std::to_string(l.grid) + ", " + std::to_string(l.block) +
            ">>>";
  }
  source += "// " + kernel.name + "\n" + added + "// " + kernel.name + " launches:" + plan +
            "; scratch " + std::to_string(kernel.scratchFloats) + " floats, temp " +
            std::to_string(kernel.tempBytes) + " bytes\n\n";
}

CudaKernel mlir::simclr::printCudaKernel(const KernelProgram &program) {
  return Printer(program).run();
}

FailureOr<CudaKernel> mlir::simclr::emitCudaKernel(KernelOp kernel, StringRef name) {
  auto program = walkKernel(kernel, name);
  if (failed(program))
    return failure();
  return printCudaKernel(*program);
}
