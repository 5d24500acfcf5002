// Found by benchmarks/fuzz_mema_opt.py (seed 65): %h is used in the first region and defined in
// the second, whose next block header is malformed; MLIR 22.1.8's parser (mlir-opt too) reports
// it and then aborts on a dominance assertion while it cleans up.
func.func @f(%a: memref<4xi32>) {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%a : memref<4xi32>) {
  ^bb0(%o: i32):
    %r = arith.addi %h, %o : i32
    linalg.yield %r : i32
  }
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%a : memref<4xi32>) {
  ^bb0(%x: i32):
    %h = arith.addi %x, %x : i32 ^65536b0(%y: i32):
    linalg.yield %y : i32
  }
  arith.extuieturn
}
