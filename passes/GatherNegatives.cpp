//===- GatherNegatives.cpp - NT-Xent over every replica's embeddings -------===//
//
// Data-parallel training (docs/DISTRIBUTED.md): the contrastive loss of a step for several
// replicas takes its negatives from the global batch. Before `simclr-autodiff`, each
// `nt_xent_loss` of a replica's `[2B, D]` embeddings (view a's B rows, then view b's)
// gets instead the global batch's `[2NB, D]`: view a's rows all-gathered from every
// replica, in rank order, then view b's. That is exactly the one-replica batch of N * B
// images (rank r's slice is images [rB, (r+1)B)). The loss scores only this replica's
// rows (`rows of replica`, the index from `replica_id`) against all 2NB columns, so the
// replicas share the (2NB)^2 similarities instead of each computing them all, and the
// mean of their losses is the global loss. The gradient of replica r's loss reaches
// every gathered row (as a column, and its own rows as rows too); it goes back through
// all_gather's rule, a reduce-scatter, so each replica receives the sum over the
// replicas' losses of its rows' terms, which the gradient all-reduce's mean turns into
// the global loss's gradient.
//
//===----------------------------------------------------------------------===//

#include "dialects/simclr/IR/SimclrDialect.h"
#include "dialects/simclr/IR/SimclrOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::simclr {
#define GEN_PASS_DEF_GATHERNEGATIVES
#include "passes/Passes.h.inc"
} // namespace mlir::simclr

using namespace mlir;
using namespace mlir::simclr;

namespace {

/// The global batch's embeddings in place of `loss`'s (each view's rows gathered from
/// every replica), of which the loss scores this replica's rows.
void gather(NtXentLossOp loss, int64_t replicas) {
  OpBuilder b(loss);
  Location loc = loss.getLoc();
  Value global = gatherViews(b, loc, loss.getEmbeddings(), replicas);
  Value replica = ReplicaIdOp::create(b, loc, b.getI64IntegerAttr(replicas));
  loss.getEmbeddingsMutable().assign(global);
  loss.getReplicaMutable().assign(replica);
  loss.setReplicas(uint64_t(replicas));
}

struct GatherNegativesPass : mlir::simclr::impl::GatherNegativesBase<GatherNegativesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    int64_t replicas = replicaCount(module);
    if (replicas == 1)
      return;
    SmallVector<NtXentLossOp> losses;
    module.walk([&](NtXentLossOp loss) { losses.push_back(loss); });
    for (NtXentLossOp loss : losses) {
      auto type = llvm::cast<RankedTensorType>(loss.getEmbeddings().getType());
      if (type.getDimSize(0) % 2 != 0) {
        loss.emitOpError() << "has an odd number of embedding rows; the two views of a "
                              "batch cannot be gathered across replicas";
        return signalPassFailure();
      }
      gather(loss, replicas);
    }
  }
};

} // namespace
