// RUN: mema-opt %s --split-input-file --mema-remarks --pass-pipeline='builtin.module(mema-tile)' 2>&1 | FileCheck %s
// RUN: mema-opt %s --split-input-file --mema-remarks --pass-pipeline='builtin.module(mema-tile{target=cortex-m3})' 2>&1 | FileCheck %s --check-prefix=NODSP

// The analytic schedule: the loops step by the tile the remark reports (remarks print first).

// CHECK: mema-tile-analytic.mlir:{{[0-9]+}}:3: remark: mema: 4x4x64 i8: tile [[MR0:[0-9]+]]x[[NR0:[0-9]+]] smlad (A bytes, B strided)
// CHECK: mema-tile-analytic.mlir:{{[0-9]+}}:3: remark: mema: 128x1x640 i8: tile [[MR1:[0-9]+]]x1 smlad
// CHECK: mema-tile-analytic.mlir:{{[0-9]+}}:3: remark: mema: 33x17x35 i8: tile [[MR2:[0-9]+]]x[[NR2:[0-9]+]] smlad

// B given [K, N] at run time: bytes loaded one by one and packed into halfword pairs
// (and/shl/or, which llc turns into PKHBT).
// CHECK-LABEL: func.func @strided_b
// CHECK: affine.for %{{.*}} = 0 to 64 step 4 iter_args
// CHECK: llvm.load %{{.*}} : !llvm.ptr -> i8
// CHECK: arith.andi %{{.*}}, %{{.*}} : i32
// CHECK: "llvm.arm.smlad"
func.func @strided_b(%a: memref<4x64xi8>, %b: memref<64x4xi8>, %c: memref<4x4xi32>) {
  linalg.matmul ins(%a, %b : memref<4x64xi8>, memref<64x4xi8>) outs(%c : memref<4x4xi32>)
  return
}

// -----

// A fully-connected layer (N = 1): every spare register goes to mr.
// CHECK-LABEL: func.func @fc
// CHECK: affine.for %{{.*}} = 0 to {{[0-9]+}} step [[MR1]] {
// CHECK: affine.for %{{.*}} = 0 to 640 step 4 iter_args
// CHECK: mr = [[MR1]] : i64, nr = 1 : i64
func.func @fc(%a: memref<128x640xi8>, %b: memref<1x640xi8>, %c: memref<128x1xi32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<128x640xi8>, memref<1x640xi8>) outs(%c : memref<128x1xi32>)
  return
}

// -----

// A prime shape: nothing divides, every edge is exercised.
// CHECK-LABEL: func.func @prime
// CHECK: step [[MR2]]
// CHECK: affine.for %{{.*}} = 0 to 32 step 4 iter_args
// CHECK: affine.for %{{.*}} = 32 to 35 iter_args
// CHECK: mr = [[MR2]] : i64, nr = [[NR2]] : i64
func.func @prime(%a: memref<33x35xi8>, %b: memref<17x35xi8>, %c: memref<33x17xi32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<33x35xi8>, memref<17x35xi8>) outs(%c : memref<33x17xi32>)
  return
}

// A core without the DSP extension never gets SMLAD: multiply-add on element loads.
// NODSP-COUNT-3: remark: mema: {{.*}} mla (A elements, B elements)
// NODSP-NOT: llvm.arm.smlad
// NODSP-NOT: llvm.arm.sxtb16
// NODSP: arith.muli
