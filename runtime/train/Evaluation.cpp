//===- Evaluation.cpp - a network's accuracy on the test split -------------===//

#include "runtime/train/Evaluation.h"
#include "runtime/support/Strings.h"
#include "runtime/train/TrainingData.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

Error runtime::runOverImages(Executor &executor, const data::Dataset &set,
                             const std::vector<int64_t> &indices,
                             const std::function<void(size_t, const float *)> &use) {
  const std::vector<int64_t> &in = executor.schedule().arguments()[0].shape;
  int64_t batch = in[0], height = in[2], width = in[3];
  int64_t pixels = in[1] * height * width;
  int64_t resultWidth = executor.schedule().results()[0].shape[1];
  std::vector<float> images(batch * pixels);
  for (size_t first = 0; first < indices.size(); first += size_t(batch)) {
    for (int64_t i = 0; i < batch; ++i) {
      auto image = set.image(indices[std::min(first + size_t(i), indices.size() - 1)]);
      if (!image)
        return image.takeError();
      data::Image view = data::evaluationView(*image, int(height), int(width));
      std::copy_n(view.pixels.data(), pixels, images.begin() + i * pixels);
    }
    auto results = executor.run({images.data()});
    if (!results)
      return results.takeError();
    for (int64_t i = 0; i < batch && first + size_t(i) < indices.size(); ++i)
      use(first + size_t(i), (*results)[0].data() + i * resultWidth);
  }
  return Error::success();
}

Expected<std::vector<float>> runtime::embedImages(Executor &embed, const data::Dataset &set,
                                                  const std::vector<int64_t> &indices) {
  int64_t dim = embed.schedule().results()[0].shape[1];
  std::vector<float> features(indices.size() * dim);
  if (Error e = runOverImages(embed, set, indices, [&](size_t position, const float *row) {
        double norm = 0;
        for (int64_t d = 0; d < dim; ++d)
          norm += double(row[d]) * row[d];
        float scale = float(1.0 / std::max(std::sqrt(norm), 1e-12));
        for (int64_t d = 0; d < dim; ++d)
          features[position * dim + d] = row[d] * scale;
      }))
    return e;
  return features;
}

Error runtime::evaluateOnTestSet(Executor &predict, const data::Dataset &test, RunLog &log) {
  int64_t classes = predict.schedule().results()[0].shape[1];
  const std::vector<int32_t> &labels = test.labels();
  std::vector<int64_t> all = everyImage(test.size());
  if (Error e = checkLabels(test, all, classes))
    return e;
  int64_t top1 = 0, top5 = 0;
  if (Error e = runOverImages(predict, test, all, [&](size_t image, const float *row) {
        int32_t label = labels[image];
        int64_t above = 0; // classes scored higher than the true one
        for (int64_t c = 0; c < classes; ++c)
          above += row[c] > row[label];
        top1 += above == 0;
        top5 += above < 5;
      }))
    return e;
  int64_t count = test.size();
  double accuracy = double(top1) / count, accuracy5 = double(top5) / count;
  std::printf("test top-1 %.4f", accuracy);
  if (classes > 5)
    std::printf("  top-5 %.4f", accuracy5);
  std::printf(" (%lld images of %s)\n", (long long)count, test.location().c_str());
  std::string line = format("{\"test_top1\": %.6f", accuracy);
  if (classes > 5)
    line += format(", \"test_top5\": %.6f", accuracy5);
  log.write(line + format(", \"test_images\": %d}", int(count)));
  return Error::success();
}
