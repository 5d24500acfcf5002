// RUN: mema-opt %s --emit=transform | FileCheck %s

// A matmul mema leaves alone (f32) comes first: the id and the tile go to the int8 matmul after
// it, not to the first op found.
// CHECK: linalg.matmul ins(%{{.*}} : memref<4x8xf32>, memref<8x3xf32>) outs(%{{.*}} : memref<4x3xf32>)
// CHECK-NOT: mema.id
// CHECK: func.func @decided
// CHECK: linalg.matmul {{.*}}mema.id = 0 : i64
// CHECK: transform.structured.match ops{["linalg.matmul"]} attributes{mema.id = 0 : i64}
// CHECK-NOT: mema.id = 1
func.func @skipped(%a: memref<4x8xf32>, %b: memref<8x3xf32>, %c: memref<4x3xf32>) {
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x3xf32>) outs(%c : memref<4x3xf32>)
  return
}
func.func @decided(%a: memref<9x20xi8>, %b: memref<20x8xi8>, %c: memref<9x8xi32>) {
  linalg.matmul ins(%a, %b : memref<9x20xi8>, memref<20x8xi8>) outs(%c : memref<9x8xi32>)
  return
}

// A convolution is tiled by mema-tile itself, not by this script: the script says so.
// CHECK: // not in this script: 1 x linalg.conv_2d_nhwc_fhwc_q (convolutions are tiled by mema-tile itself: --emit=obj)
func.func @conv(%x: memref<1x6x6x4xi8>, %w: memref<8x3x3x4xi8>, %y: memref<1x4x4x8xi32>) {
  %izp = arith.constant -128 : i32
  %wzp = arith.constant 0 : i32
  linalg.conv_2d_nhwc_fhwc_q {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w, %izp, %wzp : memref<1x6x6x4xi8>, memref<8x3x3x4xi8>, i32, i32) outs(%y : memref<1x4x4x8xi32>)
  return
}
