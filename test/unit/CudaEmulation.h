//===- CudaEmulation.h - CUDA's execution model on the host, for tests -*- C++ -*-===//
//
// Force-included (g++ -include) when test/unit/CudaKernelsTest.cpp builds generated CUDA
// kernels as C++: the CUDA words the kernel families use become their host meaning, so
// that the test runs every block and every thread of a launch with std::threads and a
// real barrier for __syncthreads. One block runs at a time, so __shared__ memory is a
// static of its function. Not for speed: the kernels' logic (indexing, phases, block
// reductions, the launch plan) is what it checks, without a GPU.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_TEST_UNIT_CUDAEMULATION_H
#define SIMCLR_TEST_UNIT_CUDAEMULATION_H

#ifdef __CUDACC__
#error "CudaEmulation.h is for building CUDA kernels as host C++"
#endif

#include <cmath>
#include <cstdint>
#include <math.h>

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
};

inline thread_local dim3 threadIdx, blockIdx;
inline dim3 blockDim, gridDim;
inline void (*simclrEmulationBarrier)() = nullptr;

inline void __syncthreads() { simclrEmulationBarrier(); }

#define __global__
#define __device__
#define __host__
#define __forceinline__
#define __launch_bounds__(...)
#define __shared__ static

/// Sets the launch's shape and the barrier every thread of a block waits at.
extern "C" void simclr_emulation_launch(unsigned grid, unsigned block, void (*barrier)()) {
  gridDim.x = grid;
  blockDim.x = block;
  simclrEmulationBarrier = barrier;
}

/// Makes the calling thread thread `thread` of block `block`.
extern "C" void simclr_emulation_thread(unsigned block, unsigned thread) {
  blockIdx.x = block;
  threadIdx.x = thread;
}

#endif // SIMCLR_TEST_UNIT_CUDAEMULATION_H
