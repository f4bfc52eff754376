//===- ExecutableMain.cpp - what a training executable's main does ---------===//

#include "runtime/train/ExecutableMain.h"
#include "runtime/train/Trainer.h"

#include <cstdio>

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

int runtime::runTrainingExecutable(int argc, char **argv, const uint8_t *bytes, size_t size,
                                   const std::string &where, const DeviceFactory &makeDevice) {
  TrainingOptions options;
  FlagSet flags("A SimCLRv2 training step compiled by simclrc, " + where);
  addTrainingFlags(flags, options);
  std::vector<std::string> positional;
  if (std::optional<int> exit = flags.parse(argc, argv, positional))
    return *exit;
  std::string program = argc > 0 ? argv[0] : "simclr";
  if (!positional.empty()) {
    std::fprintf(stderr, "%s: error: unexpected argument '%s' (see %s --help)\n",
                 program.c_str(), positional.front().c_str(), program.c_str());
    return 1;
  }
  auto module = parseModule(std::vector<uint8_t>(bytes, bytes + size),
                            program + " (embedded module)");
  if (!module) {
    std::fprintf(stderr, "%s\n", module.errorMessage().c_str());
    return 1;
  }
  std::unique_ptr<Communicator> comm = launchReplicas(options);
  if (!comm)
    return 1;
  return train(*module, makeDevice, options, *comm);
}
