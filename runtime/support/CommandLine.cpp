//===- CommandLine.cpp - a tool's flags ------------------------------------===//

#include "runtime/support/CommandLine.h"
#include "runtime/support/Strings.h"

#include <climits>
#include <cstdio>

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

FlagSet::FlagSet(std::string overview) : overview(std::move(overview)) {}

void FlagSet::add(std::string name, std::string *value, std::string help,
                  std::string valueName) {
  flags.push_back({std::move(name), std::move(help), std::move(valueName), Type::String, value,
                   *value});
}
void FlagSet::add(std::string name, int *value, std::string help) {
  flags.push_back({std::move(name), std::move(help), "N", Type::Int, value,
                   std::to_string(*value)});
}
void FlagSet::add(std::string name, unsigned *value, std::string help) {
  flags.push_back({std::move(name), std::move(help), "N", Type::Unsigned, value,
                   std::to_string(*value)});
}
void FlagSet::add(std::string name, uint64_t *value, std::string help) {
  flags.push_back({std::move(name), std::move(help), "N", Type::Uint64, value,
                   std::to_string(*value)});
}
void FlagSet::add(std::string name, double *value, std::string help) {
  flags.push_back({std::move(name), std::move(help), "X", Type::Double, value,
                   format("%g", *value)});
}
void FlagSet::add(std::string name, bool *value, std::string help) {
  flags.push_back({std::move(name), std::move(help), "", Type::Bool, value, ""});
}

const FlagSet::Flag *FlagSet::find(const std::string &name) const {
  for (const Flag &flag : flags)
    if (flag.name == name)
      return &flag;
  return nullptr;
}

Error FlagSet::set(const Flag &flag, const std::string &text) const {
  auto bad = [&](const char *what) {
    return makeError("error: --" + flag.name + " takes " + what + ", not '" + text + "'");
  };
  switch (flag.type) {
  case Type::String:
    *static_cast<std::string *>(flag.value) = text;
    return Error::success();
  case Type::Int: {
    auto v = parseInteger(text);
    if (!v || *v < INT_MIN || *v > INT_MAX)
      return bad("an integer");
    *static_cast<int *>(flag.value) = int(*v);
    return Error::success();
  }
  case Type::Unsigned: {
    auto v = parseUnsigned(text);
    if (!v || *v > UINT_MAX)
      return bad("a non-negative integer");
    *static_cast<unsigned *>(flag.value) = unsigned(*v);
    return Error::success();
  }
  case Type::Uint64: {
    auto v = parseUnsigned(text);
    if (!v)
      return bad("a non-negative integer");
    *static_cast<uint64_t *>(flag.value) = *v;
    return Error::success();
  }
  case Type::Double: {
    auto v = parseDouble(text);
    if (!v)
      return bad("a number");
    *static_cast<double *>(flag.value) = *v;
    return Error::success();
  }
  case Type::Bool:
    if (text == "true" || text == "1")
      *static_cast<bool *>(flag.value) = true;
    else if (text == "false" || text == "0")
      *static_cast<bool *>(flag.value) = false;
    else
      return bad("true or false");
    return Error::success();
  }
  return Error::success();
}

std::optional<int> FlagSet::parse(int argc, char **argv,
                                  std::vector<std::string> &positional) const {
  std::string program = argc > 0 ? argv[0] : "simclr";
  auto fail = [&](const std::string &message) {
    std::fprintf(stderr, "%s: %s (see %s --help)\n", program.c_str(), message.c_str(),
                 program.c_str());
    return 1;
  };
  bool flagsEnded = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (flagsEnded || arg.size() < 2 || arg[0] != '-') {
      positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flagsEnded = true;
      continue;
    }
    std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
    size_t equals = body.find('=');
    std::string name = body.substr(0, equals);
    if (name == "help" || name == "h") {
      std::fputs(usage(program, positionalHelp).c_str(), stdout);
      return 0;
    }
    const Flag *flag = find(name);
    if (!flag)
      return fail("error: unknown flag '" + arg + "'");
    std::string value;
    if (equals != std::string::npos)
      value = body.substr(equals + 1);
    else if (flag->type == Type::Bool)
      value = "true";
    else if (i + 1 < argc)
      value = argv[++i];
    else
      return fail("error: --" + name + " needs a value");
    if (Error e = set(*flag, value))
      return fail(e.message());
  }
  return std::nullopt;
}

std::string FlagSet::usage(const std::string &program, const std::string &arguments) const {
  std::string text = overview + "\n\nUsage: " + program + " [flags] " + arguments + "\n\nFlags:\n";
  for (const Flag &flag : flags) {
    std::string left = "  --" + flag.name + (flag.valueName.empty() ? "" : "=" + flag.valueName);
    text += left + std::string(left.size() < 26 ? 26 - left.size() : 1, ' ') + flag.help;
    if (!flag.defaultText.empty())
      text += " (default " + flag.defaultText + ")";
    text += "\n";
  }
  text += "  --help                  this text\n";
  return text;
}
