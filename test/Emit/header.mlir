// RUN: not mema-opt %s --emit=header --split-input-file 2>/dev/null | FileCheck %s
// RUN: not mema-opt %s --emit=header --split-input-file 2>&1 >/dev/null | FileCheck %s --check-prefix=SCALAR

// One prototype per public function: bare row-major pointers, inputs const, the output written.
// CHECK: #include <stdint.h>
// CHECK: void conv(const int8_t *arg0, int32_t *arg1);
// CHECK: void fc16(const int16_t *arg0, const int16_t *arg1, int32_t *arg2);
// CHECK-NOT: helper
memref.global "private" constant @w : memref<8x16xi8> = dense<1>
func.func @conv(%x: memref<4x16xi8>, %y: memref<8x4xi32>) {
  %w = memref.get_global @w : memref<8x16xi8>
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%w, %x : memref<8x16xi8>, memref<4x16xi8>) outs(%y : memref<8x4xi32>)
  return
}
func.func @fc16(%a: memref<8x6xi16>, %b: memref<6x1xi16>, %c: memref<8x1xi32>) {
  linalg.matmul ins(%a, %b : memref<8x6xi16>, memref<6x1xi16>) outs(%c : memref<8x1xi32>)
  return
}
func.func private @helper(%a: memref<8x6xi16>)

// -----

// SCALAR: header.mlir:[[# @LINE + 1]]:1: error: --emit=header: function 'takes_scalar' argument 1 has type i32; only memrefs of i8, i16, i32, f32 map to C pointers
func.func @takes_scalar(%a: memref<4xi8>, %n: i32) {
  return
}
