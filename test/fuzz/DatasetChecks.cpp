//===- DatasetChecks.cpp - a data set opened as training uses it -----------===//

#include "DatasetChecks.h"
#include "FuzzSupport.h"

#include "runtime/data/Augment.h"
#include "runtime/data/Dataset.h"

#include <algorithm>
#include <cstdlib>

using namespace mlir::simclr;

void fuzz::exerciseDataset(const std::string &directory, long long maxImagePixels) {
  for (data::Split split : {data::Split::Train, data::Split::Test})
    for (int channels : {1, 3}) {
      auto set = data::openDataset(directory, split, channels, maxImagePixels);
      if (!set) {
        fuzz::note(set.errorMessage());
        continue;
      }
      const data::Dataset &d = **set;
      fuzz::note(d.location() + ": " + std::to_string(d.size()) + " images");
      if (d.labels().size() != size_t(d.size()))
        std::abort();
      for (int64_t i = 0; i < std::min<int64_t>(d.size(), 3); ++i) {
        auto image = d.image(i);
        if (!image) {
          fuzz::note(image.errorMessage());
          continue;
        }
        if (image->channels != d.channels() ||
            image->pixels.size() != size_t(image->channels) * image->height * image->width)
          std::abort(); // an image that is not what the data set says it is
        data::Random random = data::Random::forView(1, 0, uint64_t(i), 0);
        data::AugmentSettings settings;
        data::Image view = data::augment(*image, 8, 8, settings, random);
        data::Image evaluated = data::evaluationView(*image, 8, 8);
        if (view.pixels.size() != size_t(channels) * 64 ||
            evaluated.pixels.size() != size_t(channels) * 64)
          std::abort();
      }
    }
}
