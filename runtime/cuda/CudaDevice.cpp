//===- CudaDevice.cpp - an NVIDIA GPU behind the Device interface ----------===//

#include "runtime/cuda/CudaDevice.h"
#include "runtime/comm/Communicator.h"
#include "runtime/cuda/Convolutions.h"
#include "runtime/cuda/CudaCheck.h"
#include "runtime/cuda/Gemm.h"
#include "runtime/cuda/NcclCollectives.h"
#include "runtime/cuda/Staging.h"
#include "runtime/exec/DeviceBytes.h"
#include "runtime/exec/Schedule.h"
#include "runtime/support/Strings.h"

#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <map>

using namespace mlir::simclr;
using namespace mlir::simclr::cuda;
using runtime::Error;
using runtime::Expected;
using runtime::makeError;

namespace {

std::string megabytes(size_t bytes) {
  return runtime::format("%.1f MiB", double(bytes) / double(1 << 20));
}

/// The lowest architecture (sm_NN -> NN) of a fatbin built for "sm_80,sm_90"; 0 if none.
int lowestArchitecture(const std::string &architectures) {
  int lowest = 0;
  for (std::string_view name : runtime::split(architectures, ','))
    if (auto number = runtime::parseInteger(runtime::trim(name).substr(3)))
      lowest = lowest == 0 || *number < lowest ? int(*number) : lowest;
  return lowest;
}

class CudaDevice : public runtime::Device {
public:
  static Expected<std::unique_ptr<CudaDevice>> create(const runtime::LoadedModule &module);
  ~CudaDevice() override;

  const char *name() const override { return "cuda"; }
  Expected<void *> allocate(size_t bytes) override;
  void release(void *memory) override { cudaFree(memory); }
  void upload(void *device, const void *host, size_t bytes) override;
  void download(void *host, const void *device, size_t bytes) override;
  void copy(void *to, const void *from, size_t bytes) override {
    note(cudaMemcpyAsync(to, from, bytes, cudaMemcpyDeviceToDevice, stream), "a copy");
  }
  Expected<const void *> stageArgument(const void *owner, size_t index, const void *host,
                                       size_t bytes) override;
  Error prepare(const runtime::Schedule &schedule) override;
  Error checkFits(const runtime::LoadedModule &loaded,
                  const std::vector<std::string> &entries) override;
  void convolution(const runtime::Convolution &conv, const void *x, const void *w,
                   void *y) override {
    note(convolutions->forward(conv, x, w, y, workspace, workspaceBytes));
  }
  void convolutionBackwardInput(const runtime::Convolution &conv, const void *dy,
                                const void *w, void *dx) override {
    note(convolutions->backwardInput(conv, dy, w, dx, workspace, workspaceBytes));
  }
  void convolutionBackwardFilter(const runtime::Convolution &conv, const void *x,
                                 const void *dy, void *dw) override {
    note(convolutions->backwardFilter(conv, x, dy, dw, workspace, workspaceBytes));
  }
  void matmul(const runtime::MatrixProduct &product, const void *a, const void *b,
              const void *bias, void *c) override {
    note(gemm->multiply(product, a, b, bias, c));
  }
  void launch(int kernel, const void *const *inputs, size_t inputCount, void *const *outputs,
              size_t outputCount) override;
  Error synchronize() override;
  Error issue(const std::vector<const void *> &key,
              const std::function<Error()> &instructions) override;
  void forget(const void *owner) override;
  void allowRecording(bool on) override { recordingAllowed = on; }
  /// Its memory is the GPU's, which the host communicators cannot reach: several replicas
  /// run their collectives with NCCL (runtime/cuda/NcclCollectives.h).
  Error setCommunicator(runtime::Communicator *comm) override;
  Expected<int> startCollective(runtime::Collective kind, const float *in, float *out,
                                size_t count, bool mean) override {
    return nccl ? nccl->start(kind, in, out, count, mean)
                : Device::startCollective(kind, in, out, count, mean);
  }
  Error waitCollective(int ticket) override {
    return nccl && ticket >= 0 ? nccl->wait(ticket) : Device::waitCollective(ticket);
  }
  void progressCollectives() override {} // NCCL and the copies of one replica need none
  /// On the stream, so that a recording holds it.
  void replicaId(void *out) override {
    note(nccl ? nccl->writeRank(out) : check(cudaMemsetAsync(out, 0, sizeof(int32_t), stream),
                                             "writing the replica index"));
  }

private:
  CudaDevice() = default;
  /// Keeps the first failure of an asynchronous call for synchronize() to report.
  void note(Error e) {
    if (e && pending.empty())
      pending = e.message();
  }
  void note(cudaError_t status, const std::string &what) {
    if (status != cudaSuccess && pending.empty())
      pending = "error: " + cudaFailure(status, what);
  }
  /// Whether every replica captured its run (`captured` is this one's): NCCL needs the
  /// replicas to agree on whether collectives are captured.
  bool everyReplicaCaptured(bool captured) {
    if (!nccl)
      return captured;
    auto all = runtime::holdsOnEveryRank(*communicator, captured);
    if (!all)
      note(all.takeError());
    return all && *all;
  }
  /// Waits on the host for the stream; with NCCL, bounded by the collective timeout.
  void finishStream(const std::string &what) {
    if (nccl)
      note(nccl->waitFor(stream, what.c_str()));
    else
      note(cudaStreamSynchronize(stream), what);
  }

  struct Launch {
    cudaKernel_t function;
    unsigned grid, block;
  };
  struct Kernel {
    std::string name;
    std::vector<Launch> launches;
    /// Operand tables in device memory (inputs, then outputs), by the operands' addresses:
    /// an executor's operands never move, so each table is written once.
    std::map<std::vector<const void *>, void **> tables;
  };
  /// A run's work as a CUDA graph: issued eagerly the first time (operand tables are
  /// written then), captured the second, replayed after.
  struct Recording {
    int runs = 0;
    cudaGraphExec_t graph = nullptr;
    bool eagerOnly = false; ///< the capture failed: issue anew every time
  };

  std::string module;
  int ordinal = 0;
  cudaDeviceProp properties{};
  cudaStream_t stream = nullptr;
  cudaLibrary_t library = nullptr;
  std::vector<Kernel> kernels;
  void *scratch = nullptr, *temp = nullptr, *workspace = nullptr, *gemmWorkspace = nullptr;
  size_t workspaceBytes = 0;
  std::map<const void *, std::vector<ArgumentSlots>> staging; ///< by owner
  cudaStream_t copyStream = nullptr; ///< arguments' copies, ordered with events
  std::vector<cudaEvent_t> copies;   ///< staged since the last run was issued
  std::unique_ptr<Convolutions> convolutions;
  std::unique_ptr<Gemm> gemm;
  std::string pending;
  std::map<std::vector<const void *>, Recording> recordings;
  bool recordingAllowed = true;
  std::unique_ptr<NcclCollectives> nccl; ///< with several replicas
};

Expected<std::unique_ptr<CudaDevice>> CudaDevice::create(const runtime::LoadedModule &loaded) {
  std::unique_ptr<CudaDevice> d(new CudaDevice());
  d->module = loaded.path();
  const format::Module &root = loaded.root();
  size_t kernelCount = root.kernels() ? root.kernels()->size() : 0;
  const format::KernelBinary *binary = nullptr;
  if (root.kernel_binaries())
    for (const format::KernelBinary *b : *root.kernel_binaries())
      if (b->target() == format::Target::Cuda)
        binary = b;
  if (kernelCount > 0 && !binary)
    return makeError(d->module + ": error: the module has no CUDA kernels; compile it with "
                                 "simclrc --target=cuda");
  int count = 0;
  cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess || count == 0)
    return makeError("error: no CUDA GPU can be used on this machine" +
                     (status != cudaSuccess ? ": " + cudaFailure(status, "the CUDA driver")
                                            : std::string()) +
                     "; train on the CPU (--device=cpu, or an executable built with "
                     "simclrc --target=cpu)");
  if (const char *chosen = std::getenv("SIMCLR_CUDA_DEVICE")) {
    d->ordinal = std::atoi(chosen);
    if (d->ordinal < 0 || d->ordinal >= count)
      return makeError("error: SIMCLR_CUDA_DEVICE=" + std::to_string(d->ordinal) +
                       ", but this machine has " + std::to_string(count) + " CUDA GPUs");
  } else {
    // One GPU per process: the process's index on its node picks one of those it sees
    // (all of the node's, or one each where the launcher sets CUDA_VISIBLE_DEVICES).
    for (const char *variable : {"OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID"})
      if (const char *local = std::getenv(variable)) {
        d->ordinal = std::max(0, std::atoi(local)) % count;
        break;
      }
  }
  if (Error e = check(cudaSetDevice(d->ordinal), "cannot use GPU " + std::to_string(d->ordinal)))
    return e;
  if (Error e = check(cudaGetDeviceProperties(&d->properties, d->ordinal), "the GPU's properties"))
    return e;
  int gpu = d->properties.major * 10 + d->properties.minor;
  std::string architectures = binary && binary->arch() ? binary->arch()->str() : "";
  if (binary && lowestArchitecture(architectures) > gpu)
    return makeError(d->module + ": error: its CUDA kernels are built for " + architectures +
                     ", and this GPU (" + d->properties.name + ") is sm_" + std::to_string(gpu) +
                     ": compile the module again with --cuda-arch=sm_" + std::to_string(gpu));
  if (Error e = check(cudaStreamCreateWithFlags(&d->stream, cudaStreamNonBlocking),
                      "cannot create a stream"))
    return e;
  if (Error e = check(cudaStreamCreateWithFlags(&d->copyStream, cudaStreamNonBlocking),
                      "cannot create a stream"))
    return e;
  if (binary) {
    // An 8-byte aligned copy: the fatbin's place in the module file is only 4-byte aligned.
    std::vector<uint64_t> image((binary->data()->size() + 7) / 8);
    std::memcpy(image.data(), binary->data()->data(), binary->data()->size());
    status = cudaLibraryLoadData(&d->library, image.data(), nullptr, nullptr, 0, nullptr,
                                 nullptr, 0);
    if (status != cudaSuccess)
      return makeError(d->module + ": error: " +
                       cudaFailure(status, "cannot load its CUDA kernels (built for " +
                                               architectures + ") on " + d->properties.name));
  }
  size_t scratchFloats = 0, tempBytes = 0;
  for (size_t k = 0; k < kernelCount; ++k) {
    const format::Kernel *kernel = root.kernels()->Get(k);
    const format::KernelSource *source = runtime::kernelSource(*kernel, format::Target::Cuda);
    if (!source || !source->launches())
      return makeError(d->module + ": error: kernel '" + kernel->name()->str() +
                       "' has no CUDA launches");
    Kernel k2;
    k2.name = kernel->name()->str();
    for (const format::Launch *l : *source->launches()) {
      Launch launch{nullptr, l->grid(), l->block()};
      status = cudaLibraryGetKernel(&launch.function, d->library, l->function()->c_str());
      if (status != cudaSuccess)
        return makeError(d->module + ": error: " +
                         cudaFailure(status, "its fatbin has no kernel '" + l->function()->str() + "'"));
      // The building blocks' reductions take a power of two up to 256 threads.
      if (launch.grid == 0 || launch.block == 0 || launch.block > 256 ||
          (launch.block & (launch.block - 1)) != 0)
        return makeError(d->module + ": error: kernel '" + k2.name + "' has a launch of " +
                         std::to_string(launch.block) +
                         " threads a block: the CUDA device runs 1 to 256, a power of two");
      k2.launches.push_back(launch);
    }
    scratchFloats = std::max<size_t>(scratchFloats, size_t(source->scratch_floats()));
    tempBytes = std::max<size_t>(tempBytes, size_t(source->temp_bytes()));
    d->kernels.push_back(std::move(k2));
  }
  auto scratch = d->allocate(scratchFloats * sizeof(float));
  if (!scratch)
    return makeError(d->module + ": error: no room on the GPU for the kernels' intermediates: " +
                     scratch.errorMessage());
  d->scratch = *scratch;
  auto temp = d->allocate(tempBytes);
  if (!temp)
    return makeError(d->module + ": error: no room on the GPU for the kernels' temporaries: " +
                     temp.errorMessage());
  d->temp = *temp;
  auto gemmWorkspace = d->allocate(Gemm::kWorkspaceBytes);
  if (!gemmWorkspace)
    return makeError(d->module + ": error: no room on the GPU for cuBLASLt's workspace: " +
                     gemmWorkspace.errorMessage());
  d->gemmWorkspace = *gemmWorkspace;
  auto convolutions = Convolutions::create(d->stream);
  if (!convolutions)
    return convolutions.takeError();
  d->convolutions = std::move(*convolutions);
  auto gemm = Gemm::create(d->stream, d->gemmWorkspace);
  if (!gemm)
    return gemm.takeError();
  d->gemm = std::move(*gemm);
  return d;
}

CudaDevice::~CudaDevice() {
  if (stream)
    cudaStreamSynchronize(stream);
  for (auto &[key, recording] : recordings)
    if (recording.graph)
      cudaGraphExecDestroy(recording.graph);
  convolutions.reset();
  gemm.reset();
  for (Kernel &k : kernels)
    for (auto &[key, table] : k.tables)
      cudaFree(table);
  if (copyStream)
    cudaStreamSynchronize(copyStream);
  for (auto &[owner, arguments] : staging)
    freeStaging(arguments);
  nccl.reset();
  for (void *memory : {scratch, temp, workspace, gemmWorkspace})
    if (memory)
      cudaFree(memory);
  if (library)
    cudaLibraryUnload(library);
  if (stream)
    cudaStreamDestroy(stream);
  if (copyStream)
    cudaStreamDestroy(copyStream);
}

Expected<void *> CudaDevice::allocate(size_t bytes) {
  void *memory = nullptr;
  cudaError_t status = cudaMalloc(&memory, bytes ? bytes : 1);
  if (status != cudaSuccess) {
    cudaGetLastError(); // an allocation failure is not sticky: clear it
    size_t free = 0, total = 0;
    cudaMemGetInfo(&free, &total);
    return makeError("out of memory: " + megabytes(bytes) + " asked for, the GPU (" +
                     properties.name + ") has " + megabytes(free) + " free of " +
                     megabytes(total));
  }
  if (Error e = check(cudaMemsetAsync(memory, 0, bytes, stream), "clearing new memory"))
    return e;
  if (Error e = check(cudaStreamSynchronize(stream), "clearing new memory"))
    return e;
  return memory;
}

// A copy to or from pageable memory blocks until the stream's earlier work is done: the
// stream is finished first, where a collective that never completes is caught.
void CudaDevice::upload(void *device, const void *host, size_t bytes) {
  finishStream("an upload");
  note(cudaMemcpyAsync(device, host, bytes, cudaMemcpyHostToDevice, stream), "an upload");
  finishStream("an upload");
}

void CudaDevice::download(void *host, const void *device, size_t bytes) {
  finishStream("a download");
  note(cudaMemcpyAsync(host, device, bytes, cudaMemcpyDeviceToHost, stream), "a download");
  finishStream("a download");
}

Error CudaDevice::setCommunicator(runtime::Communicator *comm) {
  if (comm && comm->size() > 1) {
    auto collectives = NcclCollectives::create(*comm, stream, comm->collectiveTimeout());
    if (!collectives)
      return collectives.takeError();
    nccl = std::move(*collectives);
  }
  return Device::setCommunicator(comm);
}

Expected<const void *> CudaDevice::stageArgument(const void *owner, size_t index,
                                                const void *host, size_t bytes) {
  // An argument already in this GPU's memory (a benchmark's synthetic batch, a loader that
  // decodes on the GPU) is read in place.
  cudaPointerAttributes where{};
  if (cudaPointerGetAttributes(&where, host) == cudaSuccess &&
      where.type == cudaMemoryTypeDevice)
    return host;
  cudaGetLastError(); // a host pointer the driver does not know is not an error
  std::vector<ArgumentSlots> &mine = staging[owner];
  if (mine.size() <= index)
    mine.resize(index + 1);
  // The slot the owner's run before last used: that run has finished (an owner has one run
  // at a time between launch and finish), so its memory and its copy are free.
  ArgumentSlots &slots = mine[index];
  Staging &s = slots.slot[slots.next];
  slots.next ^= 1;
  if (s.bytes < bytes) { // the first runs (or a larger argument): room for it, once
    if (s.device) {
      cudaStreamSynchronize(stream);
      cudaStreamSynchronize(copyStream);
      copies.erase(std::remove(copies.begin(), copies.end(), s.copied), copies.end());
      freeSlot(s);
    }
    auto device = allocate(bytes);
    if (!device)
      return makeError("error: no room on the GPU for argument " + std::to_string(index) + ": " +
                       device.errorMessage());
    s.device = *device;
    if (Error e = check(cudaMallocHost(&s.host, bytes), "pinned memory for the batch")) {
      cudaGetLastError(); // not sticky: clear it
      return e;
    }
    if (Error e = check(cudaEventCreateWithFlags(&s.copied, cudaEventDisableTiming),
                        "an event for the batch's copy"))
      return e;
    s.bytes = bytes;
  }
  // Into pinned memory, then up on the copy stream (overlapping a run still computing);
  // the run that reads it waits for the copy on the compute stream (issue).
  std::memcpy(s.host, host, bytes);
  note(cudaMemcpyAsync(s.device, s.host, bytes, cudaMemcpyHostToDevice, copyStream),
       "staging argument " + std::to_string(index));
  note(cudaEventRecord(s.copied, copyStream), "staging argument " + std::to_string(index));
  copies.push_back(s.copied); // the run that reads it waits for it (issue)
  return static_cast<const void *>(s.device);
}

Error CudaDevice::checkFits(const runtime::LoadedModule &loaded,
                           const std::vector<std::string> &entries) {
  auto counted = runtime::deviceBytes(loaded, format::Target::Cuda, entries);
  if (!counted)
    return counted.takeError();
  const runtime::DeviceBytes &needed = *counted;
  // The kernels' scratch and temp and cuBLASLt's workspace are taken already.
  size_t held = needed.kernelScratch + needed.kernelTemp + needed.libraryWorkspace;
  size_t still = needed.total() - std::min(held, needed.total());
  size_t free = 0, total = 0;
  if (Error e = check(cudaMemGetInfo(&free, &total), "the GPU's free memory"))
    return e;
  if (still <= free)
    return Error::success();
  return makeError(module + ": error: the run takes " + runtime::humanBytes(needed.total()) +
                   " on the GPU (" + needed.describe() + "; cuDNN's workspace comes on top), and " +
                   properties.name + " has " + runtime::humanBytes(free) + " free of " +
                   runtime::humanBytes(total) +
                   ": train a smaller batch (simclrc --stats --target=cuda --batch-size=N says "
                   "what fits)");
}

Error CudaDevice::prepare(const runtime::Schedule &schedule) {
  size_t needed = workspaceBytes;
  for (const runtime::Instruction &i : schedule.instructions()) {
    using Direction = Convolutions::Direction;
    Expected<size_t> bytes = size_t(0);
    switch (i.op) {
    case format::Op::Conv2D:
      bytes = convolutions->prepare(i.convolution, Direction::Forward);
      break;
    case format::Op::Conv2DBackwardInput:
      bytes = convolutions->prepare(i.convolution, Direction::BackwardInput);
      break;
    case format::Op::Conv2DBackwardFilter:
      bytes = convolutions->prepare(i.convolution, Direction::BackwardFilter);
      break;
    case format::Op::Dense:
    case format::Op::Matmul:
      if (Error e = gemm->prepare(i.product, i.inputs.size() == 3))
        return makeError(i.what + ": " + e.message());
      break;
    default:
      break;
    }
    if (!bytes)
      return makeError(i.what + ": " + bytes.errorMessage());
    needed = std::max(needed, *bytes);
  }
  if (needed > workspaceBytes) { // grown before any step, never during one
    if (workspace) {
      cudaStreamSynchronize(stream);
      cudaFree(workspace);
      workspace = nullptr;
      workspaceBytes = 0;
    }
    auto grown = allocate(needed);
    if (!grown)
      return makeError("no room on the GPU for the convolutions' workspace: " +
                       grown.errorMessage());
    workspace = *grown;
    workspaceBytes = needed;
  }
  return Error::success();
}

void CudaDevice::launch(int index, const void *const *inputs, size_t inputCount,
                        void *const *outputs, size_t outputCount) {
  Kernel &k = kernels[size_t(index)];
  std::vector<const void *> key(inputs, inputs + inputCount);
  key.insert(key.end(), outputs, outputs + outputCount);
  auto it = k.tables.find(key);
  if (it == k.tables.end()) { // the first run of this executor: write the table once
    void **table = nullptr;
    size_t bytes = std::max<size_t>(key.size(), 1) * sizeof(void *);
    if (cudaError_t status = cudaMalloc(&table, bytes); status != cudaSuccess) {
      cudaGetLastError(); // not sticky: clear it
      note(status, "the operand table of kernel '" + k.name + "'");
      return;
    }
    // On the stream, so that the launches below see it; the source is read before this
    // returns (pageable memory is staged at once).
    note(cudaMemcpyAsync(table, key.data(), key.size() * sizeof(void *), cudaMemcpyHostToDevice,
                         stream),
         "the operand table of kernel '" + k.name + "'");
    it = k.tables.emplace(std::move(key), table).first;
  }
  void **in = it->second, **out = it->second + inputCount;
  void *arguments[] = {&in, &out, &scratch, &temp};
  for (const Launch &l : k.launches)
    note(cudaLaunchKernel(reinterpret_cast<const void *>(l.function), dim3(l.grid), dim3(l.block),
                          arguments, 0, stream),
         "launching kernel '" + k.name + "'");
}

Error CudaDevice::issue(const std::vector<const void *> &key,
                        const std::function<Error()> &instructions) {
  // The run waits for its arguments' copies, staged since the last run was issued (not the
  // results of a run still computing: those do not wait for the next batch).
  for (cudaEvent_t copied : copies)
    note(cudaStreamWaitEvent(stream, copied, 0), "waiting for the batch's copy");
  copies.clear();
  if (!recordingAllowed || key.empty())
    return instructions();
  Recording &r = recordings[key];
  if (r.eagerOnly || r.runs++ == 0 || !pending.empty())
    return instructions();
  if (!r.graph) { // the second run: capture it, then run the capture
    if (cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal) != cudaSuccess) {
      cudaGetLastError();
      r.eagerOnly = true;
      Error issued = instructions();
      everyReplicaCaptured(false);
      return issued;
    }
    Error issued = instructions();
    cudaGraph_t graph = nullptr;
    cudaError_t ended = cudaStreamEndCapture(stream, &graph);
    cudaError_t made = cudaErrorStreamCaptureInvalidated;
    if (!issued && ended == cudaSuccess && pending.empty())
      made = cudaGraphInstantiate(&r.graph, graph, 0);
    if (graph)
      cudaGraphDestroy(graph);
    if (!everyReplicaCaptured(made == cudaSuccess) && made == cudaSuccess) {
      cudaGraphExecDestroy(r.graph);
      made = cudaErrorStreamCaptureInvalidated; // another replica's capture failed
    }
    if (made != cudaSuccess) { // nothing ran: issue the run anew, and every later one
      std::fprintf(stderr,
                   "%s: warning: a run could not be captured as a CUDA graph (%s); its "
                   "work is issued anew every time\n",
                   module.c_str(),
                   issued ? issued.message().c_str()
                   : !pending.empty() ? pending.c_str()
                                      : cudaGetErrorName(ended != cudaSuccess ? ended : made));
      cudaGetLastError();
      pending.clear();
      r.graph = nullptr;
      r.eagerOnly = true;
      return instructions();
    }
  }
  note(cudaGraphLaunch(r.graph, stream), "replaying a run's CUDA graph");
  return Error::success();
}

void CudaDevice::forget(const void *owner) {
  for (auto it = recordings.begin(); it != recordings.end();) {
    if (!it->first.empty() && it->first.front() == owner) {
      if (it->second.graph) {
        cudaStreamSynchronize(stream);
        cudaGraphExecDestroy(it->second.graph);
      }
      it = recordings.erase(it);
    } else {
      ++it;
    }
  }
  if (auto it = staging.find(owner); it != staging.end()) {
    cudaStreamSynchronize(stream);
    cudaStreamSynchronize(copyStream);
    for (ArgumentSlots &slots : it->second) // staged, never issued: nothing waits for it
      for (Staging &s : slots.slot)
        copies.erase(std::remove(copies.begin(), copies.end(), s.copied), copies.end());
    freeStaging(it->second);
    staging.erase(it);
  }
}

Error CudaDevice::synchronize() {
  // Every call's status is noted where it is made, and a kernel's fault is sticky, so
  // the stream's status is all there is left to read.
  finishStream("the GPU");
  if (pending.empty())
    return Error::success();
  std::string message = pending;
  pending.clear();
  return makeError(message);
}

} // namespace

Expected<std::unique_ptr<runtime::Device>>
cuda::createCudaDevice(const runtime::LoadedModule &module) {
  auto device = CudaDevice::create(module);
  if (!device)
    return device.takeError();
  return std::unique_ptr<runtime::Device>(std::move(*device));
}

runtime::DeviceFactory cuda::cudaDeviceFactory() { return createCudaDevice; }
