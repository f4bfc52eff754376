//===- FileUtils.h - writing files without tearing them ---------*- C++ -*-===//
#ifndef SIMCLR_RUNTIME_FILEUTILS_H
#define SIMCLR_RUNTIME_FILEUTILS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace mlir::simclr::runtime {

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`: a reader
/// sees the old file or the new one, never a torn one, and a failed write leaves nothing.
llvm::Error writeFileAtomically(llvm::StringRef path, llvm::StringRef bytes);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_FILEUTILS_H
