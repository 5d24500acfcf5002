// Ops mema-tile cannot handle stay unchanged with a remark that says why; forcing a schedule on
// them is an error at the op, and the run fails.
// RUN: mema-opt %s --split-input-file --mema-remarks --pass-pipeline='builtin.module(mema-tile)' 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: not mema-opt %s --split-input-file --pass-pipeline='builtin.module(mema-tile{schedule=fixed:2x2})' 2>&1 | FileCheck %s --check-prefix=FORCED

// A forced tile that cannot fit: the reasons of every kernel family are listed.
// RUN: not mema-opt %S/Inputs/matmul-16x16x64.mlir --pass-pipeline='builtin.module(mema-tile{schedule=fixed:4x4})' 2>&1 | FileCheck %s --check-prefix=TOOBIG
// TOOBIG: matmul-16x16x64.mlir:2:3: error: mema-tile: fixed tile 4x4 cannot run for 16x16x64 i8 on 'cortex-m4': smlad A bytes/B strided: tile 4x4 needs {{[0-9]+}} registers {{.*}}the target has 14{{.*}} | mla A elements/B elements: tile 4x4 needs

// REMARK: mema-tile-unsupported.mlir:[[# @LINE + 4]]:3: remark: mema: matmul left unchanged: element types f32 x f32 -> f32: supported are i8 x i8 -> i32 and i16 x i16 -> i32
// FORCED: mema-tile-unsupported.mlir:[[# @LINE + 3]]:3: error: mema-tile: cannot apply fixed:2x2: element types f32
// REMARK: linalg.matmul ins
func.func @float(%a: memref<4x8xf32>, %b: memref<8x4xf32>, %c: memref<4x4xf32>) {
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x4xf32>) outs(%c : memref<4x4xf32>)
  return
}

// -----

// REMARK: mema-tile-unsupported.mlir:[[# @LINE + 3]]:3: remark: mema: matmul left unchanged: operand A has a dynamic shape (memref<?x8xi8>); mema needs static M, N, K
// FORCED: mema-tile-unsupported.mlir:[[# @LINE + 2]]:3: error: mema-tile: cannot apply fixed:2x2: operand A has a dynamic shape
func.func @dynamic(%a: memref<?x8xi8>, %b: memref<8x4xi8>, %c: memref<?x4xi32>) {
  linalg.matmul ins(%a, %b : memref<?x8xi8>, memref<8x4xi8>) outs(%c : memref<?x4xi32>)
  return
}

// -----

// REMARK: mema-tile-unsupported.mlir:[[# @LINE + 3]]:8: remark: mema: matmul left unchanged: operand A is a tensor: mema-tile works on buffers; bufferize first (mema-bufferize; --emit=obj|asm|llvm does)
// FORCED: mema-tile-unsupported.mlir:[[# @LINE + 2]]:8: error: mema-tile: cannot apply fixed:2x2: operand A is a tensor
func.func @tensor(%a: tensor<4x8xi8>, %b: tensor<8x4xi8>, %c: tensor<4x4xi32>) -> tensor<4x4xi32> {
  %r = linalg.matmul ins(%a, %b : tensor<4x8xi8>, tensor<8x4xi8>) outs(%c : tensor<4x4xi32>) -> tensor<4x4xi32>
  return %r : tensor<4x4xi32>
}

// -----

// REMARK: mema-tile-unsupported.mlir:[[# @LINE + 3]]:3: remark: mema: matmul left unchanged: indexing maps ['(d2, d0)', '(d2, d1)', '(d0, d1)']: only the default maps and B transposed ((d1, d2)) are supported
// FORCED: mema-tile-unsupported.mlir:[[# @LINE + 2]]:3: error: mema-tile: cannot apply fixed:2x2: indexing maps
func.func @transposed_a(%a: memref<8x4xi8>, %b: memref<8x4xi8>, %c: memref<4x4xi32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<8x4xi8>, memref<8x4xi8>) outs(%c : memref<4x4xi32>)
  return
}

// -----

// REMARK: mema-tile-unsupported.mlir:[[# @LINE + 3]]:3: remark: mema: matmul left unchanged: unsigned cast
// FORCED: mema-tile-unsupported.mlir:[[# @LINE + 2]]:3: error: mema-tile: cannot apply fixed:2x2: unsigned cast
func.func @unsigned(%a: memref<4x8xi8>, %b: memref<8x4xi8>, %c: memref<4x4xi32>) {
  linalg.matmul {cast = #linalg.type_fn<cast_unsigned>} ins(%a, %b : memref<4x8xi8>, memref<8x4xi8>) outs(%c : memref<4x4xi32>)
  return
}


// -----

// A subview of columns is not row-major contiguous (a subview of whole rows is, and is tiled).
// REMARK: mema-tile-unsupported.mlir:[[# @LINE + 4]]:3: remark: mema: matmul left unchanged: operand A has layout strided<[16, 1]>; supported are row-major layouts with a static offset
// FORCED: mema-tile-unsupported.mlir:[[# @LINE + 3]]:3: error: mema-tile: cannot apply fixed:2x2: operand A has layout strided<[16, 1]>
func.func @columns(%a: memref<4x16xi8>, %b: memref<8x4xi8>, %c: memref<4x4xi32>) {
  %s = memref.subview %a[0, 0] [4, 8] [1, 1] : memref<4x16xi8> to memref<4x8xi8, strided<[16, 1]>>
  linalg.matmul ins(%s, %b : memref<4x8xi8, strided<[16, 1]>>, memref<8x4xi8>) outs(%c : memref<4x4xi32>)
  return
}
