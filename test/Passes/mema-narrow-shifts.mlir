// RUN: mema-opt %s --split-input-file --pass-pipeline='builtin.module(mema-narrow-shifts)' | FileCheck %s

// TOSA's rescale after tosa-to-arith: an i64 shift by a per-channel amount read from a constant.
// Every amount is in [32, 63], so the shift reads the high half only: hi(v) >> (k - 32) in i32.
// CHECK-LABEL: func.func @rescale
// The rounding term 1 << k: 1 shifted by k - 32 in i32, then placed in the high half.
// CHECK: %[[K1:.*]] = arith.trunci %{{.*}} : i64 to i32
// CHECK: %[[R1:.*]] = arith.subi %[[K1]], %c32_i32{{.*}} : i32
// CHECK: %[[ONE:.*]] = arith.trunci %c1_i64 : i64 to i32
// CHECK: %[[P:.*]] = arith.shli %[[ONE]], %[[R1]] : i32
// CHECK: %[[PW:.*]] = arith.extui %[[P]] : i32 to i64
// CHECK: arith.shli %[[PW]], %c32_i64{{.*}} : i64
// Then the shift itself.
// CHECK: %[[SUM:.*]] = arith.addi %{{.*}}, %{{.*}} : i64
// CHECK: %[[K:.*]] = arith.trunci %{{.*}} : i64 to i32
// CHECK: %[[REST:.*]] = arith.subi %[[K]], %c32_i32{{.*}} : i32
// CHECK: %[[HI64:.*]] = arith.shrui %[[SUM]], %c32_i64{{.*}} : i64
// CHECK: %[[HI:.*]] = arith.trunci %[[HI64]] : i64 to i32
// CHECK: %[[Q:.*]] = arith.shrsi %[[HI]], %[[REST]] : i32
// CHECK: arith.extsi %[[Q]] : i32 to i64
// No i64 shift by a run-time amount is left.
// CHECK-NOT: arith.sh{{.*}} %{{[0-9]+}} : i64
// CHECK: return
memref.global "private" constant @shift : memref<4xi8> = dense<[32, 37, 50, 63]>
memref.global "private" constant @mult : memref<4xi32> = dense<[1073741824, 2147483647, -2147483648, 5]>
func.func @rescale(%x: memref<2x4xi32>, %y: memref<2x4xi32>) {
  %m = memref.get_global @mult : memref<4xi32>
  %k = memref.get_global @shift : memref<4xi8>
  %c1 = arith.constant 1 : i64
  linalg.generic {indexing_maps = [affine_map<(r, c) -> (r, c)>, affine_map<(r, c) -> (c)>, affine_map<(r, c) -> (c)>, affine_map<(r, c) -> (r, c)>], iterator_types = ["parallel", "parallel"]}
      ins(%x, %m, %k : memref<2x4xi32>, memref<4xi32>, memref<4xi8>) outs(%y : memref<2x4xi32>) {
  ^bb0(%xi: i32, %mi: i32, %ki: i8, %o: i32):
    %x64 = arith.extsi %xi : i32 to i64
    %m64 = arith.extsi %mi : i32 to i64
    %k64 = arith.extui %ki : i8 to i64
    %prod = arith.muli %x64, %m64 : i64
    %one = arith.shli %c1, %k64 : i64
    %half = arith.shrui %one, %c1 : i64
    %sum = arith.addi %prod, %half : i64
    %s = arith.shrsi %sum, %k64 : i64
    %s32 = arith.trunci %s : i64 to i32
    linalg.yield %s32 : i32
  }
  return
}

// -----

// On tensors, the amounts an arith.constant: the same rewrite (here a left shift, whose result
// has a zero low half: (lo(v) << (k - 32)) placed in the high half).
// CHECK-LABEL: func.func @on_tensors
// CHECK: %[[LO:.*]] = arith.trunci %in : i64 to i32
// CHECK: %[[L:.*]] = arith.shli %[[LO]], %{{.*}} : i32
// CHECK: %[[W:.*]] = arith.extui %[[L]] : i32 to i64
// CHECK: arith.shli %[[W]], %c32_i64 : i64
func.func @on_tensors(%x: tensor<3xi64>) -> tensor<3xi64> {
  %k = arith.constant dense<[40, 33, 62]> : tensor<3xi8>
  %e = tensor.empty() : tensor<3xi64>
  %r = linalg.generic {indexing_maps = [affine_map<(c) -> (c)>, affine_map<(c) -> (c)>, affine_map<(c) -> (c)>], iterator_types = ["parallel"]}
      ins(%x, %k : tensor<3xi64>, tensor<3xi8>) outs(%e : tensor<3xi64>) {
  ^bb0(%xi: i64, %ki: i8, %o: i64):
    %k64 = arith.extui %ki : i8 to i64
    %l = arith.shli %xi, %k64 : i64
    linalg.yield %l : i64
  } -> tensor<3xi64>
  return %r : tensor<3xi64>
}

// -----

// One amount below 32 (31): the shift may touch both halves, so it stays as it is; the same
// for an amount that is not a compile-time constant, for a signed extension reaching below 32,
// for an output's block argument (a reduction's running value, whatever its initial
// contents), and for an i1 amount (no crash).
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: arith.subi
// CHECK: arith.shrsi %in, %{{[0-9]+}} : i64
// CHECK-NOT: arith.subi
// CHECK: arith.shrui %in, %{{[0-9]+}} : i64
// CHECK-NOT: arith.subi
// CHECK: arith.shrsi %in, %{{[0-9]+}} : i64
// CHECK-NOT: arith.subi
// CHECK: arith.shrui %in, %{{[0-9]+}} : i64
// CHECK-NOT: arith.subi
// CHECK: arith.shli %in, %{{[0-9]+}} : i64
// CHECK-NOT: arith.subi
// CHECK: return
func.func @left_alone(%x: tensor<3xi64>, %kk: tensor<3xi8>, %acc: tensor<i64>) -> (tensor<3xi64>, tensor<3xi64>, tensor<3xi64>, tensor<i8>, tensor<3xi64>) {
  %k = arith.constant dense<[40, 31, 62]> : tensor<3xi8>
  %e = tensor.empty() : tensor<3xi64>
  %r = linalg.generic {indexing_maps = [affine_map<(c) -> (c)>, affine_map<(c) -> (c)>, affine_map<(c) -> (c)>], iterator_types = ["parallel"]}
      ins(%x, %k : tensor<3xi64>, tensor<3xi8>) outs(%e : tensor<3xi64>) {
  ^bb0(%xi: i64, %ki: i8, %o: i64):
    %k64 = arith.extui %ki : i8 to i64
    %s = arith.shrsi %xi, %k64 : i64
    linalg.yield %s : i64
  } -> tensor<3xi64>
  %r2 = linalg.generic {indexing_maps = [affine_map<(c) -> (c)>, affine_map<(c) -> (c)>, affine_map<(c) -> (c)>], iterator_types = ["parallel"]}
      ins(%x, %kk : tensor<3xi64>, tensor<3xi8>) outs(%e : tensor<3xi64>) {
  ^bb0(%xi: i64, %ki: i8, %o: i64):
    %k64 = arith.extui %ki : i8 to i64
    %s = arith.shrui %xi, %k64 : i64
    linalg.yield %s : i64
  } -> tensor<3xi64>
  %ks = arith.constant dense<[40, -1, 62]> : tensor<3xi8>
  %r3 = linalg.generic {indexing_maps = [affine_map<(c) -> (c)>, affine_map<(c) -> (c)>, affine_map<(c) -> (c)>], iterator_types = ["parallel"]}
      ins(%x, %ks : tensor<3xi64>, tensor<3xi8>) outs(%e : tensor<3xi64>) {
  ^bb0(%xi: i64, %ki: i8, %o: i64):
    %k64 = arith.extsi %ki : i8 to i64
    %s = arith.shrsi %xi, %k64 : i64
    linalg.yield %s : i64
  } -> tensor<3xi64>
  %init = arith.constant dense<40> : tensor<i8>
  %r4 = linalg.generic {indexing_maps = [affine_map<(c) -> (c)>, affine_map<(c) -> ()>], iterator_types = ["reduction"]}
      ins(%x : tensor<3xi64>) outs(%init : tensor<i8>) {
  ^bb0(%xi: i64, %o: i8):
    %k64 = arith.extui %o : i8 to i64
    %s = arith.shrui %xi, %k64 : i64
    %t = arith.trunci %s : i64 to i8
    linalg.yield %t : i8
  } -> tensor<i8>
  %kb = arith.constant dense<true> : tensor<3xi1>
  %r5 = linalg.generic {indexing_maps = [affine_map<(c) -> (c)>, affine_map<(c) -> (c)>, affine_map<(c) -> (c)>], iterator_types = ["parallel"]}
      ins(%x, %kb : tensor<3xi64>, tensor<3xi1>) outs(%e : tensor<3xi64>) {
  ^bb0(%xi: i64, %ki: i1, %o: i64):
    %k64 = arith.extui %ki : i1 to i64
    %s = arith.shli %xi, %k64 : i64
    linalg.yield %s : i64
  } -> tensor<3xi64>
  return %r, %r2, %r3, %r4, %r5 : tensor<3xi64>, tensor<3xi64>, tensor<3xi64>, tensor<i8>, tensor<3xi64>
}
