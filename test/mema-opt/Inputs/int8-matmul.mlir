// One int8 matmul, for option errors that need a tileable op.
func.func @int8_matmul(%a: memref<4x8xi8>, %b: memref<8x3xi8>, %c: memref<4x3xi32>) {
  linalg.matmul ins(%a, %b : memref<4x8xi8>, memref<8x3xi8>) outs(%c : memref<4x3xi32>)
  return
}
