//===- Losses.cuh - NT-Xent, cross entropy, distillation --------*- CUDA -*-===//
//
// Losses in phases, one launch each, handing on through the temp memory the printer sizes
// (`lossTempBytes` below): rows first (a block per row: log-sum-exp, loss terms, argmax),
// then one block sums them into the loss and the accuracy, or the gradient is formed.
// NT-Xent computes the similarity matrix of the embeddings once per launch sequence.
// Semantics as runtime/cpu/kernels/Losses.h.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_CUDA_KERNELS_LOSSES_CUH
#define SIMCLR_RUNTIME_CUDA_KERNELS_LOSSES_CUH

#include "runtime/cuda/kernels/Common.cuh"

namespace simclr_kernels {

/// Sums the first `rows` values of `loss` and of `correct` (per-row terms) in block 0
/// and writes their means over `n`.
__device__ inline void finishRows(const double *lossTerms, const double *correctTerms, i64 rows,
                                  double n, float *loss, float *accuracy) {
  if (blockIdx.x != 0)
    return;
  double total = 0, correct = 0;
  for (i64 r = threadIdx.x; r < rows; r += blockDim.x) {
    total += lossTerms[r];
    correct += correctTerms[r];
  }
  total = blockSum(total);
  correct = blockSum(correct);
  if (threadIdx.x == 0) {
    *loss = static_cast<float>(n > 0 ? total / n : 0.0);
    *accuracy = static_cast<float>(n > 0 ? correct / n : 0.0);
  }
}

/// NT-Xent over z [2N, D] (SIMCLR.md), in four phases: 0 the similarities / temperature
/// (float, as the CPU's), 1 each scored row's log-sum-exp over its 2N + K logits (the other
/// view's N, then its own view's N with itself masked, then the memory's K), its loss term
/// and whether its positive is its argmax; then 2 the loss and accuracy, or (with dz) each
/// pair's coefficient d loss / d sim, symmetrised over z's rows, and 3 dz = g (C + C^T) z
/// plus the memory columns' coefficients times the memory's rows. With `replica` non-null
/// only replica *replica's B = N / replicas images are scored (as the CPU's); the
/// similarities are still all computed. `negatives` (or null, K ignored): a memory [K, D]
/// whose all-zero rows are empty slots (similarity -inf); it gets no gradient.
/// temp: S [2N x (2N + K)] float, C [2N x (2N + K)] double, lse, loss and correct terms
/// [2N] double.
__device__ inline void ntXent(const Phase &phase, const float *z, i64 rows, i64 D,
                              double temperature, float *loss, float *accuracy,
                              const float *gradLoss, float *dz, const int32_t *replica,
                              i64 replicas, const float *negatives = nullptr, i64 K = 0) {
  i64 N = rows / 2, B = N / replicas, first = replica ? i64(*replica) * B : 0;
  if (!negatives)
    K = 0;
  i64 cols = rows + K;
  auto scored = [&](i64 a) { return a % N >= first && a % N < first + B; };
  auto column = [&](i64 j) { return j < rows ? z + j * D : negatives + (j - rows) * D; };
  float *S = static_cast<float *>(phase.temp);
  double *C = reinterpret_cast<double *>(S + rows * cols);
  double *lse = C + rows * cols, *lossTerms = lse + rows, *correctTerms = lossTerms + rows;
  if (phase.index == 0) {
    float inverseTemperature = static_cast<float>(1.0 / temperature);
    for (i64 e = globalThread(); e < rows * cols; e += gridThreads()) {
      const float *a = z + (e / cols) * D, *b = column(e % cols);
      float s = 0.f;
      bool filled = e % cols < rows;
      for (i64 k = 0; k < D; ++k) {
        s += a[k] * b[k];
        filled = filled || b[k] != 0.f;
      }
      S[e] = filled ? s * inverseTemperature : -INFINITY;
    }
  } else if (phase.index == 1) {
    for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
      if (!scored(r)) { // uniform across the block
        if (threadIdx.x == 0)
          lossTerms[r] = correctTerms[r] = 0.0;
        continue;
      }
      i64 side = r / N, i = r % N, self = side * N, other = (1 - side) * N;
      const float *row = S + r * cols;
      auto logit = [&](i64 j) {
        if (j >= 2 * N)
          return double(row[rows + j - 2 * N]);
        return j < N ? double(row[other + j]) : double(row[self + j - N]) - (i == j - N ? 1e9 : 0.0);
      };
      double peak = -INFINITY, sum = 0;
      for (i64 j = threadIdx.x; j < 2 * N + K; j += blockDim.x)
        peak = maxOf(peak, logit(j));
      peak = blockMax(peak);
      for (i64 j = threadIdx.x; j < 2 * N + K; j += blockDim.x)
        sum += exp(logit(j) - peak);
      sum = blockSum(sum);
      ValueIndex mine{-INFINITY, -1};
      for (i64 j = threadIdx.x; j < N; j += blockDim.x) {
        ValueIndex candidate{logit(j), j};
        if (better(candidate, mine))
          mine = candidate;
      }
      ValueIndex best = blockArgMax(mine);
      if (threadIdx.x == 0) {
        lse[r] = peak + log(sum);
        lossTerms[r] = lse[r] - logit(i);
        correctTerms[r] = side == 0 && best.index == i ? 1.0 : 0.0;
      }
    }
  } else if (phase.index == 2 && !dz) {
    finishRows(lossTerms, correctTerms, rows, double(B), loss, accuracy);
  } else if (phase.index == 2) {
    // The coefficient of sim(a, b) in row a's loss (none when a is not scored), with the
    // row's own logit masked out; a memory column b has no row of its own.
    auto coefficient = [&](i64 a, i64 b) {
      if (!scored(a))
        return 0.0;
      double c = a == b ? 0.0 : exp(double(S[a * cols + b]) - lse[a]);
      return c - (b == (a + N) % rows ? 1.0 : 0.0);
    };
    for (i64 e = globalThread(); e < rows * cols; e += gridThreads()) {
      i64 a = e / cols, b = e % cols;
      C[e] = coefficient(a, b) + (b < rows ? coefficient(b, a) : 0.0);
    }
  } else if (phase.index == 3 && dz) {
    double g = *gradLoss / (temperature * double(B));
    for (i64 e = globalThread(); e < rows * D; e += gridThreads()) {
      i64 r = e / D, k = e % D;
      double acc = 0;
      for (i64 j = 0; j < cols; ++j)
        acc += C[r * cols + j] * column(j)[k];
      dz[e] = static_cast<float>(g * acc);
    }
  }
}

/// Cross entropy of logits [N, C] against class indices (labels, int32) or distributions
/// (targets, float), in two phases: 0 each row (its loss term and whether its argmax is
/// its class, or with dlogits its gradient), 1 the mean loss and accuracy. A negative
/// index marks an unlabelled row: the means are over the labelled rows (0 without any).
/// temp: loss and correct terms [N] double.
__device__ inline void crossEntropy(const Phase &phase, const float *logits, i64 N, i64 C,
                                    const int32_t *labels, const float *targets, float *loss,
                                    float *accuracy, const float *gradLoss, float *dlogits) {
  double *lossTerms = static_cast<double *>(phase.temp), *correctTerms = lossTerms + N;
  double rows = double(N); // the labelled ones, counted by every block
  if (labels) {
    double mine = 0;
    for (i64 n = threadIdx.x; n < N; n += blockDim.x)
      mine += labels[n] >= 0 ? 1.0 : 0.0;
    rows = blockSum(mine);
  }
  if (phase.index == 1) {
    if (!dlogits)
      finishRows(lossTerms, correctTerms, N, rows, loss, accuracy);
    return;
  }
  for (i64 n = blockIdx.x; n < N; n += gridDim.x) {
    if (labels && labels[n] < 0) { // the same for every thread of the block
      if (dlogits)
        for (i64 c = threadIdx.x; c < C; c += blockDim.x)
          dlogits[n * C + c] = 0.0f;
      else if (threadIdx.x == 0)
        lossTerms[n] = correctTerms[n] = 0.0;
      continue;
    }
    const float *row = logits + n * C;
    double peak = -INFINITY, sum = 0, mass = labels ? 1.0 : 0.0, term = 0;
    ValueIndex mine{-INFINITY, -1}, target{-INFINITY, -1};
    for (i64 c = threadIdx.x; c < C; c += blockDim.x) {
      peak = maxOf(peak, double(row[c]));
      ValueIndex candidate{double(row[c]), c};
      if (better(candidate, mine))
        mine = candidate;
      if (!labels) {
        mass += targets[n * C + c];
        ValueIndex t{double(targets[n * C + c]), c};
        if (better(t, target))
          target = t;
      }
    }
    peak = blockMax(peak);
    for (i64 c = threadIdx.x; c < C; c += blockDim.x)
      sum += exp(row[c] - peak);
    sum = blockSum(sum);
    double lse = peak + log(sum);
    i64 targetClass = labels ? i64(labels[n]) : blockArgMax(target).index;
    if (!labels)
      mass = blockSum(mass);
    if (dlogits) {
      for (i64 c = threadIdx.x; c < C; c += blockDim.x) {
        double t = labels ? (c == targetClass ? 1.0 : 0.0) : targets[n * C + c];
        dlogits[n * C + c] =
            static_cast<float>((exp(row[c] - lse) * mass - t) * *gradLoss / rows);
      }
      continue;
    }
    if (labels) {
      term = threadIdx.x == 0 ? lse - row[targetClass] : 0.0;
    } else {
      for (i64 c = threadIdx.x; c < C; c += blockDim.x)
        term -= targets[n * C + c] * (row[c] - lse);
    }
    term = blockSum(term);
    ValueIndex best = blockArgMax(mine);
    if (threadIdx.x == 0) {
      lossTerms[n] = term;
      correctTerms[n] = best.index == targetClass ? 1.0 : 0.0;
    }
  }
}

/// Distillation: the student's log-softmax (both at `temperature`) against the teacher's
/// softmax, per row [N, C]; phases as crossEntropy; `agreement` is how often the two
/// argmaxes agree. temp: loss and agreement terms [N] double.
__device__ inline void distillation(const Phase &phase, const float *student,
                                    const float *teacher, i64 N, i64 C, double temperature,
                                    float *loss, float *agreement, const float *gradLoss,
                                    float *dstudent) {
  double *lossTerms = static_cast<double *>(phase.temp), *agreeTerms = lossTerms + N;
  if (phase.index == 1) {
    if (!dstudent)
      finishRows(lossTerms, agreeTerms, N, double(N), loss, agreement);
    return;
  }
  for (i64 n = blockIdx.x; n < N; n += gridDim.x) {
    const float *s = student + n * C, *t = teacher + n * C;
    double peakS = -INFINITY, peakT = -INFINITY, sumS = 0, sumT = 0;
    ValueIndex bestS{-INFINITY, -1}, bestT{-INFINITY, -1};
    for (i64 c = threadIdx.x; c < C; c += blockDim.x) {
      double sc = s[c] / temperature, tc = t[c] / temperature;
      peakS = maxOf(peakS, sc);
      peakT = maxOf(peakT, tc);
      ValueIndex cs{sc, c}, ct{tc, c};
      if (better(cs, bestS))
        bestS = cs;
      if (better(ct, bestT))
        bestT = ct;
    }
    peakS = blockMax(peakS);
    peakT = blockMax(peakT);
    // One exp per loop: two in one loop make ptxas spill (nvcc 13.0).
    for (i64 c = threadIdx.x; c < C; c += blockDim.x)
      sumS += exp(s[c] / temperature - peakS);
    for (i64 c = threadIdx.x; c < C; c += blockDim.x)
      sumT += exp(t[c] / temperature - peakT);
    double ls = peakS + log(blockSum(sumS)), lt = peakT + log(blockSum(sumT));
    double term = 0;
    for (i64 c = threadIdx.x; c < C; c += blockDim.x) {
      double sc = s[c] / temperature, tc = t[c] / temperature;
      if (dstudent)
        dstudent[n * C + c] = static_cast<float>((exp(sc - ls) - exp(tc - lt)) * *gradLoss /
                                                 (temperature * double(N)));
      else
        term -= exp(tc - lt) * (sc - ls);
    }
    if (dstudent)
      continue;
    term = blockSum(term);
    bestS = blockArgMax(bestS);
    bestT = blockArgMax(bestT);
    if (threadIdx.x == 0) {
      lossTerms[n] = term;
      agreeTerms[n] = bestS.index == bestT.index ? 1.0 : 0.0;
    }
  }
}

} // namespace simclr_kernels

#endif // SIMCLR_RUNTIME_CUDA_KERNELS_LOSSES_CUH
