//===- Dataset.h - labelled image sets on disk ------------------*- C++ -*-===//
//
// The data sets a stage trains and evaluates on (docs/STAGES.md, "Data sets"): IDX files
// (MNIST, Fashion-MNIST), CIFAR-10 binary batches, and ImageFolder trees of JPEGs. The
// layout is recognised from what the directory holds. Array formats are read whole into
// memory as bytes; ImageFolder images are decoded (libjpeg-turbo) when asked for.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_DATA_DATASET_H
#define SIMCLR_RUNTIME_DATA_DATASET_H

#include "runtime/data/Augment.h"
#include "runtime/support/Error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mlir::simclr::data {

enum class Split { Train, Test };

/// A labelled set of images. `image` may be called from several threads at once.
class Dataset {
public:
  virtual ~Dataset() = default;

  /// The directory (and layout) the images come from, for messages.
  const std::string &location() const { return where; }
  int64_t size() const { return int64_t(labelOf.size()); }
  /// Channels of every image (1 gray, 3 RGB).
  int channels() const { return numChannels; }
  /// The size every image has (array formats); 0 when each has its own (ImageFolder).
  int imageHeight() const { return height; }
  int imageWidth() const { return width; }
  const std::vector<int32_t> &labels() const { return labelOf; }
  const std::vector<std::string> &classNames() const { return classes; }
  /// Image names (ImageFolder: the path under the split's directory, '/'-separated);
  /// empty for the array formats, whose images are known by number only.
  const std::vector<std::string> &names() const { return imageNames; }
  /// Image `index` as C x H x W floats in [0, 1], at its own size.
  virtual runtime::Expected<Image> image(int64_t index) const = 0;

protected:
  std::string where;
  int numChannels = 1, height = 0, width = 0;
  std::vector<int32_t> labelOf;
  std::vector<std::string> classes, imageNames;
};

/// Opens the `split` of the data set in `directory`: IDX (`train-images-idx3-ubyte[.gz]`,
/// ...; test split `t10k`), CIFAR-10 (`data_batch_1.bin`..`data_batch_5.bin`,
/// `test_batch.bin`, directly or under `cifar-10-batches-bin/`) or ImageFolder
/// (`train/<class>/*.jpg`, test split `val/` or `test/`). ImageFolder images are decoded
/// to `channels` (1 or 3); array formats must have that many. Errors name the file.
/// The most pixels a JPEG may have before it is refused unread (--max-image-pixels).
constexpr int64_t kDefaultMaxImagePixels = 100'000'000;

runtime::Expected<std::unique_ptr<Dataset>>
openDataset(const std::string &directory, Split split, int channels,
            int64_t maxImagePixels = kDefaultMaxImagePixels);

/// Decodes a JPEG file to `channels` (1: gray, 3: RGB) floats in [0, 1]; CMYK and YCCK
/// JPEGs are converted as PIL converts them (Adobe's inverted CMYK included). A file that is
/// not a complete, valid JPEG is an error naming it (libjpeg's warnings count too), and so
/// is one whose header claims more than `maxPixels` pixels (refused before decoding).
runtime::Expected<Image> decodeJpeg(const std::string &path, int channels,
                                    int64_t maxPixels = kDefaultMaxImagePixels);

/// How an image is seen in evaluation at a network's `height` x `width`: as it is when it
/// has that size, else its centre crop (the network's aspect ratio, 0.875 of the
/// shorter side) resized bilinearly.
Image evaluationView(const Image &image, int height, int width);

} // namespace mlir::simclr::data

#endif // SIMCLR_RUNTIME_DATA_DATASET_H
