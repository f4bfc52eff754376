//===- Subsets.h - which images are labelled --------------------*- C++ -*-===//
//
// SimCLRv2 fine-tunes on a few labels: a class-balanced fraction of the training images
// (1%, 10%), or the images a file lists (as the paper does for ImageNet). Both give the
// image numbers of the data set, sorted; the fine-tuning sampler visits only those. A
// validation split, held out of every stage's training, chooses steps and rates.
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
/// chosen by a permutation drawn from `seed` among the images not in `excluded` (sorted):
/// the count per class is still the fraction of the whole class, as far as the class has
/// images left. Sorted.
std::vector<int64_t> classBalancedSubset(const std::vector<int32_t> &labels, double fraction,
                                         uint64_t seed,
                                         const std::vector<int64_t> &excluded = {});

/// The validation split: `count` labelled images (at most all of them) held out of
/// training. Every class gets its share of `count` in proportion to its size (the
/// remainders one each to the classes with the largest fractional shares, ties to the lower
/// label), drawn by a fixed permutation: the same images for every run and seed, so that
/// every arm of a comparison is selected on the same split. Sorted.
std::vector<int64_t> validationSubset(const std::vector<int32_t> &labels, int64_t count);

/// The numbers 0 .. count - 1 not in `excluded` (sorted).
std::vector<int64_t> imagesOutside(int64_t count, const std::vector<int64_t> &excluded);

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
