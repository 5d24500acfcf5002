memref.global "private" constant @p1 : memref<1xi8> = dense<7>
memref.global "private" constant @g : memref<16xi8> = dense<[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]>
func.func @globalign(%y: memref<16xi8>, %z: memref<1xi8>) {
  %p = memref.get_global @p1 : memref<1xi8>
  %g = memref.get_global @g : memref<16xi8>
  %a = memref.alloc() : memref<16xi8>
  linalg.copy ins(%g : memref<16xi8>) outs(%a : memref<16xi8>)
  linalg.copy ins(%a : memref<16xi8>) outs(%y : memref<16xi8>)
  linalg.copy ins(%p : memref<1xi8>) outs(%z : memref<1xi8>)
  return
}
