// RUN: mema-opt %s --pass-pipeline='builtin.module(mema-word-copies)' | FileCheck %s

// A padded activation as mema-import leaves it: fill the padded buffer with the zero point, copy
// the layer's output into its interior. Both move whole words: the fill 4 words per trip
// (0x80808080), the copy 2 words per trip along each 40-byte row (8-byte aligned: rows are 56
// bytes apart, the interior starts 64 bytes in). The copies from and to the function's
// arguments stay element loops: an argument's alignment is the caller's.
// CHECK-DAG: #[[ROWS_IN:.*]] = affine_map<(d0, d1) -> (d0 * 40 + d1 * 4)>
// CHECK-DAG: #[[ROWS_OUT:.*]] = affine_map<(d0, d1) -> (d0 * 56 + d1 * 4 + 64)>
// CHECK-LABEL: func.func @pad
// CHECK: linalg.copy ins(%arg0
// CHECK: %[[WORD:.*]] = arith.constant -2139062144 : i32
// CHECK: affine.for %{{.*}} = 0 to 84 step 4 {
// CHECK-COUNT-4: llvm.store %[[WORD]], %{{.*}} {alignment = 4 : i64} : i32, !llvm.ptr
// CHECK: affine.for %[[ROW:.*]] = 0 to 4 {
// CHECK-NEXT: affine.for %[[W:.*]] = 0 to 10 step 2 {
// CHECK-NEXT: affine.apply #[[ROWS_IN]](%[[ROW]], %[[W]])
// CHECK-COUNT-2: llvm.load %{{.*}} {alignment = 4 : i64} : !llvm.ptr -> i32
// CHECK: affine.apply #[[ROWS_OUT]](%[[ROW]], %[[W]])
// CHECK-COUNT-2: llvm.store %{{.*}} {alignment = 4 : i64} : i32, !llvm.ptr
// CHECK: linalg.copy ins(%alloc_0 : memref<1x6x7x8xi8>) outs(%arg1
// CHECK-NOT: linalg.map
func.func @pad(%x: memref<1x4x5x8xi8>, %y: memref<1x6x7x8xi8>) {
  %fill = arith.constant -128 : i8
  %t = memref.alloc() {alignment = 64 : i64} : memref<1x4x5x8xi8>
  linalg.copy ins(%x : memref<1x4x5x8xi8>) outs(%t : memref<1x4x5x8xi8>)
  %a = memref.alloc() {alignment = 64 : i64} : memref<1x6x7x8xi8>
  linalg.map outs(%a : memref<1x6x7x8xi8>)
    (%init: i8) {
      linalg.yield %fill : i8
    }
  %interior = memref.subview %a[0, 1, 1, 0] [1, 4, 5, 8] [1, 1, 1, 1] : memref<1x6x7x8xi8> to memref<1x4x5x8xi8, strided<[336, 56, 8, 1], offset: 64>>
  linalg.copy ins(%t : memref<1x4x5x8xi8>) outs(%interior : memref<1x4x5x8xi8, strided<[336, 56, 8, 1], offset: 64>>)
  linalg.copy ins(%a : memref<1x6x7x8xi8>) outs(%y : memref<1x6x7x8xi8>)
  return
}
