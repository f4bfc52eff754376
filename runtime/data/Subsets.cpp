//===- Subsets.cpp - which images are labelled -----------------------------===//

#include "runtime/data/Subsets.h"
#include "runtime/data/Sampler.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

using namespace mlir::simclr;
using namespace mlir::simclr::data;

std::vector<int64_t> data::classBalancedSubset(const std::vector<int32_t> &labels,
                                               double fraction, uint64_t seed) {
  std::map<int32_t, std::vector<int64_t>> byClass;
  for (size_t i = 0; i < labels.size(); ++i)
    byClass[labels[i]].push_back(int64_t(i));
  std::vector<int64_t> chosen;
  for (auto &[label, images] : byClass) {
    size_t take = std::max<size_t>(1, size_t(std::llround(fraction * double(images.size()))));
    // The class's own permutation: the choice of one class does not depend on the others.
    std::vector<int64_t> order = EpochSampler(images, seed ^ (uint64_t(label) << 32)).order(0);
    chosen.insert(chosen.end(), order.begin(), order.begin() + std::min(take, order.size()));
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

llvm::Expected<std::vector<int64_t>> data::subsetFromFile(llvm::StringRef path, int64_t count,
                                                          const std::vector<std::string> &names) {
  auto error = [&](int line, const llvm::Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ":" + llvm::Twine(line) + ": error: " + message);
  };
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": error: " + buffer.getError().message());
  // Names and bare file names (-1 where several images share one) to image numbers.
  std::map<llvm::StringRef, int64_t> byName, byFileName;
  for (auto [i, name] : llvm::enumerate(names)) {
    byName[name] = int64_t(i);
    llvm::StringRef file = llvm::StringRef(name).rsplit('/').second;
    if (!file.empty()) {
      auto [it, inserted] = byFileName.try_emplace(file, int64_t(i));
      if (!inserted)
        it->second = -1;
    }
  }
  std::set<int64_t> seen;
  llvm::SmallVector<llvm::StringRef> lines;
  (*buffer)->getBuffer().split(lines, '\n');
  for (auto [i, raw] : llvm::enumerate(lines)) {
    llvm::StringRef line = raw.trim();
    if (line.empty() || line.starts_with("#"))
      continue;
    int64_t image;
    if (auto named = byName.find(line); named != byName.end()) {
      image = named->second;
    } else if (auto file = byFileName.find(line); file != byFileName.end()) {
      if (file->second < 0)
        return error(int(i) + 1, "several images are named '" + line +
                                     "'; give the path under the class directory");
      image = file->second;
    } else if (line.getAsInteger(10, image)) {
      if (names.empty())
        return error(int(i) + 1, "'" + line + "' is not an image number");
      return error(int(i) + 1, "no image is named '" + line + "'");
    }
    if (image < 0 || image >= count)
      return error(int(i) + 1, "image " + llvm::Twine(image) + " is not in the data set (" +
                                   llvm::Twine(count) + " images, numbered from 0)");
    if (!seen.insert(image).second)
      return error(int(i) + 1, "image " + llvm::Twine(image) + " is listed twice");
  }
  if (seen.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": error: lists no images");
  return std::vector<int64_t>(seen.begin(), seen.end());
}
