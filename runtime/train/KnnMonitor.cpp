//===- KnnMonitor.cpp - how good pretraining's features are ----------------===//

#include "runtime/train/KnnMonitor.h"
#include "runtime/data/Sampler.h"
#include "runtime/data/Subsets.h"
#include "runtime/support/Strings.h"
#include "runtime/train/Evaluation.h"
#include "runtime/train/TrainingData.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

Error runtime::knnMonitor(Executor &embed, const data::Dataset &train,
                          const std::vector<int64_t> &bankImages, const KnnQueries &queries,
                          uint64_t seed, RunLog &log, Communicator &comm, int step) {
  int64_t dim = embed.schedule().results()[0].shape[1];
  std::vector<int64_t> bank = data::EpochSampler(bankImages, seed).order(0);
  bank.resize(std::min<size_t>(bank.size(), 5000));
  // A spread of the queries (a split may be sorted by class), the same every time.
  std::vector<int64_t> asked = data::EpochSampler(queries.images, seed).order(0);
  asked.resize(std::min<size_t>(asked.size(), 1000));
  auto bankFeatures = embedImages(embed, train, bank, comm);
  if (!bankFeatures)
    return bankFeatures.takeError();
  auto queryFeatures = embedImages(embed, queries.set, asked, comm);
  if (!queryFeatures)
    return queryFeatures.takeError();
  const int k = std::min<int>(20, int(bank.size()));
  int64_t correct = 0;
  std::vector<std::pair<float, int64_t>> similar(bank.size());
  for (size_t q = 0; q < asked.size(); ++q) {
    const float *a = queryFeatures->data() + q * dim;
    for (size_t b = 0; b < bank.size(); ++b) {
      const float *v = bankFeatures->data() + b * dim;
      float s = 0;
      for (int64_t d = 0; d < dim; ++d)
        s += a[d] * v[d];
      similar[b] = {s, int64_t(b)};
    }
    std::partial_sort(similar.begin(), similar.begin() + k, similar.end(),
                      [](const auto &x, const auto &y) { return x.first > y.first; });
    std::map<int32_t, double> votes;
    for (int j = 0; j < k; ++j)
      votes[train.labels()[bank[similar[j].second]]] += std::exp(similar[j].first / 0.07);
    int32_t best = std::max_element(votes.begin(), votes.end(), [](const auto &x, const auto &y) {
                     return x.second < y.second;
                   })->first;
    correct += best == queries.set.labels()[asked[q]];
  }
  double accuracy = double(correct) / double(asked.size());
  bool test = queries.split == "test";
  std::string name = test ? "kNN top-1" : "kNN " + queries.split + " top-1";
  std::string key = test ? "knn_top1" : "knn_" + queries.split + "_top1";
  if (step > 0)
    std::printf("step %d: ", step);
  std::printf("%s %.4f (k=%d, %d training images, %d %s images)\n", name.c_str(), accuracy, k,
              int(bank.size()), int(asked.size()), queries.split.c_str());
  if (step > 0)
    log.write(format("{\"step\": %d, \"%s\": %.6f}", step, key.c_str(), accuracy));
  else
    log.write(format("{\"%s\": %.6f}", key.c_str(), accuracy));
  return Error::success();
}
