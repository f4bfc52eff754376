//===- FileUtils.cpp - writing files without tearing them ------------------===//

#include "runtime/FileUtils.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

llvm::Error mlir::simclr::runtime::writeFileAtomically(llvm::StringRef path,
                                                       llvm::StringRef bytes) {
  auto fail = [&](const llvm::Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": error: " + message);
  };
  llvm::SmallString<256> model(llvm::sys::path::parent_path(path));
  if (model.empty())
    model = ".";
  llvm::sys::path::append(model, llvm::sys::path::filename(path) + ".tmp-%%%%%%");
  llvm::SmallString<256> temporary;
  int fd;
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(model, fd, temporary))
    return fail("cannot create a temporary file: " + ec.message());
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << bytes;
    os.flush();
    if (os.has_error()) {
      std::string message = os.error().message();
      os.clear_error();
      llvm::sys::fs::remove(temporary);
      return fail("cannot write: " + message);
    }
  }
  if (std::error_code ec = llvm::sys::fs::rename(temporary, path)) {
    llvm::sys::fs::remove(temporary);
    return fail("cannot replace the file: " + ec.message());
  }
  return llvm::Error::success();
}
