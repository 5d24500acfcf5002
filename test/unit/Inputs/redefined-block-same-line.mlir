// The crashing input of test/mema-opt/Inputs/redefined-block.mlir with the second ^bb0 on the
// line of the op before it (the parser does not care about lines).
func.func @f(%a: memref<4xi32>) {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%a : memref<4xi32>) {
  ^bb0(%o: i32):
    %r = arith.addi %h, %o : i32
    linalg.yield %r : i32
  }
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%a : memref<4xi32>) {
  ^bb0(%x: i32):
    %h = arith.addi %x, %x : i32 ^bb0(%y: i32):
    linalg.yield %y : i32
  }
  return
}
