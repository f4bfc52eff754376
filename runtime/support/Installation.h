//===- Installation.h - where the runtime is installed ----------*- C++ -*-===//
//
// The build tree and an installed prefix have one layout: lib/ holds the runtime's
// libraries, include/simclr/ the headers that generated kernels and training executables
// compile against. The runtime finds both from where its own library was loaded, so a
// prefix works wherever it is and needs nothing from the build tree.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_SUPPORT_INSTALLATION_H
#define SIMCLR_RUNTIME_SUPPORT_INSTALLATION_H

#include <string>
#include <vector>

namespace mlir::simclr::runtime {

/// The directory libsimclr_runtime.so was loaded from (lib/).
std::string runtimeLibraryDirectory();
/// The root of the installed headers (include/simclr/ beside lib/).
std::string runtimeIncludeDirectory();

/// The host C++ compiler: $SIMCLR_CXX, else the compiler the project was built with.
std::string hostCompiler();

/// The flags that link a program against the installed runtime and the device library
/// `device` (`simclr_cpu`, `simclr_cuda`), with the library directory as its run path.
std::vector<std::string> runtimeLinkFlags(const std::string &device);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_SUPPORT_INSTALLATION_H
