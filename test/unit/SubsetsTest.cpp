//===- SubsetsTest.cpp - which images are labelled, and which held out ---===//
//
// The class-balanced labelled fraction, the listed images, and the validation split:
// their sizes per class, determinism, and that the validation split is disjoint from
// every labelled subset drawn beside it.
//
//===----------------------------------------------------------------------===//

#include "runtime/data/Subsets.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>

using namespace mlir::simclr::data;

namespace {

TEST(Subsets, ClassBalancedFractionTakesEveryClassEqually) {
  std::vector<int32_t> labels;
  for (int i = 0; i < 1000; ++i)
    labels.push_back(i % 10 < 7 ? i % 10 : 7); // classes 0-6: 100 images each, 7: 300
  std::vector<int64_t> subset = classBalancedSubset(labels, 0.1, 3);
  std::map<int32_t, int> perClass;
  for (int64_t i : subset)
    ++perClass[labels[i]];
  for (int c = 0; c < 7; ++c)
    EXPECT_EQ(perClass[c], 10) << c;
  EXPECT_EQ(perClass[7], 30);
  EXPECT_TRUE(std::is_sorted(subset.begin(), subset.end()));
  EXPECT_EQ(std::adjacent_find(subset.begin(), subset.end()), subset.end()); // no repeats
  EXPECT_EQ(classBalancedSubset(labels, 0.1, 3), subset);
  EXPECT_NE(classBalancedSubset(labels, 0.1, 4), subset);
  // At least one image of every class, however small the fraction.
  EXPECT_EQ(classBalancedSubset(labels, 0.0001, 3).size(), 8u);
  EXPECT_EQ(classBalancedSubset(labels, 1.0, 3).size(), 1000u);
}

TEST(Subsets, ListedImagesAreCheckedLineByLine) {
  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("labels", "txt", path));
  auto write = [&](const char *text) {
    std::ofstream(path.c_str()) << text;
    return subsetFromFile(path.str().str(), 50);
  };
  auto good = write("# labelled images\n7\n3\n\n42\n");
  ASSERT_TRUE(static_cast<bool>(good)) << good.errorMessage();
  EXPECT_EQ(*good, (std::vector<int64_t>{3, 7, 42}));
  auto message = [&](const char *text) {
    auto result = write(text);
    return result ? std::string("accepted") : result.errorMessage();
  };
  EXPECT_EQ(message("1\n50\n"),
            (path + ":2: error: image 50 is not in the data set (50 images, numbered from 0)").str());
  EXPECT_EQ(message("1\ncat.jpg\n"), (path + ":2: error: 'cat.jpg' is not an image number").str());
  EXPECT_EQ(message("4\n4\n"), (path + ":2: error: image 4 is listed twice").str());
  EXPECT_EQ(message("# nothing\n"), (path + ": error: lists no images").str());
  llvm::sys::fs::remove(path);
  auto missing = subsetFromFile("/nonexistent/labels.txt", 50);
  ASSERT_FALSE(static_cast<bool>(missing));
  EXPECT_EQ(missing.errorMessage().rfind("/nonexistent/labels.txt: error: ", 0), 0u);
}

} // namespace

namespace {

/// Images per class of `subset`.
std::map<int32_t, int> countPerClass(const std::vector<int32_t> &labels,
                                     const std::vector<int64_t> &subset) {
  std::map<int32_t, int> perClass;
  for (int64_t i : subset)
    ++perClass[labels[size_t(i)]];
  return perClass;
}

/// 1,000 images: classes 0-6 of 100 each, class 7 of 300, in a mixed order.
std::vector<int32_t> unevenLabels() {
  std::vector<int32_t> labels;
  for (int i = 0; i < 1000; ++i)
    labels.push_back(i % 10 < 7 ? i % 10 : 7);
  return labels;
}

TEST(Subsets, ValidationSplitIsClassBalancedAndFixed) {
  std::vector<int32_t> labels = unevenLabels();
  std::vector<int64_t> validation = validationSubset(labels, 100);
  ASSERT_EQ(validation.size(), 100u);
  std::map<int32_t, int> perClass = countPerClass(labels, validation);
  for (int c = 0; c < 7; ++c)
    EXPECT_EQ(perClass[c], 10) << c;
  EXPECT_EQ(perClass[7], 30);
  EXPECT_TRUE(std::is_sorted(validation.begin(), validation.end()));
  EXPECT_EQ(std::adjacent_find(validation.begin(), validation.end()), validation.end());
  // The same images on every call: the split does not depend on a run's seed.
  EXPECT_EQ(validationSubset(labels, 100), validation);
  // Largest remainders: 7 images of 1,000 are 0.7 per small class and 2.1 for class 7,
  // so class 7 gets 2 and the first five small classes (ties to the lower label) 1 each.
  std::map<int32_t, int> seven = countPerClass(labels, validationSubset(labels, 7));
  EXPECT_EQ(seven, (std::map<int32_t, int>{{0, 1}, {1, 1}, {2, 1}, {3, 1}, {4, 1}, {7, 2}}));
  EXPECT_TRUE(validationSubset(labels, 0).empty());
  EXPECT_EQ(validationSubset(labels, 5000).size(), 1000u); // at most every image
}

TEST(Subsets, LabelledImagesNeverComeFromTheValidationSplit) {
  std::vector<int32_t> labels = unevenLabels();
  std::vector<int64_t> validation = validationSubset(labels, 200);
  for (uint64_t seed : {1u, 2u, 3u}) {
    std::vector<int64_t> labelled = classBalancedSubset(labels, 0.1, seed, validation);
    // Still a tenth of every whole class, drawn from the rest.
    std::map<int32_t, int> perClass = countPerClass(labels, labelled);
    for (int c = 0; c < 7; ++c)
      EXPECT_EQ(perClass[c], 10) << c;
    EXPECT_EQ(perClass[7], 30);
    std::vector<int64_t> both;
    std::set_intersection(labelled.begin(), labelled.end(), validation.begin(),
                          validation.end(), std::back_inserter(both));
    EXPECT_TRUE(both.empty()) << "seed " << seed;
    EXPECT_EQ(classBalancedSubset(labels, 0.1, seed, validation), labelled);
  }
  // All the rest when the fraction asks for more than a class has left.
  std::vector<int64_t> rest = classBalancedSubset(labels, 1.0, 1, validation);
  EXPECT_EQ(rest, imagesOutside(1000, validation));
  EXPECT_EQ(rest.size(), 800u);
  EXPECT_EQ(imagesOutside(5, {1, 3}), (std::vector<int64_t>{0, 2, 4}));
  EXPECT_EQ(imagesOutside(3, {}), (std::vector<int64_t>{0, 1, 2}));
}

} // namespace
