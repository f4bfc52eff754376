//===- JpegTarget.cpp - fuzzes the JPEG decoder (ImageFolder images) -------===//
//
// Input: one file, decoded to gray and to RGB with a 1-megapixel limit (the real limit,
// 100 megapixels, would only make the fuzzer slow), and with a limit of 64 pixels.
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "runtime/data/Dataset.h"

#include <cstdlib>

using namespace mlir::simclr;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = fuzz::scratchDirectory() + "/image.jpg";
  fuzz::writeBytes(path, std::string_view(reinterpret_cast<const char *>(data), size));
  for (int channels : {1, 3})
    for (int64_t limit : {int64_t(1) << 20, int64_t(64)}) {
      auto image = data::decodeJpeg(path, channels, limit);
      if (!image) {
        fuzz::note(image.errorMessage());
        continue;
      }
      if (image->channels != channels || image->height <= 0 || image->width <= 0 ||
          int64_t(image->height) * image->width > limit ||
          image->pixels.size() != size_t(channels) * image->height * image->width)
        std::abort();
      for (float v : image->pixels)
        if (!(v >= 0.0f && v <= 1.0f))
          std::abort();
    }
  return 0;
}
