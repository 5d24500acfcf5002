// mema-run compiles each public function, runs it on the emulated Cortex-M4 and compares with
// numpy (single-matmul functions) or with upstream MLIR's own lowering (anything else), and the
// model's predicted loads/stores with the measured ones.
// RUN: mema-run %s --json %t.json | FileCheck %s
// RUN: FileCheck %s --check-prefix=JSON < %t.json
// RUN: mema-run %s --mema-target=cortex-m3 | FileCheck %s --check-prefix=M3
// RUN: not mema-run %S/does-not-exist.mlir 2>&1 | FileCheck %s --check-prefix=MISSING

// CHECK: function
// CHECK: two_layers {{.*}} ok{{$}}
// CHECK: weights_in_flash {{.*}}9x1x40 {{ *}}[[L:[0-9]+]]/[[L]] {{.*}} ok (numpy)
// CHECK: fill_and_subviews {{.*}}4x8x16,2x8x16,skipped {{.*}} ok (counts not compared: predicted covers tiled matmuls only)
// CHECK: row_subviews {{.*}}3x5x16 {{ *}}[[L2:[0-9]+]]/[[L2]] {{.*}} ok{{$}}
// CHECK: est. cycles: from the Cortex-M4 timing table
// JSON: "function": "two_layers"
// JSON: "ok": true
// M3: weights_in_flash {{.*}} ok (numpy)
// MISSING: mema-run: error: cannot open input file '{{.*}}does-not-exist.mlir'

// Two matmuls in one function: checked against the upstream lowering.
func.func @two_layers(%a: memref<6x10xi8>, %b: memref<10x5xi8>, %c: memref<6x5xi32>,
                      %d: memref<3x10xi8>, %e: memref<3x5xi32>) {
  linalg.matmul ins(%a, %b : memref<6x10xi8>, memref<10x5xi8>) outs(%c : memref<6x5xi32>)
  linalg.matmul ins(%d, %b : memref<3x10xi8>, memref<10x5xi8>) outs(%e : memref<3x5xi32>)
  return
}

memref.global "private" constant @w : memref<9x40xi8> = dense<-128>
func.func @weights_in_flash(%x: memref<1x40xi8>, %y: memref<9x1xi32>) {
  %w = memref.get_global @w : memref<9x40xi8>
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%w, %x : memref<9x40xi8>, memref<1x40xi8>) outs(%y : memref<9x1xi32>)
  return
}

// A fill, a tiled matmul, a matmul on subviews of whole rows (tiled: a static offset), and one on
// a subview of columns (not contiguous: mema leaves it, the lowering turns it into loops). Outputs
// are checked against the upstream lowering; counts are not compared (the fill is not a matmul).
func.func @fill_and_subviews(%a: memref<4x16xi8>, %b: memref<8x16xi8>, %c: memref<4x8xi32>, %d: memref<4x8xi32>) {
  %zero = arith.constant 0 : i32
  linalg.fill ins(%zero : i32) outs(%c : memref<4x8xi32>)
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<4x16xi8>, memref<8x16xi8>) outs(%c : memref<4x8xi32>)
  %sa = memref.subview %a[1, 0] [2, 16] [1, 1] : memref<4x16xi8> to memref<2x16xi8, strided<[16, 1], offset: 16>>
  %sd = memref.subview %d[2, 0] [2, 8] [1, 1] : memref<4x8xi32> to memref<2x8xi32, strided<[8, 1], offset: 16>>
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%sa, %b : memref<2x16xi8, strided<[16, 1], offset: 16>>, memref<8x16xi8>) outs(%sd : memref<2x8xi32, strided<[8, 1], offset: 16>>)
  %sb = memref.subview %b[0, 0] [8, 8] [1, 1] : memref<8x16xi8> to memref<8x8xi8, strided<[16, 1]>>
  %sa2 = memref.subview %a[0, 0] [4, 8] [1, 1] : memref<4x16xi8> to memref<4x8xi8, strided<[16, 1]>>
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%sa2, %sb : memref<4x8xi8, strided<[16, 1]>>, memref<8x8xi8, strided<[16, 1]>>) outs(%d : memref<4x8xi32>)
  return
}

// Only matmuls on subviews of whole rows: every access is predicted, and counted exactly.
func.func @row_subviews(%a: memref<6x16xi8>, %b: memref<8x16xi8>, %c: memref<6x5xi32>) {
  %sa = memref.subview %a[2, 0] [3, 16] [1, 1] : memref<6x16xi8> to memref<3x16xi8, strided<[16, 1], offset: 32>>
  %sb = memref.subview %b[3, 0] [5, 16] [1, 1] : memref<8x16xi8> to memref<5x16xi8, strided<[16, 1], offset: 48>>
  %sc = memref.subview %c[1, 0] [3, 5] [1, 1] : memref<6x5xi32> to memref<3x5xi32, strided<[5, 1], offset: 5>>
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%sa, %sb : memref<3x16xi8, strided<[16, 1], offset: 32>>, memref<5x16xi8, strided<[16, 1], offset: 48>>) outs(%sc : memref<3x5xi32, strided<[5, 1], offset: 5>>)
  return
}
