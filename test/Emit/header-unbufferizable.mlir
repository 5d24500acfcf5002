// RUN: not mema-opt %s --emit=header 2>&1 | FileCheck %s

// A tensor module that does not bufferize gets bufferization's own located error and exit 1,
// not a traceback and not a header.
// CHECK-NOT: #ifndef
// CHECK: header-unbufferizable.mlir:[[# @LINE + 5]]:8: error: op was not bufferized
// CHECK-NOT: Traceback
// CHECK-NOT: #ifndef
func.func @f(%x: tensor<2xi8>) -> tensor<2xi8> {
  %c = arith.constant dense<3> : tensor<2xi8>
  %y = arith.addi %x, %c : tensor<2xi8>
  return %y : tensor<2xi8>
}
