// RUN: mema-opt %s --split-input-file --pass-pipeline='builtin.module(mema-tile{schedule=fixed:5x1:bytes/words/b})' | FileCheck %s
// RUN: mema-opt %s --split-input-file --pass-pipeline='builtin.module(mema-tile{schedule=fixed:2x1})' | FileCheck %s --check-prefix=PAIRS

// Constant operands are re-laid out at compile time into new private globals; the originals go
// once nothing reads them.

// Weights re-laid out for the tile: panels of 5 rows, each holding its rows' k-groups side by
// side (per group of 4 k: row 0's 4 bytes, row 1's, ...), then the K % 4 rest of each row, so
// that a tile's group is consecutive words whatever K is.
// CHECK: memref.global "private" constant @fc_w__mema_bytes_5 : memref<30xi8> = dense<[1, 2, 3, 4, -128, 127, 0, 1, 9, 10, 11, 12, -1, -2, -3, -4, 7, 7, 7, 7, 5, 6, 2, 3, 13, 14, -5, -6, 7, 7]>
// CHECK-NOT: @fc_w :
// CHECK-LABEL: func.func @fc_const
// CHECK-NOT: memref.get_global @fc_w :
// CHECK: memref.get_global @fc_w__mema_bytes_5 : memref<30xi8>
// CHECK: affine.for %{{.*}} = 0 to 5 step 5 {
// CHECK: } {mema.schedule = {a_form = "bytes", b_form = "words"
// With a 2-row tile the weights are also pre-expanded to int16 in SMLAD pair order (k0, k2, k1,
// k3 per 4 k) and zero-padded to whole groups: panels [2 rows][8], [2 rows][8], [1 row][8].
// PAIRS: memref.global "private" constant @fc_w__mema_pairs_2 : memref<40xi16> = dense<[1, 3, 2, 4, -128, 0, 127, 1, 5, 0, 6, 0, 2, 0, 3, 0, 9, 11, 10, 12, -1, -3, -2, -4, 13, 0, 14, 0, -5, 0, -6, 0, 7, 7, 7, 7, 7, 0, 7, 0]>
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
