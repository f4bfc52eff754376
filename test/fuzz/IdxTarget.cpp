//===- IdxTarget.cpp - fuzzes IDX data sets (MNIST, Fashion-MNIST) ---------===//
//
// Input: up to four pieces (FuzzSupport.h), written as the train images, train labels,
// t10k images and t10k labels of an IDX data set; the last byte of a piece that starts
// with the gzip magic makes it a .gz file. Each file is also read alone (readIdx).
//
//===----------------------------------------------------------------------===//

#include "DatasetChecks.h"
#include "FuzzSupport.h"

#include "runtime/data/Idx.h"

using namespace mlir::simclr;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string dir = fuzz::freshDirectory("idx");
  fuzz::Pieces pieces(data, size);
  for (const char *name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
    if (pieces.empty())
      break;
    std::string_view bytes = pieces.next();
    bool gzip = bytes.size() >= 2 && uint8_t(bytes[0]) == 0x1f && uint8_t(bytes[1]) == 0x8b;
    std::string path = dir + "/" + name + (gzip ? ".gz" : "");
    fuzz::writeBytes(path, bytes);
    auto array = data::readIdx(path, size_t(1) << 26);
    if (!array)
      fuzz::note(array.errorMessage());
  }
  fuzz::exerciseDataset(dir);
  return 0;
}
