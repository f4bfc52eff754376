//===- Augment.cpp - SimCLR's data augmentations ---------------------------===//

#include "runtime/data/Augment.h"

#include <algorithm>
#include <cmath>
#include <utility>

using namespace mlir::simclr;
using namespace mlir::simclr::data;

namespace {

uint64_t splitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

float clip(double v) { return static_cast<float>(std::min(1.0, std::max(0.0, v))); }

float luma(float r, float g, float b) { return 0.299f * r + 0.587f * g + 0.114f * b; }

} // namespace

Random Random::forView(uint64_t seed, uint64_t epoch, uint64_t image, uint64_t view) {
  uint64_t s = splitMix(seed);
  s = splitMix(s ^ epoch);
  s = splitMix(s ^ image);
  s = splitMix(s ^ view);
  return Random(s);
}

CropBox data::sampleCrop(int height, int width, double minArea, double maxArea,
                         double minRatio, double maxRatio, Random &random) {
  double area = double(height) * width;
  for (int attempt = 0; attempt < 10; ++attempt) {
    double target = area * random.uniform(minArea, maxArea);
    double ratio = std::exp(random.uniform(std::log(minRatio), std::log(maxRatio)));
    int w = int(std::lround(std::sqrt(target * ratio)));
    int h = int(std::lround(std::sqrt(target / ratio)));
    if (w >= 1 && h >= 1 && w <= width && h <= height) {
      CropBox box;
      box.height = h;
      box.width = w;
      box.top = int(random.below(uint64_t(height - h + 1)));
      box.left = int(random.below(uint64_t(width - w + 1)));
      return box;
    }
  }
  return CropBox{0, 0, height, width};
}

Image data::resizedCrop(const Image &in, const CropBox &box, int outHeight, int outWidth) {
  Image out;
  out.channels = in.channels;
  out.height = outHeight;
  out.width = outWidth;
  out.pixels.resize(size_t(in.channels) * outHeight * outWidth);
  double sy = double(box.height) / outHeight, sx = double(box.width) / outWidth;
  for (int y = 0; y < outHeight; ++y) {
    // Source coordinate of the output pixel's centre, clamped to the box.
    double fy = std::min(std::max((y + 0.5) * sy - 0.5, 0.0), double(box.height - 1));
    int y0 = int(fy), y1 = std::min(y0 + 1, box.height - 1);
    double wy = fy - y0;
    for (int x = 0; x < outWidth; ++x) {
      double fx = std::min(std::max((x + 0.5) * sx - 0.5, 0.0), double(box.width - 1));
      int x0 = int(fx), x1 = std::min(x0 + 1, box.width - 1);
      double wx = fx - x0;
      for (int c = 0; c < in.channels; ++c) {
        auto p = [&](int yy, int xx) { return double(in.at(c, box.top + yy, box.left + xx)); };
        double top = p(y0, x0) * (1 - wx) + p(y0, x1) * wx;
        double bottom = p(y1, x0) * (1 - wx) + p(y1, x1) * wx;
        out.at(c, y, x) = static_cast<float>(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return out;
}

void data::flipHorizontal(Image &image) {
  for (int c = 0; c < image.channels; ++c)
    for (int y = 0; y < image.height; ++y)
      std::reverse(&image.at(c, y, 0), &image.at(c, y, 0) + image.width);
}

void data::adjustBrightness(Image &image, double factor) {
  for (float &v : image.pixels)
    v = clip(v * factor);
}

void data::adjustContrast(Image &image, double factor) {
  size_t plane = size_t(image.height) * image.width;
  for (int c = 0; c < image.channels; ++c) {
    float *p = image.pixels.data() + c * plane;
    double mean = 0;
    for (size_t i = 0; i < plane; ++i)
      mean += p[i];
    mean /= double(plane);
    for (size_t i = 0; i < plane; ++i)
      p[i] = clip((p[i] - mean) * factor + mean);
  }
}

void data::adjustSaturation(Image &image, double factor) {
  if (image.channels != 3)
    return;
  size_t plane = size_t(image.height) * image.width;
  float *r = image.pixels.data(), *g = r + plane, *b = g + plane;
  for (size_t i = 0; i < plane; ++i) {
    double gray = luma(r[i], g[i], b[i]);
    r[i] = clip((r[i] - gray) * factor + gray);
    g[i] = clip((g[i] - gray) * factor + gray);
    b[i] = clip((b[i] - gray) * factor + gray);
  }
}

void data::adjustHue(Image &image, double delta) {
  if (image.channels != 3)
    return;
  size_t plane = size_t(image.height) * image.width;
  float *r = image.pixels.data(), *g = r + plane, *b = g + plane;
  for (size_t i = 0; i < plane; ++i) {
    // RGB -> HSV, hue shifted (in turns), -> RGB.
    double R = r[i], G = g[i], B = b[i];
    double max = std::max({R, G, B}), min = std::min({R, G, B}), chroma = max - min;
    double h = 0;
    if (chroma > 0) {
      if (max == R)
        h = std::fmod((G - B) / chroma, 6.0);
      else if (max == G)
        h = (B - R) / chroma + 2.0;
      else
        h = (R - G) / chroma + 4.0;
      h /= 6.0;
    }
    h = h + delta;
    h -= std::floor(h);
    double s = max > 0 ? chroma / max : 0, v = max;
    double hh = h * 6.0;
    int sector = int(hh) % 6;
    double f = hh - std::floor(hh);
    double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
    double rgb[6][3] = {{v, t, p}, {q, v, p}, {p, v, t}, {p, q, v}, {t, p, v}, {v, p, q}};
    r[i] = clip(rgb[sector][0]);
    g[i] = clip(rgb[sector][1]);
    b[i] = clip(rgb[sector][2]);
  }
}

void data::toGrayscale(Image &image) {
  if (image.channels != 3)
    return;
  size_t plane = size_t(image.height) * image.width;
  float *r = image.pixels.data(), *g = r + plane, *b = g + plane;
  for (size_t i = 0; i < plane; ++i)
    r[i] = g[i] = b[i] = luma(r[i], g[i], b[i]);
}

void data::gaussianBlur(Image &image, double sigma, int radius) {
  std::vector<double> weights(2 * radius + 1);
  double total = 0;
  for (int k = -radius; k <= radius; ++k)
    total += weights[k + radius] = std::exp(-0.5 * k * k / (sigma * sigma));
  for (double &w : weights)
    w /= total;
  std::vector<float> line;
  for (int c = 0; c < image.channels; ++c) {
    // Rows, then columns; edges clamped.
    for (int y = 0; y < image.height; ++y) {
      line.assign(&image.at(c, y, 0), &image.at(c, y, 0) + image.width);
      for (int x = 0; x < image.width; ++x) {
        double acc = 0;
        for (int k = -radius; k <= radius; ++k)
          acc += weights[k + radius] * line[std::clamp(x + k, 0, image.width - 1)];
        image.at(c, y, x) = static_cast<float>(acc);
      }
    }
    for (int x = 0; x < image.width; ++x) {
      line.resize(image.height);
      for (int y = 0; y < image.height; ++y)
        line[y] = image.at(c, y, x);
      for (int y = 0; y < image.height; ++y) {
        double acc = 0;
        for (int k = -radius; k <= radius; ++k)
          acc += weights[k + radius] * line[std::clamp(y + k, 0, image.height - 1)];
        image.at(c, y, x) = static_cast<float>(acc);
      }
    }
  }
}

Image data::augment(const Image &in, int outHeight, int outWidth, const AugmentSettings &s,
                    Random &random, AugmentRecord *record) {
  AugmentRecord local;
  AugmentRecord &r = record ? *record : local;
  r = AugmentRecord();
  r.crop = sampleCrop(in.height, in.width, s.cropMinArea, s.cropMaxArea, s.minRatio,
                      s.maxRatio, random);
  Image out = resizedCrop(in, r.crop, outHeight, outWidth);
  if (s.flip && random.bernoulli(0.5)) {
    flipHorizontal(out);
    r.flipped = true;
  }
  if (!s.pretraining)
    return out;
  if (random.bernoulli(s.colorProbability)) {
    r.colorJitter = true;
    double k = 0.8 * s.colorStrength;
    r.brightness = random.uniform(std::max(0.0, 1 - k), 1 + k);
    r.contrast = random.uniform(std::max(0.0, 1 - k), 1 + k);
    r.saturation = random.uniform(std::max(0.0, 1 - k), 1 + k);
    r.hue = random.uniform(-0.2 * s.colorStrength, 0.2 * s.colorStrength);
    // A random order of the four (Fisher-Yates with our own draws).
    for (int i = 3; i > 0; --i)
      std::swap(r.order[i], r.order[random.below(uint64_t(i + 1))]);
    for (int op : r.order) {
      if (op == 0)
        adjustBrightness(out, r.brightness);
      else if (op == 1)
        adjustContrast(out, r.contrast);
      else if (op == 2)
        adjustSaturation(out, r.saturation);
      else
        adjustHue(out, r.hue);
    }
  }
  if (random.bernoulli(s.grayscaleProbability)) {
    toGrayscale(out);
    r.grayscale = true;
  }
  if (s.blur && random.bernoulli(s.blurProbability)) {
    r.sigma = random.uniform(s.blurSigmaMin, s.blurSigmaMax);
    gaussianBlur(out, r.sigma, std::max(1, std::min(outHeight, outWidth) / 20));
    r.blurred = true;
  }
  return out;
}
