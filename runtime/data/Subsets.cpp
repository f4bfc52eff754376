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

llvm::Expected<std::vector<int64_t>> data::subsetFromFile(llvm::StringRef path, int64_t count) {
  auto error = [&](int line, const llvm::Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ":" + llvm::Twine(line) + ": error: " + message);
  };
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": error: " + buffer.getError().message());
  std::set<int64_t> seen;
  llvm::SmallVector<llvm::StringRef> lines;
  (*buffer)->getBuffer().split(lines, '\n');
  for (auto [i, raw] : llvm::enumerate(lines)) {
    llvm::StringRef line = raw.trim();
    if (line.empty() || line.starts_with("#"))
      continue;
    int64_t image;
    if (line.getAsInteger(10, image))
      return error(int(i) + 1, "'" + line + "' is not an image number");
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
