//===- RunLog.cpp - what a run reports while it runs -----------------------===//

#include "runtime/train/RunLog.h"
#include "runtime/support/Files.h"
#include "runtime/support/Json.h"
#include "runtime/support/Strings.h"
#include "runtime/train/Plot.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

Expected<std::unique_ptr<RunLog>> RunLog::open(const std::string &path, int firstStep) {
  auto log = std::make_unique<RunLog>();
  if (path.empty())
    return log;
  std::string kept;
  if (firstStep > 0 && fileExists(path))
    if (auto old = readFile(path))
      for (std::string_view line : split(*old, '\n')) {
        auto value = parseJson(line);
        const JsonValue *step = value ? value->get("step") : nullptr;
        if (step && step->asInteger() && *step->asInteger() <= firstStep)
          kept += std::string(line) + "\n";
      }
  log->path = path;
  log->file = std::fopen(path.c_str(), "w");
  if (!log->file)
    return makeError(path + ": error: " + std::strerror(errno));
  std::fputs(kept.c_str(), log->file);
  std::fflush(log->file);
  return log;
}

RunLog::~RunLog() {
  if (file)
    std::fclose(file);
}

void RunLog::write(const std::string &line) {
  if (!file)
    return;
  std::fputs(line.c_str(), file);
  std::fputc('\n', file);
  std::fflush(file);
}

void RunLog::step(int step, float loss, float accuracy, float lr) {
  write(format("{\"step\": %d, \"loss\": %.6f, \"accuracy\": %.6f, \"lr\": %.6f}", step, loss,
               accuracy, lr));
}

Error RunLog::finish(const std::string &title) {
  if (!file)
    return Error::success();
  std::fclose(file);
  file = nullptr;
  std::string svg = (endsWith(path, ".jsonl") ? path.substr(0, path.size() - 6) : path) + ".svg";
  return plotLog(path, svg, title);
}

Progress::Progress(int firstStep, int steps, int64_t batch)
    : firstStep(firstStep), steps(steps), window(std::max(1, std::min(10, steps / 2))),
      batch(batch), start(std::chrono::steady_clock::now()) {}

void Progress::step(int t, float loss, float accuracy, float lr) {
  if (t - firstStep < window)
    firstLosses += loss / window;
  recent.push_back(loss);
  if (recent.size() > size_t(window))
    recent.erase(recent.begin());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double perStep = seconds / double(t + 1 - firstStep);
  int eta = int(std::lround(perStep * double(steps - t - 1)));
  int percent = int(100 * (t + 1) / steps);
  std::string bar = "[" + std::string(size_t(percent / 5), '#') +
                    std::string(size_t(20 - percent / 5), '.') + "]";
  std::printf("step %d/%d  loss %.4f  accuracy %.3f  lr %.5f  %.1f images/s  %s %3d%%  "
              "ETA %d:%02d\n",
              t + 1, steps, loss, accuracy, lr, (t + 1 - firstStep) * batch / seconds,
              bar.c_str(), percent, eta / 60, eta % 60);
  std::fflush(stdout);
}

void Progress::printSummary() const {
  double lastLosses = 0;
  for (float loss : recent)
    lastLosses += loss / window;
  std::printf("mean loss of the first %d steps %.4f, of the last %d %.4f\n", window, firstLosses,
              window, lastLosses);
}

void runtime::printProfile(const std::vector<Executor::ProfileEntry> &entries) {
  if (entries.empty() || entries.front().calls == 0)
    return;
  double steps = double(entries.front().calls), total = 0;
  std::map<std::string, std::pair<double, int>> byKind;
  for (const auto &e : entries) {
    // "3 simclr.conv2d 256x32x28x28" -> "simclr.conv2d"
    std::vector<std::string_view> words = split(e.what, ' ');
    std::string op(words.size() > 1 ? words[1] : std::string_view());
    byKind[op].first += e.seconds / steps;
    byKind[op].second += 1;
    total += e.seconds / steps;
  }
  std::printf("profile: %.1f ms per step over %d steps\n", total * 1e3, int(steps));
  std::vector<std::pair<double, std::string>> kinds;
  for (auto &[op, v] : byKind)
    kinds.push_back({v.first, op + " (" + std::to_string(v.second) + ")"});
  std::sort(kinds.rbegin(), kinds.rend());
  for (auto &[seconds, op] : kinds)
    std::printf("  %8.2f ms  %5.1f%%  %s\n", seconds * 1e3, 100 * seconds / total, op.c_str());
  std::vector<std::pair<double, std::string>> slowest;
  for (const auto &e : entries)
    slowest.push_back({e.seconds / steps, e.what});
  std::sort(slowest.rbegin(), slowest.rend());
  std::printf("slowest instructions:\n");
  for (size_t i = 0; i < slowest.size() && i < 15; ++i)
    std::printf("  %8.2f ms  %s\n", slowest[i].first * 1e3, slowest[i].second.c_str());
}
