//===- DeviceBytes.h - what a run of a module takes on a device -*- C++ -*-===//
//
// The device memory a run needs, by part, read off the module: what `simclrc --stats
// --target=cuda` prints ("will it fit") and what the runtime compares with a device's free
// memory before it allocates anything large (Device::checkFits), so that a module that
// does not fit is refused with the figures, before the first step.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_EXEC_DEVICEBYTES_H
#define SIMCLR_RUNTIME_EXEC_DEVICEBYTES_H

#include "runtime/module/Reader.h"

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace mlir::simclr::runtime {

/// cuBLASLt's workspace on the CUDA device (Hopper's fastest algorithms want 32 MiB).
inline constexpr size_t kCublasLtWorkspaceBytes = size_t(32) << 20;

struct DeviceBytes {
  size_t variables = 0; ///< parameters, statistics, optimizer state, a teacher
  size_t constants = 0;
  std::vector<std::pair<std::string, size_t>> arenas; ///< per entry point run
  size_t arguments = 0;        ///< the largest entry point's staged arguments
  size_t kernelScratch = 0;    ///< the target's kernels' intermediates (largest kernel)
  size_t kernelTemp = 0;       ///< what their building blocks hand between phases
  size_t libraryWorkspace = 0; ///< cuBLASLt's; cuDNN's is chosen on the device

  size_t total() const;
  /// "variables 1.2 GiB, arena train_step 165.1 GiB, ..." (parts that are not 0).
  std::string describe() const;
};

/// What running `entries` of `module` on `target` takes. Every entry point must exist.
Expected<DeviceBytes> deviceBytes(const LoadedModule &module, format::Target target,
                                  const std::vector<std::string> &entries);

/// "1.2 GiB", "512.0 MiB", "4.0 KiB".
std::string humanBytes(size_t bytes);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_EXEC_DEVICEBYTES_H
