//===- DatasetChecks.h - a data set opened as training uses it ---*- C++ -*-===//
#ifndef SIMCLR_TEST_FUZZ_DATASETCHECKS_H
#define SIMCLR_TEST_FUZZ_DATASETCHECKS_H

#include <string>

namespace mlir::simclr::fuzz {

/// Opens both splits of the data set in `directory` (1 and 3 channels) and takes each of
/// the first few images of every split that opened through what training and evaluation
/// do with it: the pretraining augmentation at 8 x 8 and the evaluation view. JPEGs above
/// `maxImagePixels` are refused, to keep each input fast.
void exerciseDataset(const std::string &directory, long long maxImagePixels = 1 << 20);

} // namespace mlir::simclr::fuzz

#endif // SIMCLR_TEST_FUZZ_DATASETCHECKS_H
