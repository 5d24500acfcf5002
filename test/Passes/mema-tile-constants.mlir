// RUN: mema-opt %s --split-input-file --pass-pipeline='builtin.module(mema-tile{schedule=fixed:5x1})' | FileCheck %s

// Constant operands are re-laid out at compile time into new private globals; the originals go
// once nothing reads them.

// Weights pre-expanded to int16 pairs in SMLAD order (a0, a2, a1, a3 per 4 k; the K % 4 tail as
// is): the kernel loads pairs directly and splits only B. (5x1 is a pairs-only tile here.)
// CHECK: memref.global "private" constant @fc_w__mema_pairs : memref<5x6xi16> = dense<{{\[}}[1, 3, 2, 4, 5, 6], [-128, 0, 127, 1, 2, 3], [9, 11, 10, 12, 13, 14], [-1, -3, -2, -4, -5, -6], [7, 7, 7, 7, 7, 7]]>
// CHECK-NOT: @fc_w :
// CHECK-LABEL: func.func @fc_const
// CHECK-NOT: memref.get_global @fc_w :
// CHECK: memref.get_global @fc_w__mema_pairs : memref<5x6xi16>
// CHECK: affine.for %{{.*}} = 0 to 5 step 5 {
// CHECK: } {mema.schedule = {a_form = "pairs", b_form = "words"
memref.global "private" constant @fc_w : memref<5x6xi8> = dense<[[1, 2, 3, 4, 5, 6], [-128, 127, 0, 1, 2, 3], [9, 10, 11, 12, 13, 14], [-1, -2, -3, -4, -5, -6], [7, 7, 7, 7, 7, 7]]>
func.func @fc_const(%b: memref<1x6xi8>, %c: memref<5x1xi32>) {
  %a = memref.get_global @fc_w : memref<5x6xi8>
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<5x6xi8>, memref<1x6xi8>) outs(%c : memref<5x1xi32>)
  return
}

// -----

// A constant B given [K, N] is re-laid out [N, K]: the kernel then reads it as words.
// (A single column, N = 1, needs nothing: [K, 1] and [1, K] are the same bytes.)
// CHECK: memref.global "private" constant @bk__mema_nk : memref<2x3xi8> = dense<{{\[}}[1, 3, 5], [2, 4, 6]]>
// CHECK-NOT: @bk :
// CHECK-LABEL: func.func @const_b
// CHECK: memref.get_global @bk__mema_nk : memref<2x3xi8>
memref.global "private" constant @bk : memref<3x2xi8> = dense<[[1, 2], [3, 4], [5, 6]]>
func.func @const_b(%a: memref<5x3xi8>, %c: memref<5x2xi32>) {
  %b = memref.get_global @bk : memref<3x2xi8>
  linalg.matmul ins(%a, %b : memref<5x3xi8>, memref<3x2xi8>) outs(%c : memref<5x2xi32>)
  return
}

// -----

// A global that other code still reads stays.
// CHECK: memref.global "private" constant @shared__mema_nk
// CHECK: memref.global "private" constant @shared :
// CHECK-LABEL: func.func @still_used
// CHECK: memref.get_global @shared : memref<3x2xi8>
memref.global "private" constant @shared : memref<3x2xi8> = dense<[[1, 2], [3, 4], [5, 6]]>
func.func @still_used(%a: memref<5x3xi8>, %c: memref<5x2xi32>, %copy: memref<3x2xi8>) {
  %b = memref.get_global @shared : memref<3x2xi8>
  linalg.matmul ins(%a, %b : memref<5x3xi8>, memref<3x2xi8>) outs(%c : memref<5x2xi32>)
  memref.copy %b, %copy : memref<3x2xi8> to memref<3x2xi8>
  return
}
