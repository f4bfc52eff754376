//===- DeviceBytes.cpp - what a run of a module takes on a device ----------===//

#include "runtime/exec/DeviceBytes.h"
#include "runtime/exec/Schedule.h"
#include "runtime/support/Strings.h"

#include <algorithm>

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

size_t DeviceBytes::total() const {
  size_t sum = variables + constants + arguments + kernelScratch + kernelTemp + libraryWorkspace;
  for (const auto &[entry, bytes] : arenas)
    sum += bytes;
  return sum;
}

std::string runtime::humanBytes(size_t bytes) {
  if (bytes >= (size_t(1) << 30))
    return format("%.1f GiB", double(bytes) / double(size_t(1) << 30));
  if (bytes >= (size_t(1) << 20))
    return format("%.1f MiB", double(bytes) / double(size_t(1) << 20));
  return format("%.1f KiB", double(bytes) / 1024.0);
}

std::string DeviceBytes::describe() const {
  std::vector<std::pair<std::string, size_t>> parts = {{"variables", variables}};
  for (const auto &[entry, bytes] : arenas)
    parts.push_back({"arena of " + entry, bytes});
  parts.push_back({"constants", constants});
  parts.push_back({"staged arguments", arguments});
  parts.push_back({"kernel scratch", kernelScratch});
  parts.push_back({"kernel temp", kernelTemp});
  parts.push_back({"library workspace", libraryWorkspace});
  std::string text;
  for (const auto &[what, bytes] : parts)
    if (bytes > 0)
      text += (text.empty() ? "" : ", ") + what + " " + humanBytes(bytes);
  return text;
}

Expected<DeviceBytes> runtime::deviceBytes(const LoadedModule &module, format::Target target,
                                           const std::vector<std::string> &entries) {
  const format::Module &root = module.root();
  DeviceBytes d;
  // The runtime holds variables and constants as float32 (VariableTable, Executor).
  auto bytes = [](const auto &value) {
    size_t count = 1;
    for (int64_t dim : *value.shape())
      count *= size_t(dim);
    return count * sizeof(float);
  };
  for (const format::Variable *v : *root.variables())
    d.variables += bytes(*v);
  if (root.constants())
    for (const format::Constant *c : *root.constants())
      d.constants += bytes(*c);
  for (const std::string &entry : entries) {
    auto schedule = Schedule::create(module, entry);
    if (!schedule)
      return schedule.takeError();
    d.arenas.push_back({entry, size_t(schedule->arenaBytes()) + 16});
    size_t arguments = 0;
    for (const Operand &a : schedule->arguments())
      arguments += a.bytes();
    d.arguments = std::max(d.arguments, arguments);
  }
  if (target == format::Target::Cuda) {
    if (root.kernels())
      for (const format::Kernel *k : *root.kernels())
        if (const format::KernelSource *s = kernelSource(*k, format::Target::Cuda)) {
          d.kernelScratch = std::max(d.kernelScratch, size_t(s->scratch_floats()) * sizeof(float));
          d.kernelTemp = std::max(d.kernelTemp, size_t(s->temp_bytes()));
        }
    d.libraryWorkspace = kCublasLtWorkspaceBytes;
  }
  return d;
}
