//===- Files.cpp - reading files, writing them without tearing -------------===//

#include "runtime/support/Files.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;
namespace fs = std::filesystem;

Expected<std::string> runtime::readFile(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return makeError(path + ": error: cannot read file: " + std::strerror(errno));
  std::string bytes;
  char buffer[1 << 16];
  while (true) {
    ssize_t got = ::read(fd, buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      std::string reason = std::strerror(errno);
      ::close(fd);
      return makeError(path + ": error: cannot read file: " + reason);
    }
    if (got == 0)
      break;
    bytes.append(buffer, size_t(got));
  }
  ::close(fd);
  return bytes;
}

Error runtime::writeFileAtomically(const std::string &path, std::string_view bytes) {
  auto fail = [&](const std::string &message) {
    return makeError(path + ": error: " + message);
  };
  std::string directory = parentPath(path);
  std::string model = joinPath(directory, fileName(path) + ".tmp-XXXXXX");
  std::vector<char> name(model.begin(), model.end());
  name.push_back('\0');
  int fd = ::mkstemp(name.data());
  if (fd < 0)
    return fail(std::string("cannot create a temporary file: ") + std::strerror(errno));
  std::string temporary(name.data());
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t put = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (put < 0 && errno == EINTR)
      continue;
    if (put < 0) {
      std::string reason = std::strerror(errno);
      ::close(fd);
      ::unlink(temporary.c_str());
      return fail("cannot write: " + reason);
    }
    written += size_t(put);
  }
  // The permissions a new file would have had (mkstemp makes it 0600).
  mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  // On the disk before it replaces the old file: a power cut after the rename must not
  // leave an empty file in its place.
  if (::fsync(fd) != 0) {
    std::string reason = std::strerror(errno);
    ::close(fd);
    ::unlink(temporary.c_str());
    return fail("cannot write: " + reason);
  }
  if (::close(fd) != 0) {
    std::string reason = std::strerror(errno);
    ::unlink(temporary.c_str());
    return fail("cannot write: " + reason);
  }
  // Testing hook (scripts/soak.sh): SIMCLR_KILL_BEFORE_RENAME=N kills the process in its
  // N-th atomic write, the new file written but not yet in place.
  static int writes = 0;
  if (const char *hook = std::getenv("SIMCLR_KILL_BEFORE_RENAME"))
    if (++writes == std::atoi(hook))
      ::raise(SIGKILL);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    std::string reason = std::strerror(errno);
    ::unlink(temporary.c_str());
    return fail("cannot replace the file: " + reason);
  }
  return Error::success();
}

bool runtime::fileExists(const std::string &path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

bool runtime::isDirectory(const std::string &path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

std::string runtime::joinPath(const std::string &directory, const std::string &name) {
  if (directory.empty())
    return name;
  return directory.back() == '/' ? directory + name : directory + "/" + name;
}

std::string runtime::fileName(const std::string &path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string runtime::parentPath(const std::string &path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return "";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Expected<std::vector<std::string>> runtime::listDirectory(const std::string &directory) {
  std::error_code ec;
  std::vector<std::string> names;
  for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec))
    names.push_back(it->path().filename().string());
  if (ec)
    return makeError(directory + ": error: cannot list the directory: " + ec.message());
  std::sort(names.begin(), names.end());
  return names;
}

Expected<TemporaryDirectory> TemporaryDirectory::create(const std::string &prefix) {
  const char *base = std::getenv("TMPDIR");
  std::string model = joinPath(base && *base ? base : "/tmp", prefix + "-XXXXXX");
  std::vector<char> name(model.begin(), model.end());
  name.push_back('\0');
  if (!::mkdtemp(name.data()))
    return makeError(model + ": error: cannot create a temporary directory: " +
                     std::strerror(errno));
  TemporaryDirectory made;
  made.directory = name.data();
  return made;
}

TemporaryDirectory::TemporaryDirectory(TemporaryDirectory &&other) noexcept
    : directory(std::move(other.directory)) {
  other.directory.clear();
}

TemporaryDirectory::~TemporaryDirectory() {
  if (!directory.empty()) {
    std::error_code ec;
    fs::remove_all(directory, ec);
  }
}
