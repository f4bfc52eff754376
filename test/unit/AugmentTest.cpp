//===- AugmentTest.cpp - SimCLR's augmentations, transform by transform ----===//
//
// Each transform against what it must do (exact cases), and the augmenter's draws
// against the recipe's ranges and probabilities over many views.
//
//===----------------------------------------------------------------------===//

#include "runtime/data/Augment.h"
#include "runtime/data/Sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace mlir::simclr::data;

namespace {

Image noise(int channels, int height, int width, uint64_t seed) {
  Image image{channels, height, width, {}};
  Random random(seed);
  image.pixels.resize(size_t(channels) * height * width);
  for (float &v : image.pixels)
    v = static_cast<float>(random.uniform());
  return image;
}

double mean(const std::vector<float> &v, size_t begin = 0, size_t end = 0) {
  if (!end)
    end = v.size();
  return std::accumulate(v.begin() + begin, v.begin() + end, 0.0) / double(end - begin);
}

double variance(const std::vector<float> &v) {
  double m = mean(v), s = 0;
  for (float x : v)
    s += (x - m) * (x - m);
  return s / v.size();
}

TEST(Augment, RandomIsReproducibleAndUniform) {
  Random a = Random::forView(1, 2, 3, 0), b = Random::forView(1, 2, 3, 0);
  Random c = Random::forView(1, 2, 3, 1);
  double sum = 0;
  bool differs = false;
  for (int i = 0; i < 20000; ++i) {
    double x = a.uniform();
    EXPECT_EQ(x, b.uniform());
    differs |= x != c.uniform();
    ASSERT_GE(x, 0.0);
    ASSERT_LT(x, 1.0);
    sum += x;
  }
  EXPECT_TRUE(differs);
  EXPECT_NEAR(sum / 20000, 0.5, 0.01);
}

TEST(Augment, CropBoxesFollowTheRecipe) {
  Random random(5);
  double areaSum = 0, minArea = 1, maxArea = 0, logRatioSum = 0;
  const int draws = 20000, H = 64, W = 64;
  for (int i = 0; i < draws; ++i) {
    CropBox box = sampleCrop(H, W, 0.08, 1.0, 3.0 / 4, 4.0 / 3, random);
    ASSERT_GE(box.top, 0);
    ASSERT_GE(box.left, 0);
    ASSERT_LE(box.top + box.height, H);
    ASSERT_LE(box.left + box.width, W);
    double area = double(box.height) * box.width / (H * W);
    double ratio = double(box.width) / box.height;
    if (area < 1.0) { // not the whole-image fallback: within the ranges, up to rounding
      EXPECT_GE(area, 0.08 * 0.85);
      EXPECT_GE(ratio, 0.75 * 0.9);
      EXPECT_LE(ratio, 4.0 / 3 / 0.9);
    }
    areaSum += area;
    logRatioSum += std::log(ratio);
    minArea = std::min(minArea, area);
    maxArea = std::max(maxArea, area);
  }
  EXPECT_LT(minArea, 0.1);
  EXPECT_GT(maxArea, 0.95);
  // Uniform area in [0.08, 1] (mean 0.54), less the draws that do not fit.
  EXPECT_GT(areaSum / draws, 0.45);
  EXPECT_LT(areaSum / draws, 0.62);
  EXPECT_NEAR(logRatioSum / draws, 0.0, 0.02); // log-uniform, symmetric around 1
}

TEST(Augment, ResizedCropOfTheWholeImageIsTheImage) {
  Image image = noise(3, 9, 7, 1);
  Image same = resizedCrop(image, CropBox{0, 0, 9, 7}, 9, 7);
  EXPECT_EQ(same.pixels, image.pixels);
  // Upsampling a constant stays constant; a 2x crop of a ramp is a ramp of half the slope.
  Image ramp{1, 8, 8, std::vector<float>(64)};
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x)
      ramp.at(0, y, x) = float(x) / 8;
  Image zoomed = resizedCrop(ramp, CropBox{0, 2, 4, 4}, 8, 8);
  for (int x = 1; x < 6; ++x)
    EXPECT_NEAR(zoomed.at(0, 3, x + 1) - zoomed.at(0, 3, x), 0.5 / 8, 1e-6);
}

TEST(Augment, FlipTwiceIsIdentity) {
  Image image = noise(3, 5, 6, 2), flipped = image;
  flipHorizontal(flipped);
  EXPECT_EQ(flipped.at(1, 2, 0), image.at(1, 2, 5));
  flipHorizontal(flipped);
  EXPECT_EQ(flipped.pixels, image.pixels);
}

TEST(Augment, BrightnessScalesAndClips) {
  Image image{1, 1, 3, {0.2f, 0.5f, 0.9f}};
  adjustBrightness(image, 1.5);
  EXPECT_FLOAT_EQ(image.pixels[0], 0.3f);
  EXPECT_FLOAT_EQ(image.pixels[1], 0.75f);
  EXPECT_FLOAT_EQ(image.pixels[2], 1.0f); // clipped
}

TEST(Augment, ContrastKeepsTheMeanAndScalesTheSpread) {
  Image image = noise(1, 16, 16, 3);
  for (float &v : image.pixels)
    v = 0.4f + 0.2f * v; // in [0.4, 0.6]: no clipping at factor 1.5
  double m = mean(image.pixels), var = variance(image.pixels);
  adjustContrast(image, 1.5);
  EXPECT_NEAR(mean(image.pixels), m, 1e-6);
  EXPECT_NEAR(variance(image.pixels), var * 2.25, 1e-6);
  adjustContrast(image, 0.0);
  EXPECT_NEAR(variance(image.pixels), 0.0, 1e-12);
}

TEST(Augment, SaturationZeroIsGrayscaleAndOneIsIdentity) {
  Image image = noise(3, 4, 4, 4), gray = image, same = image;
  adjustSaturation(gray, 0.0);
  Image reference = image;
  toGrayscale(reference);
  for (size_t i = 0; i < image.pixels.size(); ++i)
    EXPECT_NEAR(gray.pixels[i], reference.pixels[i], 1e-6);
  adjustSaturation(same, 1.0);
  for (size_t i = 0; i < image.pixels.size(); ++i)
    EXPECT_NEAR(same.pixels[i], image.pixels[i], 1e-6);
  Image single = noise(1, 4, 4, 4), untouched = single;
  adjustSaturation(single, 0.0); // gray images have no saturation
  EXPECT_EQ(single.pixels, untouched.pixels);
}

TEST(Augment, HueRotatesPrimariesAndAFullTurnIsIdentity) {
  Image red{3, 1, 1, {1.f, 0.f, 0.f}};
  adjustHue(red, 1.0 / 3); // red -> green
  EXPECT_NEAR(red.pixels[0], 0.f, 1e-6);
  EXPECT_NEAR(red.pixels[1], 1.f, 1e-6);
  EXPECT_NEAR(red.pixels[2], 0.f, 1e-6);
  Image image = noise(3, 4, 4, 6), turned = image;
  adjustHue(turned, 1.0);
  for (size_t i = 0; i < image.pixels.size(); ++i)
    EXPECT_NEAR(turned.pixels[i], image.pixels[i], 1e-5);
  Image gray{3, 1, 1, {0.3f, 0.3f, 0.3f}};
  adjustHue(gray, 0.37);
  EXPECT_NEAR(gray.pixels[2], 0.3f, 1e-6);
}

TEST(Augment, GrayscaleUsesLuma) {
  Image image{3, 1, 1, {1.f, 0.5f, 0.f}};
  toGrayscale(image);
  for (float v : image.pixels)
    EXPECT_NEAR(v, 0.299 + 0.5 * 0.587, 1e-6);
}

TEST(Augment, BlurKeepsConstantsAndTheMeanAndSmoothsNoise) {
  Image flat{1, 10, 10, std::vector<float>(100, 0.7f)};
  gaussianBlur(flat, 1.5, 3);
  for (float v : flat.pixels)
    EXPECT_NEAR(v, 0.7f, 1e-6);
  Image image = noise(1, 32, 32, 8), blurred = image;
  gaussianBlur(blurred, 2.0, 4);
  EXPECT_NEAR(mean(blurred.pixels), mean(image.pixels), 0.01);
  EXPECT_LT(variance(blurred.pixels), variance(image.pixels) / 4);
  Image sharp = image;
  gaussianBlur(sharp, 0.1, 1); // sigma 0.1: the neighbours weigh e^-50
  for (size_t i = 0; i < image.pixels.size(); ++i)
    EXPECT_NEAR(sharp.pixels[i], image.pixels[i], 1e-6);
}

TEST(Augment, ViewsFollowTheRecipesProbabilitiesAndRanges) {
  Image image = noise(3, 32, 32, 9);
  AugmentSettings settings;
  settings.blur = true;
  int flips = 0, jitters = 0, grays = 0, blurs = 0, draws = 4000;
  int firstOp[4] = {0, 0, 0, 0};
  for (int i = 0; i < draws; ++i) {
    Random random = Random::forView(3, 0, uint64_t(i), 0);
    AugmentRecord r;
    Image view = augment(image, settings, random, &r);
    ASSERT_EQ(view.pixels.size(), image.pixels.size());
    for (float v : view.pixels)
      ASSERT_TRUE(v >= 0.f && v <= 1.f);
    flips += r.flipped;
    grays += r.grayscale;
    blurs += r.blurred;
    if (r.colorJitter) {
      ++jitters;
      ++firstOp[r.order[0]];
      EXPECT_GE(r.brightness, 0.2);
      EXPECT_LE(r.brightness, 1.8);
      EXPECT_GE(r.contrast, 0.2);
      EXPECT_LE(r.contrast, 1.8);
      EXPECT_GE(r.saturation, 0.2);
      EXPECT_LE(r.saturation, 1.8);
      EXPECT_LE(std::fabs(r.hue), 0.2);
    }
    if (r.blurred) {
      EXPECT_GE(r.sigma, 0.1);
      EXPECT_LE(r.sigma, 2.0);
    }
  }
  // Binomial standard deviations are below 0.008 at 4000 draws: 4 sigma bounds.
  EXPECT_NEAR(flips / double(draws), 0.5, 0.032);
  EXPECT_NEAR(jitters / double(draws), 0.8, 0.026);
  EXPECT_NEAR(grays / double(draws), 0.2, 0.026);
  EXPECT_NEAR(blurs / double(draws), 0.5, 0.032);
  for (int op = 0; op < 4; ++op) // a random order: each op first about a quarter of the time
    EXPECT_NEAR(firstOp[op] / double(jitters), 0.25, 0.04);

  // Deterministic per (seed, epoch, image, view).
  Random a = Random::forView(3, 1, 7, 1), b = Random::forView(3, 1, 7, 1);
  EXPECT_EQ(augment(image, settings, a).pixels, augment(image, settings, b).pixels);
}

TEST(Augment, FineTuningViewsAreCropAndFlipOnly) {
  Image image = noise(3, 16, 16, 10);
  AugmentSettings settings;
  settings.pretraining = false;
  settings.blur = true;
  for (int i = 0; i < 200; ++i) {
    Random random = Random::forView(4, 0, uint64_t(i), 0);
    AugmentRecord r;
    Image view = augment(image, settings, random, &r);
    EXPECT_FALSE(r.colorJitter || r.grayscale || r.blurred);
    // The view is exactly the (flipped) resized crop.
    Image expected = resizedCrop(image, r.crop, 16, 16);
    if (r.flipped)
      flipHorizontal(expected);
    ASSERT_EQ(view.pixels, expected.pixels);
  }
}

} // namespace

namespace {

TEST(EpochSampler, EachEpochIsAPermutationAndResumes) {
  std::vector<int64_t> indices = {3, 8, 11, 20, 21, 40, 41};
  EpochSampler sampler(indices, 9);
  std::vector<std::vector<int64_t>> epochs(3);
  for (auto &epoch : epochs)
    for (size_t i = 0; i < indices.size(); ++i)
      epoch.push_back(sampler.next());
  for (auto &epoch : epochs) {
    std::vector<int64_t> sorted = epoch;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, indices); // every image exactly once per epoch
  }
  EXPECT_NE(epochs[0], epochs[1]);
  EXPECT_EQ(epochs[1], sampler.order(1));
  EXPECT_EQ(EpochSampler(indices, 9).order(2), epochs[2]); // a function of (seed, epoch)
  EXPECT_NE(EpochSampler(indices, 10).order(0), epochs[0]);

  EpochSampler resumed(indices, 9); // continue from the middle of epoch 1
  resumed.seek(1, 4);
  for (size_t i = 4; i < indices.size(); ++i)
    EXPECT_EQ(resumed.next(), epochs[1][i]);
  EXPECT_EQ(resumed.next(), epochs[2][0]);
  EXPECT_EQ(resumed.epoch(), 2u);
  EXPECT_EQ(EpochSampler({}, 1).next(), -1);
}

} // namespace
