//===- CpuPrinter.cpp - fused kernels as C++ for the CPU -------------------===//
//
// A thin printer: the walk (targets/common/KernelWalk.cpp) decided every name, loop and
// call; this spells them in C++. Intermediates live in the kernels' shared per-thread
// scratch buffer (simclr_kernels::scratch), so a kernel costs no allocation.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/CpuPrinter.h"

using namespace mlir;
using namespace mlir::simclr;

namespace {

template <typename T, typename F> std::string joined(const std::vector<T> &items, F text) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i)
    out += (i ? ", " : "") + text(items[i]);
  return out;
}

std::string line(const KernelStatement &s) {
  using Kind = KernelStatement::Kind;
  auto plain = [](const std::string &a) { return a; };
  auto integer = [](int64_t n) { return std::to_string(n); };
  switch (s.kind) {
  case Kind::Input:
    return "  " + s.type + " * " + s.name + " = (" + s.type + " *)inputs[" +
           std::to_string(s.index) + "];\n";
  case Kind::Output:
    return "  " + s.type + " *" + s.name + " = (" + s.type + " *)outputs[" +
           std::to_string(s.index) + "];\n";
  case Kind::Scratch:
    return s.type == "float"
               ? "  float *" + s.name + " = scratch + " + std::to_string(s.offset) + ";\n"
               : "  " + s.type + " *" + s.name + " = (" + s.type + " *)(scratch + " +
                     std::to_string(s.offset) + ");\n";
  case Kind::IntArray:
    return "  const int64_t " + s.name + "[] = {" + joined(s.numbers, integer) + "};\n";
  case Kind::BoolArray:
    return "  const bool " + s.name + "[] = {" +
           joined(s.flags, [](bool b) { return std::string(b ? "true" : "false"); }) + "};\n";
  case Kind::Axis:
    return "  const simclr_kernels::Axis " + s.name + "(" + s.arguments[0] + ", " +
           std::to_string(s.numbers[0]) + ", " + std::to_string(s.numbers[1]) + ");\n";
  case Kind::Window:
    return "  const simclr_kernels::Window " + s.name + "{" + joined(s.numbers, integer) + "};\n";
  case Kind::Call:
    return "  simclr_kernels::" + s.function + "(" + joined(s.arguments, plain) + ");\n";
  case Kind::ScalarCall:
    return "  " + s.name + "[0] = simclr_kernels::" + s.function + "(" +
           joined(s.arguments, plain) + ");\n";
  case Kind::Loop:
    return "#pragma omp parallel for simd\n  for (int64_t e = 0; e < " + std::to_string(s.count) +
           "; ++e)\n    " + s.name + "[e] = " + s.expression + ";\n";
  case Kind::Copy:
    return "  std::memcpy(" +
           (s.index >= 0 ? "outputs[" + std::to_string(s.index) + "]" : s.arguments[0]) + ", " +
           s.arguments[1] + ", " + std::to_string(s.count) + ");\n";
  }
  return "";
}

} // namespace

std::string mlir::simclr::printCpuKernel(const KernelProgram &program) {
  std::string code = "extern \"C\" void " + program.name +
                     "(const void *const *inputs, void *const *outputs) {\n";
  bool scratchDeclared = program.scratchFloats == 0;
  for (const KernelStatement &s : program.statements) {
    if (!scratchDeclared && s.kind != KernelStatement::Kind::Input) {
      code += "  float *scratch = simclr_kernels::scratch(" +
              std::to_string(program.scratchFloats) + ");\n";
      scratchDeclared = true;
    }
    code += line(s);
  }
  return code + "}\n";
}

FailureOr<std::string> mlir::simclr::emitCpuKernel(KernelOp kernel, StringRef name) {
  auto program = walkKernel(kernel, name);
  if (failed(program))
    return failure();
  return printCpuKernel(*program);
}
