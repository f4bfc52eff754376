//===- Augment.h - SimCLR's data augmentations ------------------*- C++ -*-===//
//
// The augmentations of SimCLR (../shared/SIMCLR.md, docs/STAGES.md) on float images in
// [0, 1], laid out C x H x W (C = 1 or 3). Each transform is a function of its own so that
// tests can check it alone; `Augmenter` chains them as the recipe says. Randomness comes
// from `Random`, seeded per view from (seed, epoch, image, view): views are the same on
// every machine and thread.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_DATA_AUGMENT_H
#define SIMCLR_RUNTIME_DATA_AUGMENT_H

#include <cstdint>
#include <random>
#include <vector>

namespace mlir::simclr::data {

/// Uniform draws made explicitly from a 64-bit Mersenne Twister (the standard library's
/// distributions differ between implementations).
class Random {
public:
  explicit Random(uint64_t seed) : engine(seed) {}
  /// A generator for one view, from a seed and up to three indices (SplitMix64 mixing).
  static Random forView(uint64_t seed, uint64_t epoch, uint64_t image, uint64_t view);

  double uniform() { return double(engine() >> 11) * 0x1.0p-53; } ///< [0, 1)
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  bool bernoulli(double p) { return uniform() < p; }
  uint64_t below(uint64_t n) { return n ? engine() % n : 0; } ///< [0, n)

private:
  std::mt19937_64 engine;
};

/// An image: C x H x W floats.
struct Image {
  int channels = 1, height = 0, width = 0;
  std::vector<float> pixels;
  float &at(int c, int y, int x) { return pixels[(size_t(c) * height + y) * width + x]; }
  float at(int c, int y, int x) const { return pixels[(size_t(c) * height + y) * width + x]; }
};

struct CropBox {
  int top = 0, left = 0, height = 0, width = 0;
};

/// Random resized crop's box: area a fraction in [minArea, maxArea] of the image, aspect
/// ratio (width / height) log-uniform in [minRatio, maxRatio]; up to 10 tries, then the
/// whole image.
CropBox sampleCrop(int height, int width, double minArea, double maxArea, double minRatio,
                   double maxRatio, Random &random);

/// `box` of `in` resized to outHeight x outWidth, bilinear (pixel centres aligned).
Image resizedCrop(const Image &in, const CropBox &box, int outHeight, int outWidth);

void flipHorizontal(Image &image);
/// x * factor, clipped to [0, 1].
void adjustBrightness(Image &image, double factor);
/// Each channel's distance to its mean over the image scaled by factor (as TensorFlow's
/// adjust_contrast), clipped.
void adjustContrast(Image &image, double factor);
/// RGB: the distance to the pixel's luma scaled by factor, clipped. Gray: nothing.
void adjustSaturation(Image &image, double factor);
/// RGB: hue rotated by `delta` turns (HSV), clipped. Gray: nothing.
void adjustHue(Image &image, double delta);
/// RGB: every channel set to the luma (0.299 R + 0.587 G + 0.114 B). Gray: nothing.
void toGrayscale(Image &image);
/// Separable Gaussian blur, `radius` pixels each side, edges clamped.
void gaussianBlur(Image &image, double sigma, int radius);

struct AugmentSettings {
  bool pretraining = true;     ///< false: crop and flip only (fine-tuning, distillation)
  double cropMinArea = 0.08, cropMaxArea = 1.0;
  double minRatio = 3.0 / 4.0, maxRatio = 4.0 / 3.0;
  bool flip = true;
  double colorStrength = 1.0, colorProbability = 0.8, grayscaleProbability = 0.2;
  bool blur = false;
  double blurProbability = 0.5, blurSigmaMin = 0.1, blurSigmaMax = 2.0;
};

/// What one call of `augment` did (for tests and statistics).
struct AugmentRecord {
  CropBox crop;
  bool flipped = false, colorJitter = false, grayscale = false, blurred = false;
  double brightness = 1, contrast = 1, saturation = 1, hue = 0, sigma = 0;
  int order[4] = {0, 1, 2, 3}; ///< the jitter's order: 0 brightness, 1 contrast, 2 saturation, 3 hue
};

/// One augmented view of `in`, `outHeight` x `outWidth` (the crop is resized to it), as
/// the settings say.
Image augment(const Image &in, int outHeight, int outWidth, const AugmentSettings &settings,
              Random &random, AugmentRecord *record = nullptr);
/// One augmented view of `in`, the same size.
inline Image augment(const Image &in, const AugmentSettings &settings, Random &random,
                     AugmentRecord *record = nullptr) {
  return augment(in, in.height, in.width, settings, random, record);
}

} // namespace mlir::simclr::data

#endif // SIMCLR_RUNTIME_DATA_AUGMENT_H
