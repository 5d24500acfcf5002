// RUN: mema-opt %s --split-input-file --mema-remarks --pass-pipeline='builtin.module(mema-tile)' 2>&1 | FileCheck %s
// RUN: mema-opt %s --split-input-file --mema-remarks --pass-pipeline='builtin.module(mema-tile{target=cortex-m3})' 2>&1 | FileCheck %s --check-prefix=NODSP
// RUN: mema-opt %s --split-input-file --mema-remarks --pass-pipeline='builtin.module(mema-tile{schedule=fixed:2x2})' 2>&1 | FileCheck %s --check-prefix=FIXED

// A quantized depthwise convolution is tiled as 4 channels x P output pixels: one input word holds
// 4 channels of a pixel, UXTB16 splits it into channels (0, 2) and (1, 3) as halfwords, and
// SMLABB/SMLATT multiply each halfword by its own filter value. The constant filter is re-laid out
// at compile time into int16 in that order: per group of 4 channels and tap, (c0, c2, c1, c3).
// Remarks print first (stderr), one per op of each chunk, at the op.
// CHECK: mema-tile-depthwise.mlir:{{[0-9]+}}:3: remark: mema: depthwise 8 channels x 20 pixels x 9 taps: tile 4 channels x [[P:[0-9]+]] pixels (SMLABB/SMLATT), {{[0-9]+}} loads, {{[0-9]+}} stores
// CHECK: remark: mema: depthwise 4 channels x 9 pixels x 4 taps
// CHECK: remark: mema: depthwise conv left unchanged: 6 channels: the depthwise kernel takes 4 channels per input word
// CHECK: remark: mema: depthwise conv left unchanged: filter zero point 1: only symmetric filters (zero point 0) are supported
// CHECK: remark: mema: depthwise conv left unchanged: channel multiplier 2: only 1 is supported
// Group 0, tap (0, 0): filter values 1 2 3 4 as (1, 3, 2, 4); tap (0, 1): -1 -2 -3 -4.
// CHECK: memref.global "private" constant @dw__mema_dw : memref<72xi16> = dense<[1, 3, 2, 4, -1, -3, -2, -4, 9, 11, 10, 12,
// CHECK-LABEL: func.func @dwconv
// Loops: output rows, blocks of P pixels; no loop over the groups of 4 channels: one statement
// runs them all (a strip).
// CHECK: affine.for %{{.*}} = 0 to 5 {
// CHECK-NEXT: affine.for %{{.*}} = 0 to 4 step [[P]] {
// CHECK-NOT: affine.for
// The strip's entry keeps on the stack where C's address is at the last group (16 bytes on).
// CHECK: llvm.inline_asm has_side_effects "addw $0, $[[C:[0-9]+]], #16\0A\09str $0, [sp, #-4]!\0A\092:
// The input zero point -128 is subtracted by flipping each byte's sign bit: x - (-128) = x ^ 0x80
// read unsigned. C is read and written once per tile (output stationary).
// CHECK-SAME: str $[[C]], [sp, #-4]!\0A\09ldr $0, [$[[C]]]
// CHECK-SAME: eor $13, $13, #0x80808080\0A\09uxtb16 $12, $13\0A\09uxtb16 $13, $13, ror #8\0A\09smlabb $0, $12, $10, $0\0A\09smlatt $2, $12, $10, $2
// CHECK-SAME: ldr $[[C]], [sp], #4\0A\09str $0, [$[[C]]]
// The step to the next group: compare C with the end, move C by 4 outputs and the input by a
// word (the filter's pointer is already at the next group's taps), branch back.
// CHECK-SAME: ldr $0, [sp]\0A\09cmp $[[C]], $0\0A\09addw $[[C]], $[[C]], #16\0A\09addw $[[X:[0-9]+]], $[[X]], #4\0A\09bne 2b\0A\09add sp, sp, #4"
// CHECK-NOT: linalg.depthwise_conv_2d_nhwc_hwcm_q
memref.global "private" constant @dw : memref<3x3x8x1xi8> = dense<[[[[1],[2],[3],[4],[5],[6],[7],[8]],[[-1],[-2],[-3],[-4],[-5],[-6],[-7],[-8]],[[9],[10],[11],[12],[13],[14],[15],[16]]],[[[1],[1],[1],[1],[1],[1],[1],[1]],[[2],[2],[2],[2],[2],[2],[2],[2]],[[3],[3],[3],[3],[3],[3],[3],[3]]],[[[127],[-128],[5],[6],[7],[8],[9],[10]],[[0],[0],[0],[0],[0],[0],[0],[0]],[[4],[4],[4],[4],[4],[4],[4],[4]]]]>
func.func @dwconv(%x: memref<1x7x6x8xi8>, %y: memref<1x5x4x8x1xi32>) {
  %w = memref.get_global @dw : memref<3x3x8x1xi8>
  %izp = arith.constant -128 : i32
  %wzp = arith.constant 0 : i32
  linalg.depthwise_conv_2d_nhwc_hwcm_q {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w, %izp, %wzp : memref<1x7x6x8xi8>, memref<3x3x8x1xi8>, i32, i32) outs(%y : memref<1x5x4x8x1xi32>)
  return
}

// -----

// Any other input zero point: a signed split (SXTB16), then the zero point subtracted from both
// halfwords (SSUB16 with 5 in each: 0x00050005 = 327685); stride 2.
// CHECK-LABEL: func.func @strided
// CHECK-DAG: %[[ZP2:.*]] = arith.constant 327685 : i32
// CHECK: sxtb16 $[[LO:[0-9]+]], $[[HI:[0-9]+]]\0A\09sxtb16 $[[HI]], $[[HI]], ror #8\0A\09ssub16 $[[LO]], $[[LO]], $[[Z:[0-9]+]]\0A\09ssub16 $[[HI]], $[[HI]], $[[Z]]
// CHECK-SAME: %[[ZP2]]
memref.global "private" constant @w2 : memref<2x2x4x1xi8> = dense<-128>
func.func @strided(%x: memref<1x7x7x4xi8>, %y: memref<1x3x3x4x1xi32>) {
  %w = memref.get_global @w2 : memref<2x2x4x1xi8>
  %izp = arith.constant 5 : i32
  %wzp = arith.constant 0 : i32
  linalg.depthwise_conv_2d_nhwc_hwcm_q {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%x, %w, %izp, %wzp : memref<1x7x7x4xi8>, memref<2x2x4x1xi8>, i32, i32) outs(%y : memref<1x3x3x4x1xi32>)
  return
}

// -----

// What is not supported stays as it is, said at the op (remarks above): channels not a multiple
// of 4, a filter zero point, a channel multiplier.
// CHECK-LABEL: func.func @unsupported
// CHECK-COUNT-3: linalg.depthwise_conv_2d_nhwc_hwcm_q
memref.global "private" constant @w6 : memref<3x3x6x1xi8> = dense<1>
memref.global "private" constant @w4 : memref<3x3x4x1xi8> = dense<1>
memref.global "private" constant @wm : memref<3x3x4x2xi8> = dense<1>
func.func @unsupported(%x6: memref<1x5x5x6xi8>, %y6: memref<1x3x3x6x1xi32>, %x4: memref<1x5x5x4xi8>,
                       %y4: memref<1x3x3x4x1xi32>, %ym: memref<1x3x3x4x2xi32>) {
  %w6 = memref.get_global @w6 : memref<3x3x6x1xi8>
  %w4 = memref.get_global @w4 : memref<3x3x4x1xi8>
  %wm = memref.get_global @wm : memref<3x3x4x2xi8>
  %izp = arith.constant -128 : i32
  %zero = arith.constant 0 : i32
  %one = arith.constant 1 : i32
  linalg.depthwise_conv_2d_nhwc_hwcm_q {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x6, %w6, %izp, %zero : memref<1x5x5x6xi8>, memref<3x3x6x1xi8>, i32, i32) outs(%y6 : memref<1x3x3x6x1xi32>)
  linalg.depthwise_conv_2d_nhwc_hwcm_q {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x4, %w4, %izp, %one : memref<1x5x5x4xi8>, memref<3x3x4x1xi8>, i32, i32) outs(%y4 : memref<1x3x3x4x1xi32>)
  linalg.depthwise_conv_2d_nhwc_hwcm_q {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x4, %wm, %izp, %zero : memref<1x5x5x4xi8>, memref<3x3x4x2xi8>, i32, i32) outs(%ym : memref<1x3x3x4x2xi32>)
  return
}

// A fixed matmul tile does not apply to depthwise convolutions: they keep their own tile, so
// that a whole model compiles with --mema-schedule=fixed:2x2.
// FIXED: remark: mema: depthwise 8 channels x 20 pixels x 9 taps: tile 4 channels x {{[0-9]+}} pixels

// Without DSP (no UXTB16, SMLABB) depthwise convolutions stay as they are.
// NODSP: remark: mema: depthwise conv left unchanged: target 'cortex-m3' has no DSP extension (SMLABB/SXTB16)
