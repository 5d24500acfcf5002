// RUN: mema-opt %s --split-input-file --pass-pipeline='builtin.module(mema-tile{schedule=fixed:2x2})' | FileCheck %s
// RUN: mema-opt %s --split-input-file --pass-pipeline='builtin.module(mema-tile{schedule=fixed:2x2})' | FileCheck %s --check-prefix=SMLAD
// RUN: mema-opt %s --split-input-file --pass-pipeline='builtin.module(mema-tile{schedule=fixed:2x2})' | FileCheck %s --check-prefix=SXTB

// mema-tile with a forced 2x2 tile (CMSIS-NN's): the loop over column blocks steps by the tile;
// inside it, the block's 4 full tiles run as one inline-asm statement, a strip: it computes the
// end address (where C's address is after the last tile, 3 x 48 bytes on) and saves it on the
// stack for the whole strip. Per tile: C's tile is loaded into the 4 accumulators (C's address
// waits on the stack meanwhile), the k loop runs, C is stored back, and the step compares C with
// the end, moves C and A to the next block of rows and B back to the block's first column
// (the moves keep the flags) and resets the trip counter. Operand pointers and the trip counter
// are tied in and out; every output is early-clobber; nothing else is live across the statement.

// CHECK-LABEL: func.func @tile2x2
// CHECK-SAME: (%[[A:.*]]: memref<8x64xi8>, %[[B:.*]]: memref<6x64xi8>, %[[C:.*]]: memref<8x6xi32>)
// CHECK-DAG: %[[TRIPS:.*]] = arith.constant 2 : i32
// CHECK-DAG: memref.extract_aligned_pointer_as_index %[[A]]
// CHECK: affine.for %{{.*}} = 0 to 6 step 2 {
// CHECK-NOT: affine.for
// CHECK-NOT: llvm.load
// CHECK: llvm.inline_asm has_side_effects "addw $0, $[[PC:[0-9]+]], #144\0A\09str $0, [sp, #-4]!\0A\092:\0A\09str $[[PC]], [sp, #-4]!\0A\09ldr $0, [$[[PC]]]\0A\09ldr $1, [$[[PC]], #4]\0A\09ldr $2, [$[[PC]], #24]\0A\09ldr $3, [$[[PC]], #28]\0A\09
// 16 groups of 4 k, 8 groups per trip: 2 trips of a counted loop.
// CHECK-SAME: 1:\0A\09{{.*}}\0A\09subs $6, $6, #1\0A\09bne 1b\0A\09
// CHECK-SAME: ldr $[[PC]], [sp], #4\0A\09str $0, [$[[PC]]]\0A\09str $1, [$[[PC]], #4]\0A\09str $2, [$[[PC]], #24]\0A\09str $3, [$[[PC]], #28]\0A\09
// The step: the end address from the stack and the compare, C 2 rows on (48 bytes), A 2 rows on
// from where the k loop left it (128 - 64), B back 64, the counter reset; the strip's stack slot
// dropped at the end.
// CHECK-SAME: ldr $0, [sp]\0A\09cmp $[[PC]], $0\0A\09addw $[[PC]], $[[PC]], #48\0A\09addw $4, $4, #64\0A\09subw $5, $5, #64\0A\09movw $6, #2\0A\09bne 2b\0A\09add sp, sp, #4"
// CHECK-SAME: "=&r,=&r,=&r,=&r,=&r,=&r,=&r,=&r,{{(=&r,)+}}4,5,6,7,~{cc},~{memory}"
// CHECK-SAME: %{{.*}}, %{{.*}}, %[[TRIPS]], %{{.*}} : (!llvm.ptr, !llvm.ptr, i32, !llvm.ptr)
// CHECK-NOT: llvm.store
// CHECK: } {mema.schedule = {{{.*}}kernel = "smlad", kr = 64 : i64, ku = 8 : i64, loop_order = "ji", mr = 2 : i64, nr = 2 : i64{{.*}}search = "fixed"{{.*}}}}
// CHECK-NOT: linalg.matmul

// Per trip, 8 groups of 4 int8 k: 2 SMLAD per output and group; 2 SXTB16 per row of A and per
// column of B and group.
// SMLAD-LABEL: func.func @tile2x2
// SMLAD: llvm.inline_asm has_side_effects "
// SMLAD-SAME: 1:\0A
// SMLAD-COUNT-64: smlad $
// SMLAD-NOT: smlad
// SMLAD: bne 1b
// SXTB-LABEL: func.func @tile2x2
// SXTB: llvm.inline_asm has_side_effects "
// SXTB-SAME: 1:\0A
// SXTB-COUNT-64: sxtb16 $
// SXTB-NOT: sxtb16
// SXTB: bne 1b
func.func @tile2x2(%a: memref<8x64xi8>, %b: memref<6x64xi8>, %c: memref<8x6xi32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<8x64xi8>, memref<6x64xi8>) outs(%c : memref<8x6xi32>)
  return
}

// -----

// Edges: M = 5 and N = 3 are not multiples of 2, K = 10 not a multiple of 4. Per column block
// the full tiles as one strip; the last row (mr' = 1), the last column (nr' = 1: a strip of its
// own 2x1 tiles) and the corner as their own statements. Two groups run straight-line (fewer
// than ku), then the K % 4 = 2 rest as element loads (LDRSB) and MLA.
// CHECK-LABEL: func.func @edges
// CHECK: affine.for %{{.*}} = 0 to 2 step 2 {
// CHECK-NOT: affine.for
// CHECK: llvm.inline_asm has_side_effects "{{(addw|movw)}} {{.*}}2:
// CHECK-NOT: 1:\0A
// CHECK-SAME: ldrsb
// CHECK-SAME: bne 2b
// CHECK-SAME: -> !llvm.struct<(i32, i32, i32, i32,
// The 1x2 row edge inside the column loop, then the 2x1 column edge's strip and the 1x1 corner:
// CHECK: llvm.inline_asm {{.*}} -> !llvm.struct<(i32, i32, ptr,
// CHECK: } {mema.schedule =
// CHECK-NOT: affine.for
// CHECK: llvm.inline_asm has_side_effects "{{(addw|movw)}} {{.*}}2:{{.*}}bne 2b{{.*}} -> !llvm.struct<(i32, i32, ptr,
// CHECK: llvm.inline_asm {{.*}} -> !llvm.struct<(i32, ptr,
// CHECK: return

// The full 2x2 tile: 2 groups x 4 outputs x 2 SMLAD, then 2 rest k x 4 outputs MLA.
// SMLAD-LABEL: func.func @edges
// SMLAD: llvm.inline_asm has_side_effects "
// SMLAD-COUNT-16: smlad $
// SMLAD-NOT: smlad
// SMLAD-COUNT-8: mla $
// SMLAD-NOT: mla $
// SMLAD: "=&r
func.func @edges(%a: memref<5x10xi8>, %b: memref<3x10xi8>, %c: memref<5x3xi32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<5x10xi8>, memref<3x10xi8>) outs(%c : memref<5x3xi32>)
  return
}

// -----

// K < 4: no SMLAD group at all: the micro-kernel loads elements (LDRSB) and runs MLA, 3 k x 4
// outputs, between C's load and store.
// CHECK-LABEL: func.func @k_below_4
// CHECK: llvm.inline_asm has_side_effects "
// CHECK-NOT: smlad $
// CHECK: return
// SMLAD-LABEL: func.func @k_below_4
// SMLAD: llvm.inline_asm has_side_effects "
// SMLAD-NOT: smlad
// SMLAD-COUNT-12: mla $
// SMLAD-NOT: mla $
// SMLAD: "=&r
func.func @k_below_4(%a: memref<4x3xi8>, %b: memref<4x3xi8>, %c: memref<4x4xi32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<4x3xi8>, memref<4x3xi8>) outs(%c : memref<4x4xi32>)
  return
}

// -----

// int16: a group is 2 k, one SMLAD per output and group (3 groups straight-line), no SXTB16.
// CHECK-LABEL: func.func @i16
// SMLAD-LABEL: func.func @i16
// SMLAD: llvm.inline_asm has_side_effects "
// SMLAD-COUNT-12: smlad $
// SMLAD-NOT: smlad
// SMLAD: "=&r
// SXTB-LABEL: func.func @i16
// SXTB-NOT: sxtb16
// SXTB: return
func.func @i16(%a: memref<4x6xi16>, %b: memref<4x6xi16>, %c: memref<4x4xi32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<4x6xi16>, memref<4x6xi16>) outs(%c : memref<4x4xi32>)
  return
}
