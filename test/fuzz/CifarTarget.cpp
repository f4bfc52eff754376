//===- CifarTarget.cpp - fuzzes CIFAR-10 binary data sets ------------------===//
//
// Input: pieces (FuzzSupport.h) written as data_batch_1.bin .. data_batch_5.bin,
// test_batch.bin and batches.meta.txt, in that order; a first piece "nested" puts them
// under cifar-10-batches-bin/ instead. Both splits are opened and read.
//
//===----------------------------------------------------------------------===//

#include "DatasetChecks.h"
#include "FuzzSupport.h"

using namespace mlir::simclr;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string dir = fuzz::freshDirectory("cifar");
  fuzz::Pieces pieces(data, size);
  std::string_view first = pieces.next();
  std::string where = dir;
  if (first == "nested")
    where += "/cifar-10-batches-bin";
  const char *names[] = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                         "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin",
                         "batches.meta.txt"};
  std::string_view piece = first == "nested" ? pieces.next() : first;
  for (const char *name : names) {
    fuzz::writeBytes(where + "/" + name, piece);
    if (pieces.empty())
      break;
    piece = pieces.next();
  }
  fuzz::exerciseDataset(dir);
  return 0;
}
