// simclr-plan-memory: one arena, buffers reused once dead. Sizes are rounded up to 64
// bytes. Here every buffer is 4096 bytes (2x8x8x8 f32) or 64 (the 2x8 pooled features,
// 64 bytes exactly).
// RUN: simclr-opt %s --simclr-plan-memory | FileCheck %s

simclr.parameter @w : tensor<8x8x3x3xf32> {group = "backbone", init = "zeros"}

// Live ranges over the top-level ops (0 = the load, 8 = the return):
//   %a [1, 2]  %b [2, 3]  %c [3, 4]  %d [4, 6]  %e [5, 6]  %s [6, 7]  %f [7, 8]
// Largest first (the 4096-byte ones, in order): %a at 0; %b overlaps %a -> 4096;
// %c overlaps %b -> 0; %d overlaps %c -> 4096; %e overlaps %d -> 0; %s overlaps %d and %e
// -> 8192; then %f (64 bytes) overlaps only %s -> 0. Arena: 12288 bytes, against 24640
// for separate buffers.
// CHECK-LABEL: func.func @step
// CHECK-SAME: simclr.arena_bytes = 12288 : i64
func.func @step(%x: tensor<2x8x8x8xf32>) -> tensor<2x8xf32> attributes {simclr.stage = "pretrain"} {
  // CHECK: simclr.load @w : tensor<8x8x3x3xf32>
  // CHECK-NOT: simclr.offsets
  %w = simclr.load @w : tensor<8x8x3x3xf32>
  // CHECK-NEXT: simclr.relu %{{.*}} {simclr.offsets = array<i64: 0>}
  %a = simclr.relu %x : tensor<2x8x8x8xf32>
  // CHECK-NEXT: simclr.conv2d {{.*}} {simclr.offsets = array<i64: 4096>}
  %b = simclr.conv2d %a, %w stride [1, 1] padding [1, 1, 1, 1] : tensor<2x8x8x8xf32>, tensor<8x8x3x3xf32> -> tensor<2x8x8x8xf32>
  // CHECK-NEXT: simclr.relu %{{.*}} {simclr.offsets = array<i64: 0>}
  %c = simclr.relu %b : tensor<2x8x8x8xf32>
  // CHECK-NEXT: simclr.conv2d {{.*}} {simclr.offsets = array<i64: 4096>}
  %d = simclr.conv2d %c, %w stride [1, 1] padding [1, 1, 1, 1] : tensor<2x8x8x8xf32>, tensor<8x8x3x3xf32> -> tensor<2x8x8x8xf32>
  // CHECK-NEXT: simclr.relu %{{.*}} {simclr.offsets = array<i64: 0>}
  %e = simclr.relu %d : tensor<2x8x8x8xf32>
  // CHECK-NEXT: simclr.add {{.*}} {simclr.offsets = array<i64: 8192>}
  %s = simclr.add %d, %e : tensor<2x8x8x8xf32>, tensor<2x8x8x8xf32> -> tensor<2x8x8x8xf32>
  // CHECK-NEXT: simclr.global_avg_pool {{.*}} {simclr.offsets = array<i64: 0>}
  %f = simclr.global_avg_pool %s : tensor<2x8x8x8xf32> -> tensor<2x8xf32>
  return %f : tensor<2x8xf32>
}
