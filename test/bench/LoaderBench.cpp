//===- LoaderBench.cpp - what one CPU core feeds a GPU, per ImageNet image ===//
//
// The data pipeline's cost per image of an ImageNet-style JPEG, one core: decoding it
// (libjpeg-turbo), and one pretraining view (random resized crop to 224 x 224, flip,
// colour jitter, grayscale, blur, as docs/STAGES.md). A pretraining step needs one decode
// and two views an image, so images/s a core = 1 / (decode + 2 views); docs/GPU.md turns
// that into the cores a GPU step needs. Run it on a JPEG of ImageNet's typical size:
//
//   /usr/bin/python3 -c "from PIL import Image; import numpy as n; \
//     Image.fromarray((n.random.rand(375, 500, 3) * 255).astype('uint8')).save('/tmp/i.jpg', quality=90)"
//   SIMCLR_BENCH_JPEG=/tmp/i.jpg build/bin/simclr-loader-bench
//
//===----------------------------------------------------------------------===//

#include "runtime/data/Augment.h"
#include "runtime/data/Dataset.h"

#include <benchmark/benchmark.h>

#include <cstdlib>

using namespace mlir::simclr;

namespace {

const char *jpegPath() {
  const char *path = std::getenv("SIMCLR_BENCH_JPEG");
  return path ? path : "/tmp/i.jpg";
}

void BM_DecodeJpeg(benchmark::State &state) {
  for (auto _ : state) {
    auto image = data::decodeJpeg(jpegPath(), 3);
    if (!image) {
      state.SkipWithError(image.errorMessage().c_str());
      return;
    }
    benchmark::DoNotOptimize(image->pixels.data());
  }
}
BENCHMARK(BM_DecodeJpeg)->Unit(benchmark::kMillisecond);

void BM_PretrainingView224(benchmark::State &state) {
  auto image = data::decodeJpeg(jpegPath(), 3);
  if (!image) {
    state.SkipWithError(image.errorMessage().c_str());
    return;
  }
  data::AugmentSettings settings;
  settings.blur = true; // ImageNet-size images are blurred (SIMCLR.md)
  data::Random random(1);
  for (auto _ : state) {
    data::Image view = data::augment(*image, 224, 224, settings, random);
    benchmark::DoNotOptimize(view.pixels.data());
  }
}
BENCHMARK(BM_PretrainingView224)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
