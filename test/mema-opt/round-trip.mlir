// RUN: mema-opt < %s | FileCheck %s
// RUN: mema-opt - < %s | FileCheck %s
// RUN: mema-opt %s -o %t && FileCheck %s < %t

// Without a pipeline, mema-opt parses, verifies and prints, as mlir-opt does.
// CHECK-LABEL: func.func @mm
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : memref<4x8xi8>, memref<8x3xi8>) outs(%{{.*}} : memref<4x3xi32>)
func.func @mm(%a: memref<4x8xi8>, %b: memref<8x3xi8>, %c: memref<4x3xi32>) {
  linalg.matmul ins(%a, %b : memref<4x8xi8>, memref<8x3xi8>) outs(%c : memref<4x3xi32>)
  return
}
