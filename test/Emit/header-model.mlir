// RUN: mema-opt %s --emit=header | FileCheck %s

// A module on tensors (what mema-import writes) is bufferized as the compile does: the result
// becomes a trailing output pointer, and the parameters take the model's tensor names
// (tf.entry_function: inputs, then outputs; characters C does not take become '_').
// CHECK: void tiny(const int8_t *input_1, int8_t *scores_0);
// CHECK: void unnamed(const int8_t *arg0, int8_t *arg1);
// C keywords and <stdint.h> names get a trailing '_'; names that are not strings are not used.
// CHECK: void reserved(const int8_t *int_, int8_t *int8_t_);
// CHECK: void not_strings(const int8_t *arg0, int8_t *arg1);
// A function returning a memref gets the compile's out-parameter too.
// CHECK: void returns_memref(const int8_t *arg0, int8_t *arg1);
func.func @tiny(%x: tensor<1x4xi8>) -> tensor<1x4xi8> attributes {tf.entry_function = {inputs = "input_1", outputs = "scores:0"}} {
  %c = arith.constant dense<1> : tensor<1x4xi8>
  %e = tensor.empty() : tensor<1x4xi8>
  %y = linalg.add ins(%x, %c : tensor<1x4xi8>, tensor<1x4xi8>) outs(%e : tensor<1x4xi8>) -> tensor<1x4xi8>
  return %y : tensor<1x4xi8>
}
func.func @unnamed(%x: tensor<2xi8>) -> tensor<2xi8> {
  %c = arith.constant dense<3> : tensor<2xi8>
  %e = tensor.empty() : tensor<2xi8>
  %y = linalg.add ins(%x, %c : tensor<2xi8>, tensor<2xi8>) outs(%e : tensor<2xi8>) -> tensor<2xi8>
  return %y : tensor<2xi8>
}
func.func @reserved(%x: tensor<2xi8>) -> tensor<2xi8> attributes {tf.entry_function = {inputs = "int", outputs = "int8_t"}} {
  %c = arith.constant dense<3> : tensor<2xi8>
  %e = tensor.empty() : tensor<2xi8>
  %y = linalg.add ins(%x, %c : tensor<2xi8>, tensor<2xi8>) outs(%e : tensor<2xi8>) -> tensor<2xi8>
  return %y : tensor<2xi8>
}
func.func @not_strings(%x: tensor<2xi8>) -> tensor<2xi8> attributes {tf.entry_function = {inputs = "x", outputs = 3}} {
  %c = arith.constant dense<3> : tensor<2xi8>
  %e = tensor.empty() : tensor<2xi8>
  %y = linalg.add ins(%x, %c : tensor<2xi8>, tensor<2xi8>) outs(%e : tensor<2xi8>) -> tensor<2xi8>
  return %y : tensor<2xi8>
}
func.func @returns_memref(%a: memref<4xi8>) -> memref<4xi8> {
  %b = memref.alloc() : memref<4xi8>
  memref.copy %a, %b : memref<4xi8> to memref<4xi8>
  return %b : memref<4xi8>
}
