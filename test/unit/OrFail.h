//===- OrFail.h - an llvm::Expected in a test -------------------*- C++ -*-===//
#ifndef SIMCLR_TEST_UNIT_ORFAIL_H
#define SIMCLR_TEST_UNIT_ORFAIL_H

#include "llvm/Support/Error.h"

#include <gtest/gtest.h>

namespace mlir::simclr::test {

/// The value, or a test failure with the error's message and an empty value.
template <typename T> T orFail(llvm::Expected<T> value) {
  if (!value) {
    ADD_FAILURE() << llvm::toString(value.takeError());
    return T();
  }
  return std::move(*value);
}

} // namespace mlir::simclr::test

#endif // SIMCLR_TEST_UNIT_ORFAIL_H
