func.func @allocaalign(%x: memref<16xi8>, %y: memref<16xi8>, %x1: memref<1xi8>, %z: memref<1xi8>) {
  %p = memref.alloca() : memref<1xi8>
  linalg.copy ins(%x1 : memref<1xi8>) outs(%p : memref<1xi8>)
  %a = memref.alloca() : memref<16xi8>
  %b = memref.alloca() : memref<16xi8>
  linalg.copy ins(%x : memref<16xi8>) outs(%a : memref<16xi8>)
  linalg.copy ins(%a : memref<16xi8>) outs(%b : memref<16xi8>)
  linalg.copy ins(%b : memref<16xi8>) outs(%y : memref<16xi8>)
  linalg.copy ins(%p : memref<1xi8>) outs(%z : memref<1xi8>)
  return
}
