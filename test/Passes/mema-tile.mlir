// RUN: mema-opt %s --split-input-file --pass-pipeline='builtin.module(mema-tile{schedule=fixed:2x2})' | FileCheck %s
// RUN: mema-opt %s --split-input-file --pass-pipeline='builtin.module(mema-tile{schedule=fixed:2x2})' | FileCheck %s --check-prefix=SMLAD
// RUN: mema-opt %s --split-input-file --pass-pipeline='builtin.module(mema-tile{schedule=fixed:2x2})' | FileCheck %s --check-prefix=SXTB

// mema-tile with a forced 2x2 tile (CMSIS-NN's): loops step by the tile, the k loop carries
// mr*nr = 4 accumulators plus one moving pointer per operand, C is read before and written after.

// CHECK-LABEL: func.func @tile2x2
// CHECK-SAME: (%[[A:.*]]: memref<8x16xi8>, %[[B:.*]]: memref<6x16xi8>, %[[C:.*]]: memref<8x6xi32>)
// CHECK: memref.extract_aligned_pointer_as_index %[[A]]
// CHECK: affine.for %{{.*}} = 0 to 6 step 2 {
// CHECK-NEXT: affine.for %{{.*}} = 0 to 8 step 2 {
// CHECK-COUNT-4: llvm.load %{{.*}} : !llvm.ptr -> i32
// CHECK: affine.for %{{.*}} = 0 to 16 step 4 iter_args(%{{[^)]*}}) -> (i32, i32, i32, i32, !llvm.ptr, !llvm.ptr) {
// CHECK: affine.yield
// CHECK-COUNT-4: llvm.store %{{.*}}#{{[0-3]}}, %{{.*}} {alignment = 4 : i64} : i32, !llvm.ptr
// CHECK: } {mema.schedule = {{{.*}}kernel = "smlad", kr = 16 : i64, ku = 1 : i64, loop_order = "ji", mr = 2 : i64, nr = 2 : i64{{.*}}search = "fixed"{{.*}}}}
// CHECK-NOT: linalg.matmul

// Per k group (4 int8 k): 2 SMLAD per output, 2 SXTB16 per row of A and per column of B.
// SMLAD-LABEL: func.func @tile2x2
// SMLAD: affine.for %{{.*}} = 0 to 16 step 4
// SMLAD-COUNT-8: "llvm.arm.smlad"
// SMLAD-NOT: "llvm.arm.smlad"
// SMLAD: affine.yield
// SXTB-LABEL: func.func @tile2x2
// SXTB: affine.for %{{.*}} = 0 to 16 step 4
// SXTB-COUNT-8: "llvm.arm.sxtb16"
// SXTB-NOT: "llvm.arm.sxtb16"
// SXTB: affine.yield
func.func @tile2x2(%a: memref<8x16xi8>, %b: memref<6x16xi8>, %c: memref<8x6xi32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<8x16xi8>, memref<6x16xi8>) outs(%c : memref<8x6xi32>)
  return
}

// -----

// Edges: M = 5 and N = 3 are not multiples of 2, K = 10 not a multiple of 4. Full tiles in the
// loops; the last column (nr' = 1), the last row (mr' = 1) and the corner as their own nests;
// each nest has a group loop over k in [0, 8) and a remainder loop over [8, 10) of element loads.
// CHECK-LABEL: func.func @edges
// CHECK: affine.for %{{.*}} = 0 to 2 step 2 {
// CHECK: affine.for %{{.*}} = 0 to 4 step 2 {
// CHECK: affine.for %{{.*}} = 0 to 8 step 4 iter_args({{.*}}) -> (i32, i32, i32, i32, !llvm.ptr, !llvm.ptr)
// CHECK: affine.for %{{.*}} = 8 to 10 iter_args({{.*}}) -> (i32, i32, i32, i32, !llvm.ptr, !llvm.ptr)
// CHECK: llvm.load %{{.*}} : !llvm.ptr -> i8
// CHECK: arith.muli
// The 2x1 column edge inside the column loop:
// CHECK: affine.for %{{.*}} = 0 to 8 step 4 iter_args({{.*}}) -> (i32, i32, !llvm.ptr, !llvm.ptr)
// CHECK: affine.for %{{.*}} = 8 to 10 iter_args({{.*}}) -> (i32, i32, !llvm.ptr, !llvm.ptr)
// CHECK: } {mema.schedule =
// The 1x2 row edge, then the 1x1 corner:
// CHECK: affine.for %{{.*}} = 0 to 4 step 2 {
// CHECK: affine.for %{{.*}} = 0 to 8 step 4 iter_args({{.*}}) -> (i32, i32, !llvm.ptr, !llvm.ptr)
// CHECK: affine.for %{{.*}} = 0 to 8 step 4 iter_args({{.*}}) -> (i32, !llvm.ptr, !llvm.ptr)
// CHECK: affine.for %{{.*}} = 8 to 10 iter_args({{.*}}) -> (i32, !llvm.ptr, !llvm.ptr)
// CHECK: return
func.func @edges(%a: memref<5x10xi8>, %b: memref<3x10xi8>, %c: memref<5x3xi32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<5x10xi8>, memref<3x10xi8>) outs(%c : memref<5x3xi32>)
  return
}

// -----

// K < 4: no group loop at all, only element loads and multiply-add.
// CHECK-LABEL: func.func @k_below_4
// CHECK-NOT: affine.for %{{.*}} step 4
// CHECK: affine.for %{{.*}} = 0 to 3 iter_args({{.*}}) -> (i32, i32, i32, i32, !llvm.ptr, !llvm.ptr)
// CHECK-NOT: llvm.arm.smlad
// CHECK: return
func.func @k_below_4(%a: memref<4x3xi8>, %b: memref<4x3xi8>, %c: memref<4x4xi32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<4x3xi8>, memref<4x3xi8>) outs(%c : memref<4x4xi32>)
  return
}

// -----

// int16: a group is 2 k, one SMLAD per output and no SXTB16.
// CHECK-LABEL: func.func @i16
// CHECK: affine.for %{{.*}} = 0 to 6 step 2 iter_args({{.*}}) -> (i32, i32, i32, i32, !llvm.ptr, !llvm.ptr)
// SMLAD-LABEL: func.func @i16
// SMLAD: affine.for %{{.*}} = 0 to 6 step 2 iter_args
// SMLAD-COUNT-4: "llvm.arm.smlad"
// SMLAD-NOT: "llvm.arm.smlad"
// SMLAD: affine.yield
// SXTB-LABEL: func.func @i16
// SXTB-NOT: "llvm.arm.sxtb16"
// SXTB: return
func.func @i16(%a: memref<4x6xi16>, %b: memref<4x6xi16>, %c: memref<4x4xi32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<4x6xi16>, memref<4x6xi16>) outs(%c : memref<4x4xi32>)
  return
}

