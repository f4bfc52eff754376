//===- KernelWalk.h - a simclr.kernel as target-neutral statements -*- C++ -*-===//
//
// Everything about generating a fused kernel's code that does not depend on the target:
// the walk of a simclr.kernel's body decides each value's name, which element-wise results
// stay expressions inside their user's loop (and each op's scalar expression), which values
// are computed straight into an output, where intermediates live in the scratch buffer,
// and the call into the kernel families' building blocks (`simclr_kernels::`, one header
// per family, for every target) that each other op becomes, with its shapes and
// attributes as literals. A printer per target (targets/cpu/CpuPrinter.h) only spells
// the statements in its language.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_TARGETS_COMMON_KERNELWALK_H
#define SIMCLR_TARGETS_COMMON_KERNELWALK_H

#include "dialects/simclr/IR/SimclrOps.h"

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::simclr {

/// One statement of a kernel. Expressions and arguments are text in the syntax C++ and
/// CUDA C++ share: names, decimal literals, `name[e]` (element e of a value in a loop),
/// `name[0]`, calls of `simclr_kernels::` functions.
struct KernelStatement {
  enum class Kind {
    Input,     ///< `name` is input `index`, of element type `type` ("float", "int32_t",
               ///< "simclr_kernels::bf16")
    Output,    ///< `name` is output `index`, of element type `type`
    Scratch,   ///< `name` is `offset` floats into the scratch buffer, of element type `type`
    IntArray,  ///< `name` is the int64 array `numbers`
    BoolArray, ///< `name` is the bool array `flags`
    Axis,      ///< `name` splits the shape in array `arguments[0]` (rank `numbers[0]`) around
               ///< axis `numbers[1]`: simclr_kernels::Axis
    Window,    ///< `name` is the pooling window `numbers`: simclr_kernels::Window
    Call,      ///< `function(arguments...)`, a building block of the kernel families;
               ///< `count` is the size of the largest value it touches (a measure of its
               ///< work, for the targets that spread it)
    ScalarCall,///< `name[0] = function(arguments...)`
    Loop,      ///< for every e below `count`: `name[e] = expression`
    Copy,      ///< `count` bytes from `arguments[1]` to output `index` (`index` >= 0) or
               ///< to `arguments[0]`
  };
  Kind kind;
  std::string name;
  std::string type;
  int index = -1;
  int64_t offset = 0, count = 0;
  std::vector<int64_t> numbers;
  std::vector<bool> flags;
  std::string function; ///< without the `simclr_kernels::` namespace
  std::vector<std::string> arguments;
  std::string expression;
};

/// A kernel as statements: its inputs first, then the work in order.
struct KernelProgram {
  std::string name;
  std::vector<KernelStatement> statements;
  /// Floats of scratch the intermediates need (64-byte aligned slices); 0 for none.
  int64_t scratchFloats = 0;
};

/// Walks `kernel` into a program called `name`. Fails, with a diagnostic on the op, for
/// ops no kernel family covers yet.
FailureOr<KernelProgram> walkKernel(KernelOp kernel, llvm::StringRef name);

/// Every simclr.kernel of a compiled module in module order (functions in order, kernels
/// in each), with the name its code has on every target: `<function>_kernel<i>`, i
/// counting across the module. The module file keeps them in this order.
std::vector<std::pair<KernelOp, std::string>> namedKernels(ModuleOp module);

} // namespace mlir::simclr

#endif // SIMCLR_TARGETS_COMMON_KERNELWALK_H
