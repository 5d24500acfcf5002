func.func @viewshift(%x: memref<16xi8>, %y: memref<16xi8>) {
  %c1 = arith.constant 1 : index
  %buf = memref.alloc() : memref<20xi8>
  %v = memref.view %buf[%c1][] : memref<20xi8> to memref<16xi8>
  linalg.copy ins(%x : memref<16xi8>) outs(%v : memref<16xi8>)
  %b2 = memref.alloc() : memref<16xi8>
  linalg.copy ins(%v : memref<16xi8>) outs(%b2 : memref<16xi8>)
  linalg.copy ins(%b2 : memref<16xi8>) outs(%y : memref<16xi8>)
  return
}
