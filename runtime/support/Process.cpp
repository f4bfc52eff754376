//===- Process.cpp - running another program -------------------------------===//

#include "runtime/support/Process.h"
#include "runtime/support/Files.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

Expected<ProgramResult> runtime::runProgram(const std::vector<std::string> &argv) {
  if (argv.empty())
    return makeError("error: no program to run");
  auto scratch = TemporaryDirectory::create("simclr-run");
  if (!scratch)
    return scratch.takeError();
  std::string log = joinPath(scratch->path(), "output.log");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char *> args;
  for (const std::string &a : argv)
    args.push_back(const_cast<char *>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    return makeError("error: cannot run " + argv[0] + ": " + std::strerror(rc));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return makeError("error: lost " + argv[0] + ": " + std::strerror(errno));
  ProgramResult result;
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (auto output = readFile(log)) {
    result.output = std::move(*output);
    if (result.output.size() > 8192)
      result.output.erase(0, result.output.size() - 8192);
  }
  return result;
}

Error runtime::runBuildTool(const std::vector<std::string> &argv, const std::string &what) {
  auto result = runProgram(argv);
  if (!result)
    return makeError("building " + what + " failed: " + result.errorMessage());
  if (result->exitCode == 0)
    return Error::success();
  std::string output = result->output;
  if (output.size() > 4000)
    output.erase(0, output.size() - 4000);
  return makeError("building " + what + " with " + argv[0] + " failed (exit status " +
                   std::to_string(result->exitCode) + ")" +
                   (output.empty() ? "" : "\n" + output));
}
