// RUN: mema-opt %s --emit=header | FileCheck %s

// A module on tensors (what mema-import writes) is bufferized as the compile does: the result
// becomes a trailing output pointer, and the parameters take the model's tensor names
// (tf.entry_function: inputs, then outputs; characters C does not take become '_').
// CHECK: void tiny(const int8_t *input_1, int8_t *scores_0);
// CHECK: void unnamed(const int8_t *arg0, int8_t *arg1);
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
