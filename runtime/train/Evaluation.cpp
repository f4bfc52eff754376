//===- Evaluation.cpp - a network's accuracy on held-out images ------------===//

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

namespace {

/// This replica's share of `all`: ceil(size / replicas) items each, in rank order (the
/// last shares may have fewer, or none).
struct Share {
  std::vector<int64_t> mine;
  size_t each; ///< the size of a full share
};

Share shareOf(const std::vector<int64_t> &all, const Communicator &comm) {
  size_t each = (all.size() + size_t(comm.size()) - 1) / size_t(comm.size());
  size_t begin = std::min(all.size(), each * size_t(comm.rank()));
  size_t end = std::min(all.size(), begin + each);
  return {std::vector<int64_t>(all.begin() + std::ptrdiff_t(begin),
                               all.begin() + std::ptrdiff_t(end)),
          each};
}

} // namespace

Expected<std::vector<float>> runtime::embedImages(Executor &embed, const data::Dataset &set,
                                                  const std::vector<int64_t> &all,
                                                  Communicator &comm) {
  int64_t dim = embed.schedule().results()[0].shape[1];
  Share share = shareOf(all, comm);
  // Every replica's share padded to the same size, so that one all-gather collects them.
  std::vector<float> features(share.each * dim);
  if (Error e = runOverImages(embed, set, share.mine, [&](size_t position, const float *row) {
        double norm = 0;
        for (int64_t d = 0; d < dim; ++d)
          norm += double(row[d]) * row[d];
        float scale = float(1.0 / std::max(std::sqrt(norm), 1e-12));
        for (int64_t d = 0; d < dim; ++d)
          features[position * dim + d] = row[d] * scale;
      }))
    return e;
  if (comm.size() == 1)
    return features;
  std::vector<float> gathered(size_t(comm.size()) * features.size());
  if (Error e = comm.allGather(features.data(), gathered.data(), features.size()))
    return e;
  gathered.resize(all.size() * dim); // the shares are in order; only the last is padded
  return gathered;
}

Expected<double> runtime::evaluateAccuracy(Executor &predict, const data::Dataset &set,
                                           const std::vector<int64_t> &all,
                                           const std::string &split, RunLog &log,
                                           Communicator &comm, int step) {
  int64_t classes = predict.schedule().results()[0].shape[1];
  const std::vector<int32_t> &labels = set.labels();
  if (Error e = checkLabels(set, all, classes))
    return e;
  std::vector<int64_t> mine = shareOf(all, comm).mine;
  int64_t top1 = 0, top5 = 0;
  if (Error e = runOverImages(predict, set, mine, [&](size_t position, const float *row) {
        int32_t label = labels[size_t(mine[position])];
        int64_t above = 0; // classes scored higher than the true one
        for (int64_t c = 0; c < classes; ++c)
          above += row[c] > row[label];
        top1 += above == 0;
        top5 += above < 5;
      }))
    return e;
  if (comm.size() > 1) { // counts below 2^24 are exact in float32
    float counts[2] = {float(top1), float(top5)};
    if (Error e = comm.allReduceSum(counts, counts, 2))
      return e;
    top1 = int64_t(counts[0]), top5 = int64_t(counts[1]);
  }
  int64_t count = int64_t(all.size());
  double accuracy = double(top1) / double(count), accuracy5 = double(top5) / double(count);
  if (step > 0)
    std::printf("step %d: ", step);
  std::printf("%s top-1 %.4f", split.c_str(), accuracy);
  if (classes > 5)
    std::printf("  top-5 %.4f", accuracy5);
  std::printf(" (%lld images of %s)\n", (long long)count, set.location().c_str());
  std::string line = step > 0 ? format("{\"step\": %d, ", step) : std::string("{");
  line += format("\"%s_top1\": %.6f", split.c_str(), accuracy);
  if (classes > 5)
    line += format(", \"%s_top5\": %.6f", split.c_str(), accuracy5);
  log.write(line + format(", \"%s_images\": %d}", split.c_str(), int(count)));
  return accuracy;
}
