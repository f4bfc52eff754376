//===- ModelInitializers.h - initial values of a module's variables -*- C++ -*-===//
#ifndef SIMCLR_REFERENCE_MODELINITIALIZERS_H
#define SIMCLR_REFERENCE_MODELINITIALIZERS_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

#include <vector>

namespace mlir::simclr::reference {

/// For every simclr.parameter and simclr.state of `module` whose name `wanted` accepts,
/// computes its initial values as its declaration says (runtime/Initializers.h) and hands
/// them to `set`; parameters first, so that a `copy:<parameter>` state takes the values
/// `current` then gives for its parameter (set here, or given before).
llvm::Error initializeVariables(
    ModuleOp module, uint64_t seed, llvm::function_ref<bool(llvm::StringRef name)> wanted,
    llvm::function_ref<void(llvm::StringRef name, llvm::ArrayRef<int64_t> shape,
                            std::vector<double> values)>
        set,
    llvm::function_ref<const std::vector<double> *(llvm::StringRef name)> current);

} // namespace mlir::simclr::reference

#endif // SIMCLR_REFERENCE_MODELINITIALIZERS_H
