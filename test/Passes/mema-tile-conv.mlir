// RUN: mema-opt %s --split-input-file --mema-remarks --pass-pipeline='builtin.module(mema-tile)' 2>&1 | FileCheck %s
// RUN: mema-opt %s --split-input-file --mema-remarks --pass-pipeline='builtin.module(mema-tile{target=cortex-m3})' 2>&1 | FileCheck %s --check-prefix=NODSP

// A quantized convolution is tiled as the matmul C[F, pixels] += filter[F, KH*KW*C] . im2col(input):
// the constant filter re-laid out in panels (int16 pairs), the input packed per block of output
// pixels, one packing statement per pixel: it reads the pixel's input offset from a constant
// table (halfwords) and packs its 3 filter rows (KW*C = 12 contiguous bytes of NHWC each, rows
// W*C = 24 bytes apart: a 12-byte step after each), the zero point subtracted from both
// halfwords (SSUB16 with -128 in each: 0xFF80FF80); C is the output, pixel-major: a tile's rows
// are output channels 4 bytes apart.
// Remarks print first (stderr), one per op of each chunk, at the op.
// CHECK: mema-tile-conv.mlir:{{[0-9]+}}:3: remark: mema: conv as 8x20x36 i8: tile [[MR:[0-9]+]]x[[NR:[0-9]+]] smlad (A pairs, B packed, {{.*}}loop order ji)
// CHECK: remark: mema: conv as 5x16x12 i8
// CHECK: remark: mema: conv left unchanged: filter zero point 3: only symmetric filters (zero point 0) are supported
// CHECK: remark: mema: conv left unchanged: dilations [2, 2]: only 1 is supported
// Pixel p = (p // 4, p % 4) starts at input[p // 4, p % 4, 0]: byte (p // 4 * 6 + p % 4) * 4.
// CHECK: memref.global "private" constant @[[PIX:__mema_pixels[0-9]+]] : memref<20xi16> = dense<[0, 4, 8, 12, 24, 28, 32, 36, 48, 52, 56, 60, 72, 76, 80, 84, 96, 100, 104, 108]>
// CHECK-DAG: memref.global "private" @[[PACK:__mema_pack[0-9]+]] : memref<{{[0-9]+}}xi16> = dense<0>
// CHECK-DAG: memref.global "private" constant @w__mema_pairs_[[MR]] : memref<288xi16>
// CHECK-LABEL: func.func @conv
// CHECK-DAG: %[[ZP2:.*]] = arith.constant -8323200 : i32
// CHECK: memref.get_global @[[PIX]]
// CHECK: affine.for %[[P:.*]] = 0 to {{[0-9]+}} step [[NR]] {
// CHECK: llvm.inline_asm has_side_effects "ldrh $0, [$6]\0A\09add $0, $0, $7\0A\09movw $2, #3\0A\091:\0A\09ldr $4, [$0], #4\0A\09sxtb16 $3, $4\0A\09sxtb16 $4, $4, ror #8\0A\09ssub16 $3, $3, $8\0A\09ssub16 $4, $4, $8\0A\09strd $3, $4, [$1], #{{[0-9]+}}\0A\09subs $2, $2, #1\0A\09bne 1b\0A\09addw $0, $0, #12\0A\09movw $2, #3\0A\091:
// CHECK-SAME: %[[ZP2]] :
// The block's next pixel: the table's next entry, the panel's next column.
// CHECK: llvm.inline_asm has_side_effects "ldrh $0, [$6, #2]\0A\09add $0, $0, $7
// The 8 output channels of the block: one strip of tiles.
// CHECK-NOT: affine.for
// C[f, p] at (p * 8 + f) * 4: output channel f+1 is 4 bytes on, pixel p+1 32 bytes on.
// CHECK: llvm.inline_asm has_side_effects "addw $[[E:[0-9]+]], $[[C:[0-9]+]], #{{[0-9]+}}\0A\09str $[[E]], [sp, #-4]!\0A\092:\0A\09str $[[C]], [sp, #-4]!\0A\09ldr $0, [$[[C]]]\0A\09ldr $3, [$[[C]], #4]\0A\09ldr $1, [$[[C]], #32]\0A\09ldr $4, [$[[C]], #36]
// CHECK-SAME: smlad
// CHECK-NOT: linalg.conv_2d_nhwc_fhwc_q
memref.global "private" constant @w : memref<8x3x3x4xi8> = dense<3>
func.func @conv(%x: memref<1x7x6x4xi8>, %y: memref<1x5x4x8xi32>) {
  %w = memref.get_global @w : memref<8x3x3x4xi8>
  %izp = arith.constant -128 : i32
  %wzp = arith.constant 0 : i32
  linalg.conv_2d_nhwc_fhwc_q {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w, %izp, %wzp : memref<1x7x6x4xi8>, memref<8x3x3x4xi8>, i32, i32) outs(%y : memref<1x5x4x8xi32>)
  return
}

// -----

// A filter row of KW*C = 3 values is padded to a group of 4 (zeros in the filter's panel, the
// packing fills the slot with 0): K = 3 rows x 4 = 12 (remark above).
// CHECK-LABEL: func.func @padded_rows
// CHECK: return
memref.global "private" constant @rgb : memref<5x3x3x1xi8> = dense<1>
func.func @padded_rows(%x: memref<1x9x9x1xi8>, %y: memref<1x4x4x5xi32>) {
  %w = memref.get_global @rgb : memref<5x3x3x1xi8>
  %izp = arith.constant 5 : i32
  %wzp = arith.constant 0 : i32
  linalg.conv_2d_nhwc_fhwc_q {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%x, %w, %izp, %wzp : memref<1x9x9x1xi8>, memref<5x3x3x1xi8>, i32, i32) outs(%y : memref<1x4x4x5xi32>)
  return
}

// -----

// What is not supported stays as it is, said at the op (remarks above): a filter zero point,
// dilation.
// CHECK-LABEL: func.func @unsupported
// CHECK-COUNT-2: linalg.conv_2d_nhwc_fhwc_q
func.func @unsupported(%x: memref<1x7x6x4xi8>, %w: memref<8x3x3x4xi8>, %y: memref<1x5x4x8xi32>, %y2: memref<1x3x2x8xi32>) {
  %izp = arith.constant -128 : i32
  %wzp = arith.constant 3 : i32
  %zero = arith.constant 0 : i32
  linalg.conv_2d_nhwc_fhwc_q {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w, %izp, %wzp : memref<1x7x6x4xi8>, memref<8x3x3x4xi8>, i32, i32) outs(%y : memref<1x5x4x8xi32>)
  linalg.conv_2d_nhwc_fhwc_q {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w, %izp, %zero : memref<1x7x6x4xi8>, memref<8x3x3x4xi8>, i32, i32) outs(%y2 : memref<1x3x2x8xi32>)
  return
}

// Without DSP there is no kernel that reads a packed input: convolutions stay as they are.
// NODSP: remark: mema: conv left unchanged: no kernel of target 'cortex-m3' applies
