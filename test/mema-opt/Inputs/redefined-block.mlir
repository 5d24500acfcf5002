// A block label defined twice in one region, after another region used (by forward reference)
// a value of the first of the two blocks: MLIR's parser reports the redefinition, then aborts
// ("operation destroyed but still has uses"; mlir-opt too). Found by
// benchmarks/fuzz_mema_opt.py (seed 41); mema-opt refuses it before parsing.
func.func @f(%a: memref<4xi32>) {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%a : memref<4xi32>) {
  ^bb0(%o: i32):
    %r = arith.addi %h, %o : i32
    linalg.yield %r : i32
  }
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%a : memref<4xi32>) {
  ^bb0(%x: i32):
    %h = arith.addi %x, %x : i32
  ^bb0(%y: i32):
    linalg.yield %y : i32
  }
  return
}
