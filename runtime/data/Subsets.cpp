//===- Subsets.cpp - which images are labelled -----------------------------===//

#include "runtime/data/Subsets.h"
#include "runtime/data/Sampler.h"

#include "runtime/support/Files.h"
#include "runtime/support/Strings.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

using namespace mlir::simclr;
using namespace mlir::simclr::data;

namespace {

/// The images of every class, in the data set's order, skipping `excluded` (sorted).
std::map<int32_t, std::vector<int64_t>> imagesByClass(const std::vector<int32_t> &labels,
                                                      const std::vector<int64_t> &excluded) {
  std::map<int32_t, std::vector<int64_t>> byClass;
  for (int64_t i : imagesOutside(int64_t(labels.size()), excluded))
    byClass[labels[size_t(i)]].push_back(i);
  return byClass;
}

/// The first `take` images of the class's own permutation: the choice of one class does
/// not depend on the others.
void takeFromClass(int32_t label, const std::vector<int64_t> &images, size_t take,
                   uint64_t seed, std::vector<int64_t> &chosen) {
  std::vector<int64_t> order = EpochSampler(images, seed ^ (uint64_t(label) << 32)).order(0);
  chosen.insert(chosen.end(), order.begin(), order.begin() + std::min(take, order.size()));
}

/// The validation split's permutation seed ("validate"), independent of --seed.
constexpr uint64_t kValidationSeed = 0x76616c6964617465ull;

} // namespace

std::vector<int64_t> data::classBalancedSubset(const std::vector<int32_t> &labels,
                                               double fraction, uint64_t seed,
                                               const std::vector<int64_t> &excluded) {
  std::map<int32_t, size_t> classSize;
  for (int32_t label : labels)
    ++classSize[label];
  std::vector<int64_t> chosen;
  for (auto &[label, images] : imagesByClass(labels, excluded)) {
    size_t take =
        std::max<size_t>(1, size_t(std::llround(fraction * double(classSize[label]))));
    takeFromClass(label, images, take, seed, chosen);
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

std::vector<int64_t> data::validationSubset(const std::vector<int32_t> &labels,
                                            int64_t count) {
  auto byClass = imagesByClass(labels, {});
  size_t total = labels.size(), wanted = size_t(std::clamp<int64_t>(count, 0, int64_t(total)));
  if (wanted == 0)
    return {};
  // Quotas by largest remainder: floor(wanted * size / total) each, then one more for the
  // classes with the largest fractional parts until the sum is `wanted`.
  std::vector<std::pair<int32_t, size_t>> quota;          // (label, images), by label
  std::vector<std::pair<double, size_t>> remainders;      // (fraction, place in quota)
  size_t given = 0;
  for (auto &[label, images] : byClass) {
    double exact = double(wanted) * double(images.size()) / double(total);
    size_t floor = size_t(exact);
    remainders.push_back({exact - double(floor), quota.size()});
    quota.push_back({label, floor});
    given += floor;
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto &a, const auto &b) { return a.first > b.first; });
  for (size_t i = 0; given < wanted && i < remainders.size(); ++i, ++given)
    ++quota[remainders[i].second].second;
  std::vector<int64_t> chosen;
  for (auto &[label, n] : quota)
    takeFromClass(label, byClass[label], n, kValidationSeed, chosen);
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

std::vector<int64_t> data::imagesOutside(int64_t count, const std::vector<int64_t> &excluded) {
  std::vector<int64_t> rest;
  rest.reserve(size_t(std::max<int64_t>(count, 0)));
  auto skip = excluded.begin();
  for (int64_t i = 0; i < count; ++i) {
    while (skip != excluded.end() && *skip < i)
      ++skip;
    if (skip == excluded.end() || *skip != i)
      rest.push_back(i);
  }
  return rest;
}

runtime::Expected<std::vector<int64_t>>
data::subsetFromFile(const std::string &path, int64_t count,
                     const std::vector<std::string> &names) {
  auto error = [&](size_t line, const std::string &message) {
    return runtime::makeError(path + ":" + std::to_string(line) + ": error: " + message);
  };
  auto text = runtime::readFile(path);
  if (!text)
    return text.takeError();
  // Names and bare file names (-1 where several images share one) to image numbers.
  std::map<std::string_view, int64_t> byName, byFileName;
  for (size_t i = 0; i < names.size(); ++i) {
    byName[names[i]] = int64_t(i);
    size_t slash = names[i].rfind('/');
    std::string_view file =
        slash == std::string::npos ? std::string_view() : std::string_view(names[i]).substr(slash + 1);
    if (!file.empty()) {
      auto [it, inserted] = byFileName.try_emplace(file, int64_t(i));
      if (!inserted)
        it->second = -1;
    }
  }
  std::set<int64_t> seen;
  std::vector<std::string_view> lines = runtime::split(*text, '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = runtime::trim(lines[i]);
    if (line.empty() || line.front() == '#')
      continue;
    std::string quoted = "'" + std::string(line) + "'";
    int64_t image;
    if (auto named = byName.find(line); named != byName.end()) {
      image = named->second;
    } else if (auto file = byFileName.find(line); file != byFileName.end()) {
      if (file->second < 0)
        return error(i + 1, "several images are named " + quoted +
                                "; give the path under the class directory");
      image = file->second;
    } else if (auto number = runtime::parseInteger(line)) {
      image = *number;
    } else {
      if (names.empty())
        return error(i + 1, quoted + " is not an image number");
      return error(i + 1, "no image is named " + quoted);
    }
    if (image < 0 || image >= count)
      return error(i + 1, "image " + std::to_string(image) + " is not in the data set (" +
                              std::to_string(count) + " images, numbered from 0)");
    if (!seen.insert(image).second)
      return error(i + 1, "image " + std::to_string(image) + " is listed twice");
  }
  if (seen.empty())
    return runtime::makeError(path + ": error: lists no images");
  return std::vector<int64_t>(seen.begin(), seen.end());
}
