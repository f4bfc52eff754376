//===- Subsets.h - which images are labelled --------------------*- C++ -*-===//
//
// SimCLRv2 fine-tunes on a few labels: a class-balanced fraction of the training images
// (1%, 10%), or the images a file lists (as the paper does for ImageNet). Both give the
// image numbers of the data set, sorted; the fine-tuning sampler visits only those.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_DATA_SUBSETS_H
#define SIMCLR_RUNTIME_DATA_SUBSETS_H

#include "runtime/support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::simclr::data {

/// `fraction` of the images of every class (rounded, at least one per class present),
/// chosen by a permutation drawn from `seed`; sorted.
std::vector<int64_t> classBalancedSubset(const std::vector<int32_t> &labels, double fraction,
                                         uint64_t seed);

/// The images `path` lists, one per line: an image number (0-based, in the data set's
/// order) or, when the set has `names` (ImageFolder), an image's name or its file name
/// alone where that is unique; blank lines and lines starting with '#' are skipped. A
/// number that is not an image of the set (`count` images), a name of no image or of
/// several, a duplicate or a malformed line is an error naming the file and line. Sorted.
runtime::Expected<std::vector<int64_t>>
subsetFromFile(const std::string &path, int64_t count,
               const std::vector<std::string> &names = {});

} // namespace mlir::simclr::data

#endif // SIMCLR_RUNTIME_DATA_SUBSETS_H
