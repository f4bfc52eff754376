//===- Device.h - what a target implements to run a schedule ----*- C++ -*-===//
//
// The executor core (Schedule, VariableTable, Executor) is the same for every target; a
// target is a Device: memory, copies, the library calls (convolutions and their
// gradients, matrix products), the module's fused kernels, and the slots where collectives
// go. Device memory is opaque outside the device: the core only passes its addresses back.
// The CPU device (runtime/cpu/CpuDevice.h) implements it today; a CUDA device and the
// communicators of multi-replica training are additions behind the same interface.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_RUNTIME_EXEC_DEVICE_H
#define SIMCLR_RUNTIME_EXEC_DEVICE_H

#include "runtime/comm/Communicator.h"
#include "runtime/support/Error.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>

namespace mlir::simclr::runtime {

class LoadedModule;
class Schedule;

/// A 2-D convolution as simclr.conv2d defines it: x [batch, inChannels, inHeight, inWidth]
/// (NCHW), filters [outChannels, inChannels / groups, kernelHeight, kernelWidth] (OIHW),
/// y [batch, outChannels, outHeight, outWidth].
struct Convolution {
  int64_t batch, inChannels, inHeight, inWidth;
  int64_t outChannels, kernelHeight, kernelWidth, outHeight, outWidth;
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 4> padding{0, 0, 0, 0}; ///< top, left, bottom, right
  std::array<int64_t, 2> dilation{1, 1};
  int64_t groups = 1;
  /// x, w and y (dy, dx, dw) are bfloat16, summed in float32 (a bf16 step); else float32.
  bool bf16 = false;
  /// x and y (dx, dy) are NHWC and w (dw) OHWI; else NCHW and OIHW. The sizes above are
  /// the same either way.
  bool channelsLast = false;
};

/// c[m, n] = op(a) op(b) (+ bias[n]), op transposing when asked; a is m x k after op, b is
/// k x n after op, all row-major. simclr.dense is (x, w transposed) + bias.
struct MatrixProduct {
  int64_t m = 0, n = 0, k = 0;
  bool transposeA = false, transposeB = false;
  /// a, b, the bias and c are bfloat16, summed in float32 (a bf16 step); else float32.
  bool bf16 = false;
};

class Device {
public:
  virtual ~Device();

  /// "cpu", "cuda".
  virtual const char *name() const = 0;

  // --- Memory --------------------------------------------------------------------------
  /// `bytes` of device memory, zeroed; an error naming the size when there is not enough.
  virtual Expected<void *> allocate(size_t bytes) = 0;
  virtual void release(void *memory) = 0;
  /// Host -> device and device -> host; both have finished when they return.
  virtual void upload(void *device, const void *host, size_t bytes) = 0;
  virtual void download(void *host, const void *device, size_t bytes) = 0;
  /// Device -> device, in order with the instructions around it.
  virtual void copy(void *to, const void *from, size_t bytes) = 0;
  /// Where argument `index` of a run of `owner` (an executor), `bytes` at `host`, is read
  /// from: the CPU reads the host memory in place; a GPU copies it into a staging buffer of
  /// its own (two per argument of each owner, used in turn, so that staging the next run
  /// never touches the one running), unless it is already in the GPU's memory (then it is
  /// read in place).
  virtual Expected<const void *> stageArgument(const void *owner, size_t index,
                                               const void *host, size_t bytes) = 0;

  /// Whether a run of `module`'s `entries` fits in what the device has left (counted by
  /// deviceBytes, runtime/exec/DeviceBytes.h); an error with the figures when it does not.
  /// A GPU checks; the CPU's memory is the host's and is not counted.
  virtual Error checkFits(const LoadedModule &module, const std::vector<std::string> &entries) {
    return Error::success();
  }

  /// Gets ready to run `schedule` (the executor calls it once, when it is made): a GPU
  /// chooses its convolution algorithms and sizes their workspace here, so that no step
  /// allocates. An error for an instruction the device cannot run.
  virtual Error prepare(const Schedule &schedule) { return Error::success(); }

  // --- Instructions ----------------------------------------------------------------------
  // Operands are float32, or bfloat16 where the geometry says `bf16`.
  /// y = conv(x, w).
  virtual void convolution(const Convolution &conv, const void *x, const void *w,
                           void *y) = 0;
  /// dx = the gradient of conv with respect to its input, from dy.
  virtual void convolutionBackwardInput(const Convolution &conv, const void *dy,
                                        const void *w, void *dx) = 0;
  /// dw = the gradient of conv with respect to its filter, from x and dy.
  virtual void convolutionBackwardFilter(const Convolution &conv, const void *x,
                                         const void *dy, void *dw) = 0;
  virtual void matmul(const MatrixProduct &product, const void *a, const void *b,
                      const void *bias, void *c) = 0;
  /// Runs the module's kernel `kernel` on its operands, in the kernel's order.
  virtual void launch(int kernel, const void *const *inputs, size_t inputCount,
                      void *const *outputs, size_t outputCount) = 0;

  // --- Collectives: across the replicas of a data-parallel run (docs/DISTRIBUTED.md) ----
  /// The replicas the collectives reach (runtime/comm/Communicator.h), set by the run
  /// before it makes an executor; without one, this replica is alone. The defaults below
  /// hand the communicator the device's memory, which must be the host's: a device with
  /// memory of its own refuses a communicator of several replicas unless it has
  /// collectives of its own (a GPU: NCCL).
  virtual Error setCommunicator(Communicator *comm);
  /// How many replicas train together.
  int replicas() const;
  /// Issues a collective of the step (Communicator's definitions; with `mean`, an
  /// all-reduce's sum divided by replicas()) and returns its ticket: `out` holds the
  /// result, and `in` may be written again, only after waitCollective(ticket). `count` is
  /// the floats at `in` (all-reduce, all-gather) or at `out` (reduce-scatter).
  virtual Expected<int> startCollective(Collective kind, const float *in, float *out,
                                        size_t count, bool mean);
  virtual Error waitCollective(int ticket);
  /// Lets the issued collectives advance while the step computes (between instructions).
  virtual void progressCollectives();
  /// Writes this replica's index (the communicator's rank, 0 without one) as an int32 at
  /// `out`, in order with the instructions around it. By default `out` is host memory.
  virtual void replicaId(void *out);

  /// Waits for everything issued so far; reports a failure that happened on the way (a
  /// GPU's errors arrive late).
  virtual Error synchronize() { return Error::success(); }

  // --- Recording -------------------------------------------------------------------------
  /// Runs `instructions`, which issues the instructions of one run of an executor. `key`
  /// names what that run works on (the executor first, then where its arguments were
  /// staged):
  /// every call with the same key issues the same work on the same memory, so a device may
  /// record it once and replay the recording on later calls (the CUDA device captures a
  /// CUDA graph); an empty key is never recorded (profiling). By default it only issues.
  virtual Error issue(const std::vector<const void *> &key,
                      const std::function<Error()> &instructions) {
    return instructions();
  }
  /// Drops what the device keeps for `owner` (an executor that goes: its memory may be
  /// reused by another): every recording whose key starts with it, its staging buffers.
  virtual void forget(const void *owner) {}
  /// Whether the device may record and replay (on unless switched off: --no-cuda-graph).
  virtual void allowRecording(bool on) {}

protected:
  Communicator *communicator = nullptr;

private:
  struct Mean {
    float *out;
    size_t count;
  };
  /// Divides an all-reduced sum (host memory) by replicas().
  void averageOverReplicas(const Mean &sum);
  std::map<int, Mean> means; ///< issued all-reduces whose sum becomes a mean when waited
};

/// Makes the device that runs `module` (its kernels built or linked for that device).
using DeviceFactory = std::function<Expected<std::unique_ptr<Device>>(const LoadedModule &)>;

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_EXEC_DEVICE_H
