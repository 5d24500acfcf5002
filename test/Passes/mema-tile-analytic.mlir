// RUN: mema-opt %s --split-input-file --mema-remarks --pass-pipeline='builtin.module(mema-tile)' 2>&1 | FileCheck %s
// RUN: mema-opt %s --split-input-file --mema-remarks --pass-pipeline='builtin.module(mema-tile{target=cortex-m3})' 2>&1 | FileCheck %s --check-prefix=NODSP
// RUN: mema-opt %s --split-input-file --mema-remarks --pass-pipeline='builtin.module(mema-tile{schedule=cmsis-nn})' 2>&1 | FileCheck %s --check-prefix=CMSIS
// RUN: mema-opt %s --split-input-file --mema-remarks --pass-pipeline='builtin.module(mema-tile{schedule=cmsis-nn target=cortex-m3})' 2>&1 | FileCheck %s --check-prefix=CMSISM3

// The analytic schedule: the outer loop steps by the tile the remark reports, the full tiles
// along the inner dimension run as one strip statement (remarks print first).

// CHECK: mema-tile-analytic.mlir:{{[0-9]+}}:3: remark: mema: 4x4x64 i8: tile [[MR0:[0-9]+]]x[[NR0:[0-9]+]] smlad (A bytes, B strided
// CHECK: mema-tile-analytic.mlir:{{[0-9]+}}:3: remark: mema: 128x1x640 i8: tile [[MR1:[0-9]+]]x1 smlad
// CHECK: mema-tile-analytic.mlir:{{[0-9]+}}:3: remark: mema: 33x17x35 i8: tile [[MR2:[0-9]+]]x[[NR2:[0-9]+]] smlad
// CHECK: mema-tile-analytic.mlir:{{[0-9]+}}:3: remark: mema: 16x12x64 i8: tile [[MR3:2]]x[[NR3:3]] smlad (A pairs, B packed, A and B kept, ku 8, loop order ji)

// B given [K, N] at run time, read in place: per group 4 LDRSB per column of B packed into two
// halfword pairs by PKHBT, in the micro-kernel's loop.
// CHECK-LABEL: func.func @strided_b
// CHECK: affine.for %{{.*}} step [[MR0]] {
// CHECK: llvm.inline_asm has_side_effects "{{(addw|movw)}} {{.*}}2:{{.*}}1:\0A\09{{.*}}ldrsb {{.*}}pkhbt {{.*}}smlad {{.*}}bne 1b{{.*}}bne 2b
// CHECK: mr = [[MR0]] : i64, nr = [[NR0]] : i64
func.func @strided_b(%a: memref<4x64xi8>, %b: memref<64x4xi8>, %c: memref<4x4xi32>) {
  linalg.matmul ins(%a, %b : memref<4x64xi8>, memref<64x4xi8>) outs(%c : memref<4x4xi32>)
  return
}

// -----

// A fully-connected layer (N = 1): the registers go to mr.
// CHECK-LABEL: func.func @fc
// CHECK: llvm.inline_asm has_side_effects "{{(addw|movw)}} {{.*}}2:{{.*}}1:{{.*}}smlad{{.*}}bne 1b{{.*}}bne 2b
// CHECK: mr = [[MR1]] : i64, nr = 1 : i64
func.func @fc(%a: memref<128x640xi8>, %b: memref<1x640xi8>, %c: memref<128x1xi32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<128x640xi8>, memref<1x640xi8>) outs(%c : memref<128x1xi32>)
  return
}

// -----

// A prime shape: nothing divides, every edge is exercised; K % 4 = 3 rest as element loads.
// The 8 whole groups are one trip of 8: straight-line code, no loop.
// CHECK-LABEL: func.func @prime
// CHECK: step [[NR2]]
// CHECK: llvm.inline_asm has_side_effects "{{(addw|movw)}} {{.*}}2:\0A
// CHECK-NOT: 1:\0A
// CHECK-SAME: smlad{{.*}}ldrsb{{.*}}mla{{.*}}bne 2b
// CHECK: mr = [[MR2]] : i64, nr = [[NR2]] : i64
func.func @prime(%a: memref<33x35xi8>, %b: memref<17x35xi8>, %c: memref<33x17xi32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<33x35xi8>, memref<17x35xi8>) outs(%c : memref<33x17xi32>)
  return
}

// -----

// A convolution layer as a matmul: constant weights are re-laid out at compile time in panels
// of 2 rows of int16 pairs (new global, the original dropped); the run-time activations are
// packed per column block into a working buffer (3 columns x 64 k x 2 bytes, in .bss): one
// packing statement per column (4 words per trip: loads back to back, SXTB16 pairs, stores back
// to back, one pointer step), then every row block reads the buffer.
// The 2x3 tile holds both operands' slices of a step in registers (6 accumulators + 5 words +
// 2 pointers + a counter = 14), loaded in one back-to-back burst.
// CHECK-LABEL: module
// CHECK-DAG: memref.global "private" @[[PACK:__mema_pack[0-9]+]] : memref<{{[0-9]+}}xi16> = dense<0> {alignment = 4 : i64}
// CHECK-DAG: memref.global "private" constant @[[PANEL:weights__mema_pairs_[0-9]+]] : memref<1024xi16> = dense<5>
// CHECK-NOT: memref.global "private" constant @weights :
// CHECK-LABEL: func.func @conv
// CHECK-DAG: memref.get_global @[[PANEL]]
// CHECK-DAG: memref.get_global @[[PACK]]
// CHECK: affine.for %{{.*}} = 0 to 12 step [[NR3]] {
// CHECK-COUNT-3: llvm.inline_asm has_side_effects "1:\0A\09ldr {{.*}}sxtb16 {{.*}}str {{.*}}addw {{.*}}bne 1b
// CHECK: llvm.inline_asm has_side_effects "{{(addw|movw)}} {{.*}}2:{{.*}}1:{{.*}}smlad{{.*}}bne 1b{{.*}}bne 2b
// CHECK: loop_order = "ji", mr = [[MR3]] : i64, nr = [[NR3]] : i64
memref.global "private" constant @weights : memref<16x64xi8> = dense<5>
func.func @conv(%im2col: memref<12x64xi8>, %acc: memref<16x12xi32>) {
  %w = memref.get_global @weights : memref<16x64xi8>
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%w, %im2col : memref<16x64xi8>, memref<12x64xi8>) outs(%acc : memref<16x12xi32>)
  return
}

// The CMSIS-NN baseline, per op: 2x2 with int8 weights and int16-packed activations; 2x1 with
// both int8 for the matrix-vector product (its fully-connected kernel).
// CMSIS: remark: mema: 4x4x64 i8: tile 2x2 smlad (A bytes, B packed, B kept{{.*}}cmsis-nn search
// CMSIS: remark: mema: 128x1x640 i8: tile 2x1 smlad (A bytes, B words, B kept{{.*}}cmsis-nn search
// CMSIS: remark: mema: 33x17x35 i8: tile 2x2 smlad (A bytes, B packed, B kept
// CMSIS: remark: mema: 16x12x64 i8: tile 2x2 smlad (A bytes, B packed, B kept
// A baseline never fails the compile: where CMSIS-NN's shape cannot run (no DSP here), the op
// is left to the lowering and the remark says why.
// CMSISM3-COUNT-4: remark: mema: matmul left unchanged: cmsis-nn: CMSIS-NN's 2x{{[12]}} kernel shape cannot run here: A bytes / B {{packed|words}} / kept b does not apply to this i8 problem on 'cortex-m3'

// A core without the DSP extension never gets SMLAD: the MLA micro-kernel, element loads
// (LDRSB) and one MLA per output and k; its full tiles run as strips too.
// NODSP-COUNT-4: remark: mema: {{.*}} mla (A elements, B elements
// NODSP-NOT: smlad
// NODSP-NOT: sxtb16
// NODSP: llvm.inline_asm has_side_effects "{{(addw|movw)}} {{.*}}2:{{.*}}1:\0A\09ldrsb {{.*}}mla {{.*}}bne 1b{{.*}}bne 2b
