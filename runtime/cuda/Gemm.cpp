//===- Gemm.cpp - matrix products on the GPU through cuBLASLt --------------===//

#include "runtime/cuda/Gemm.h"

#include <cublasLt.h>

#include <map>
#include <tuple>

using namespace mlir::simclr;
using namespace mlir::simclr::cuda;
using runtime::Error;
using runtime::Expected;
using runtime::makeError;

namespace {

/// cuBLAS's names of its statuses (its own cublasGetStatusName is in libcublas, which the
/// device does not otherwise need).
const char *statusName(cublasStatus_t status) {
  switch (status) {
  case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
  case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
  case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
  case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
  case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
  case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
  case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
  case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
  case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
  case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
  }
  return "an unknown cuBLAS status";
}

Error cublasError(cublasStatus_t status, const std::string &what) {
  if (status == CUBLAS_STATUS_SUCCESS)
    return Error::success();
  return makeError("error: cuBLASLt " + what + ": " + statusName(status) + " (" +
                   std::to_string(int(status)) + ")");
}

using Key = std::tuple<int64_t, int64_t, int64_t, bool, bool, bool, bool>;

/// One product's descriptors and algorithm.
struct Plan {
  cublasLtMatmulDesc_t operation = nullptr;
  cublasLtMatrixLayout_t first = nullptr, second = nullptr, result = nullptr;
  cublasLtMatmulAlgo_t algorithm{};
};

} // namespace

struct Gemm::State {
  cublasLtHandle_t handle = nullptr;
  cudaStream_t stream = nullptr;
  void *workspace = nullptr;
  std::map<Key, Plan> plans;
};

Expected<std::unique_ptr<Gemm>> Gemm::create(cudaStream_t stream, void *workspace) {
  std::unique_ptr<Gemm> made(new Gemm());
  made->state = std::make_unique<State>();
  made->state->stream = stream;
  made->state->workspace = workspace;
  if (Error e = cublasError(cublasLtCreate(&made->state->handle), "cannot start"))
    return e;
  return made;
}

Gemm::~Gemm() {
  for (auto &[key, p] : state->plans) {
    cublasLtMatrixLayoutDestroy(p.first);
    cublasLtMatrixLayoutDestroy(p.second);
    cublasLtMatrixLayoutDestroy(p.result);
    cublasLtMatmulDescDestroy(p.operation);
  }
  if (state->handle)
    cublasLtDestroy(state->handle);
}

Error Gemm::prepare(const runtime::MatrixProduct &p, bool bias) {
  Key key{p.m, p.n, p.k, p.transposeA, p.transposeB, bias, p.bf16};
  if (state->plans.count(key))
    return Error::success();
  Plan plan;
  // c^T [n, m] = op(b)^T [n, k] op(a)^T [k, m], everything column-major. A row-major
  // matrix is its transpose column-major, so b's memory seen column-major is op(b)^T when b
  // is not transposed (n x k, ld n), and op(b) when it is (k x n, ld k, then transposed).
  cublasOperation_t opFirst = p.transposeB ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasOperation_t opSecond = p.transposeA ? CUBLAS_OP_T : CUBLAS_OP_N;
  uint64_t firstRows = p.transposeB ? p.k : p.n, firstCols = p.transposeB ? p.n : p.k;
  uint64_t secondRows = p.transposeA ? p.m : p.k, secondCols = p.transposeA ? p.k : p.m;
  // A bf16 step's operands, bias and result are bf16, summed in float32.
  const cudaDataType_t type = p.bf16 ? CUDA_R_16BF : CUDA_R_32F;
  Error e = cublasError(cublasLtMatmulDescCreate(&plan.operation, CUBLAS_COMPUTE_32F, CUDA_R_32F),
                        "product descriptor");
  if (!e)
    e = cublasError(cublasLtMatmulDescSetAttribute(plan.operation, CUBLASLT_MATMUL_DESC_TRANSA,
                                                   &opFirst, sizeof(opFirst)),
                    "transpose");
  if (!e)
    e = cublasError(cublasLtMatmulDescSetAttribute(plan.operation, CUBLASLT_MATMUL_DESC_TRANSB,
                                                   &opSecond, sizeof(opSecond)),
                    "transpose");
  if (!e && bias) {
    cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
    e = cublasError(cublasLtMatmulDescSetAttribute(plan.operation, CUBLASLT_MATMUL_DESC_EPILOGUE,
                                                   &epilogue, sizeof(epilogue)),
                    "bias epilogue");
  }
  if (!e)
    e = cublasError(cublasLtMatrixLayoutCreate(&plan.first, type, firstRows, firstCols,
                                               int64_t(firstRows)),
                    "layout");
  if (!e)
    e = cublasError(cublasLtMatrixLayoutCreate(&plan.second, type, secondRows, secondCols,
                                               int64_t(secondRows)),
                    "layout");
  if (!e)
    e = cublasError(cublasLtMatrixLayoutCreate(&plan.result, type, uint64_t(p.n),
                                               uint64_t(p.m), p.n),
                    "layout");
  cublasLtMatmulPreference_t preference = nullptr;
  if (!e)
    e = cublasError(cublasLtMatmulPreferenceCreate(&preference), "preference");
  size_t workspace = kWorkspaceBytes;
  if (!e)
    e = cublasError(cublasLtMatmulPreferenceSetAttribute(
                        preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace,
                        sizeof(workspace)),
                    "preference");
  // Operands are at least 16-byte aligned (arena offsets are multiples of 64, the rest
  // cudaMalloc'd): only algorithms that work so (the default assumes 256).
  for (cublasLtMatmulPreferenceAttributes_t alignment :
       {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
        CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES}) {
    uint32_t bytes = 16;
    if (!e)
      e = cublasError(cublasLtMatmulPreferenceSetAttribute(preference, alignment, &bytes,
                                                           sizeof(bytes)),
                      "alignment preference");
  }
  cublasLtMatmulHeuristicResult_t heuristic{};
  int found = 0;
  if (!e)
    e = cublasError(cublasLtMatmulAlgoGetHeuristic(state->handle, plan.operation, plan.first,
                                                   plan.second, plan.result, plan.result,
                                                   preference, 1, &heuristic, &found),
                    "heuristic");
  if (preference)
    cublasLtMatmulPreferenceDestroy(preference);
  if (!e && found == 0)
    e = makeError("error: cuBLASLt has no algorithm for a " + std::to_string(p.m) + "x" +
                  std::to_string(p.k) + " by " + std::to_string(p.k) + "x" + std::to_string(p.n) +
                  " product");
  if (e) { // nothing half-made stays: the next prepare of this shape tries again
    for (cublasLtMatrixLayout_t layout : {plan.first, plan.second, plan.result})
      if (layout)
        cublasLtMatrixLayoutDestroy(layout);
    if (plan.operation)
      cublasLtMatmulDescDestroy(plan.operation);
    return e;
  }
  plan.algorithm = heuristic.algo;
  state->plans[key] = plan;
  return Error::success();
}

Error Gemm::multiply(const runtime::MatrixProduct &p, const void *a, const void *b,
                     const void *bias, void *c) {
  Plan &plan = state->plans.at(
      Key{p.m, p.n, p.k, p.transposeA, p.transposeB, bias != nullptr, p.bf16});
  if (bias)
    if (Error e = cublasError(cublasLtMatmulDescSetAttribute(plan.operation,
                                                             CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                                             &bias, sizeof(bias)),
                              "bias"))
      return e;
  const float one = 1.f, zero = 0.f;
  return cublasError(cublasLtMatmul(state->handle, plan.operation, &one, b, plan.first, a,
                                    plan.second, &zero, c, plan.result, c, plan.result,
                                    &plan.algorithm, state->workspace, kWorkspaceBytes,
                                    state->stream),
                     "product");
}
