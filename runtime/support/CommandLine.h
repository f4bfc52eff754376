//===- CommandLine.h - a tool's flags ---------------------------*- C++ -*-===//
//
// `--name=value`, `--name value` (or one dash), and `--name` for a yes/no flag; anything
// not starting with '-' is a positional argument; `--` ends the flags. `--help` prints
// every flag with its description.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_SUPPORT_COMMANDLINE_H
#define SIMCLR_RUNTIME_SUPPORT_COMMANDLINE_H

#include "runtime/support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::simclr::runtime {

class FlagSet {
public:
  /// `overview` opens the --help text.
  explicit FlagSet(std::string overview);

  /// Flags write straight into `value`, which keeps its value when the flag is not given.
  void add(std::string name, std::string *value, std::string help, std::string valueName = "file");
  void add(std::string name, int *value, std::string help);
  void add(std::string name, unsigned *value, std::string help);
  void add(std::string name, uint64_t *value, std::string help);
  void add(std::string name, double *value, std::string help);
  void add(std::string name, bool *value, std::string help);

  /// Parses `argv[1..]`, collecting positional arguments in `positional`. Returns the exit
  /// code when the program should stop here: 0 after printing --help, 1 after printing an
  /// error for an unknown flag, a missing value or a value of the wrong type.
  std::optional<int> parse(int argc, char **argv, std::vector<std::string> &positional) const;

  /// The --help text.
  std::string usage(const std::string &program, const std::string &arguments) const;
  /// What the positional arguments are, for --help ("<description.yaml | model.sclm>").
  std::string positionalHelp;

private:
  enum class Type { String, Int, Unsigned, Uint64, Double, Bool };
  struct Flag {
    std::string name, help, valueName;
    Type type;
    void *value;
    std::string defaultText;
  };
  const Flag *find(const std::string &name) const;
  /// Sets `flag` from `text`; an error names the flag.
  Error set(const Flag &flag, const std::string &text) const;

  std::string overview;
  std::vector<Flag> flags;
};

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_SUPPORT_COMMANDLINE_H
