func.func @overlap(%x: memref<36xi8>, %y: memref<36xi8>) {
  %a = memref.alloc() {alignment = 64 : i64} : memref<36xi8>
  linalg.copy ins(%x : memref<36xi8>) outs(%a : memref<36xi8>)
  %s = memref.subview %a[0] [32] [1] : memref<36xi8> to memref<32xi8, strided<[1]>>
  %d = memref.subview %a[4] [32] [1] : memref<36xi8> to memref<32xi8, strided<[1], offset: 4>>
  linalg.copy ins(%s : memref<32xi8, strided<[1]>>) outs(%d : memref<32xi8, strided<[1], offset: 4>>)
  linalg.copy ins(%a : memref<36xi8>) outs(%y : memref<36xi8>)
  return
}
