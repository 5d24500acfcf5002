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

// Unregistered dialects are refused unless asked for.
// RUN: not mema-opt %S/Inputs/unregistered.mlir 2>&1 | FileCheck %s --check-prefix=UNREG
// RUN: mema-opt %S/Inputs/unregistered.mlir --allow-unregistered-dialect | FileCheck %s --check-prefix=ALLOWED
// UNREG: unregistered.mlir:2:12: error: operation being parsed with an unregistered dialect
// ALLOWED: "foo.bar"() : () -> ()
// Verification after each pass can be turned off (mlir-opt's --verify-each=false).
// RUN: mema-opt %s --verify-each=false --pass-pipeline='builtin.module(canonicalize)' | FileCheck %s
