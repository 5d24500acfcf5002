// RUN: mema-opt %s --pass-pipeline='builtin.module(mema-static-buffers)' | FileCheck %s

// Three static allocs become views into one zero-initialised arena (.bss), no malloc: %t1 dies
// after the second copy, so %t3 (allocated later, same size) reuses its bytes; %t2 lives until
// the end and gets its own. The arena holds the peak, 2 x 64 bytes.
// CHECK: memref.global "private" @__mema_arena_chain : memref<128xi8> = dense<0> {alignment = 8 : i64}
// CHECK-LABEL: func.func @chain
// CHECK-NOT: memref.alloc
// CHECK: %[[ARENA:.*]] = memref.get_global @__mema_arena_chain : memref<128xi8>
// CHECK: %[[A:.*]] = arith.constant 0 : index
// CHECK: %[[T1:.*]] = memref.view %[[ARENA]][%[[A]]][] : memref<128xi8> to memref<4x4xi32>
// CHECK: %[[B:.*]] = arith.constant 64 : index
// CHECK: %[[T2:.*]] = memref.view %[[ARENA]][%[[B]]][] : memref<128xi8> to memref<4x4xi32>
// CHECK: %[[C:.*]] = arith.constant 0 : index
// CHECK: %[[T3:.*]] = memref.view %[[ARENA]][%[[C]]][] : memref<128xi8> to memref<4x4xi32>
// CHECK: memref.copy %arg0, %[[T1]]
// CHECK: memref.copy %[[T1]], %[[T2]]
// CHECK: memref.copy %[[T2]], %[[T3]]
// CHECK: memref.copy %[[T3]], %arg1
func.func @chain(%in: memref<4x4xi32>, %out: memref<4x4xi32>) {
  %t1 = memref.alloc() : memref<4x4xi32>
  %t2 = memref.alloc() : memref<4x4xi32>
  memref.copy %in, %t1 : memref<4x4xi32> to memref<4x4xi32>
  memref.copy %t1, %t2 : memref<4x4xi32> to memref<4x4xi32>
  %t3 = memref.alloc() : memref<4x4xi32>
  memref.copy %t2, %t3 : memref<4x4xi32> to memref<4x4xi32>
  memref.copy %t3, %out : memref<4x4xi32> to memref<4x4xi32>
  return
}
