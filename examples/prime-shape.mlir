// A shape where nothing divides: M = 33, N = 17, K = 35 (all prime or odd), B given [K, N] at run
// time (not K-contiguous): full tiles, edge rows, edge columns, the corner and a K remainder.
//
//   mema-run examples/prime-shape.mlir
func.func @prime(%a: memref<33x35xi8>, %b: memref<35x17xi8>, %c: memref<33x17xi32>) {
  linalg.matmul ins(%a, %b : memref<33x35xi8>, memref<35x17xi8>) outs(%c : memref<33x17xi32>)
  return
}
