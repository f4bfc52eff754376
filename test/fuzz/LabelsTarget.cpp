//===- LabelsTarget.cpp - fuzzes label files (--labels) --------------------===//
//
// Input: pieces (FuzzSupport.h): the label file; then, optionally, the data set's image
// names, one per line (none: a set known by number, as the array formats are); then
// the number of images, in decimal (default: as many as the names, or 100).
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "runtime/data/Subsets.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

using namespace mlir::simclr;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz::Pieces pieces(data, size);
  std::string path = fuzz::scratchDirectory() + "/labels.txt";
  fuzz::writeBytes(path, pieces.next());
  std::vector<std::string> names;
  std::string_view list = pieces.next();
  size_t start = 0;
  while (start < list.size() && names.size() < 10000) {
    size_t end = std::min(list.find('\n', start), list.size());
    names.emplace_back(list.substr(start, end - start));
    start = end + 1;
  }
  int64_t count = names.empty() ? 100 : int64_t(names.size());
  std::string_view number = pieces.next();
  if (!number.empty() && number.size() < 10 &&
      std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; }))
    count = std::stoll(std::string(number));
  auto subset = data::subsetFromFile(path, count, names);
  if (!subset) {
    fuzz::note(subset.errorMessage());
    return 0;
  }
  // What the fine-tuning sampler relies on: image numbers of the set, sorted, no repeats.
  for (size_t i = 0; i < subset->size(); ++i)
    if ((*subset)[i] < 0 || (*subset)[i] >= count || (i && (*subset)[i] <= (*subset)[i - 1]))
      std::abort();
  return 0;
}
