// RUN: not mema-opt %s --emit=obj -o %t.o 2>&1 | FileCheck %s
// RUN: not mema-opt %s --pass-pipeline='builtin.module(mema-bufferize,mema-lowering)' 2>&1 | FileCheck %s
// RUN: not test -e %t.o
// RUN: not mema-opt %s --pass-pipeline='builtin.module(mema-bufferize)' --emit=obj -o %t2.o 2>&1 | FileCheck %s --check-prefix=EMIT

// Found by benchmarks/fuzz_mema_opt.py (seed 21): a boolean tensor bufferizes to memref<3xi1>,
// and upstream MLIR's MemRefToLLVM asserts (SIGABRT) on loading it. mema-opt checks first, in
// front of every finalize-memref-to-llvm, and ends in a located error and exit 1.
// CHECK: sub-byte-memref.mlir:[[# @LINE + 6]]:8: error: mema-check-lowering: memref.load of memref<3xi1>: the LLVM lowering cannot load or store elements narrower than a byte
// CHECK-NOT: Assertion
// EMIT: sub-byte-memref.mlir:[[# @LINE + 4]]:8: error: --emit=obj: the IR does not lower to the LLVM dialect: mema-check-lowering: memref.load of memref<3xi1>
func.func @f(%x: tensor<3xi64>) -> tensor<3xi64> {
  %e = tensor.empty() : tensor<3xi64>
  %kb = arith.constant dense<[true, false, true]> : tensor<3xi1>
  %r = linalg.generic {indexing_maps = [affine_map<(c) -> (c)>, affine_map<(c) -> (c)>, affine_map<(c) -> (c)>], iterator_types = ["parallel"]}
      ins(%x, %kb : tensor<3xi64>, tensor<3xi1>) outs(%e : tensor<3xi64>) {
  ^bb0(%xi: i64, %ki: i1, %o: i64):
    %k64 = arith.extui %ki : i1 to i64
    %s = arith.shli %xi, %k64 : i64
    linalg.yield %s : i64
  } -> tensor<3xi64>
  return %r : tensor<3xi64>
}
