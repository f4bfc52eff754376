// Upstream passes work on the dialect: CSE merges identical pure ops but keeps loads that a
// store separates, and canonicalize drops dead pure ops while keeping stores.
// RUN: simclr-opt %s --cse | FileCheck %s --check-prefix=CSE
// RUN: simclr-opt %s --canonicalize | FileCheck %s --check-prefix=CANON

simclr.state @s : tensor<4xf32> {init = "zeros"}

// CSE-LABEL: func.func @step
// CANON-LABEL: func.func @step
func.func @step(%x: tensor<2x4xf32>, %v: tensor<4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) {
  // CSE: %[[R:.*]] = simclr.relu
  // CSE-NOT: simclr.relu
  %a = simclr.relu %x : tensor<2x4xf32>
  %b = simclr.relu %x : tensor<2x4xf32>
  // CANON-NOT: simclr.softmax
  %dead = simclr.softmax %x axis 1 : tensor<2x4xf32>
  // CSE: simclr.load @s
  // CSE-NEXT: simclr.store
  // CSE-NEXT: simclr.load @s
  // CANON: simclr.store
  %l1 = simclr.load @s : tensor<4xf32>
  simclr.store %v, @s : tensor<4xf32>
  %l2 = simclr.load @s : tensor<4xf32>
  // CSE: return %[[R]], %[[R]]
  return %a, %b, %l1, %l2 : tensor<2x4xf32>, tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>
}
