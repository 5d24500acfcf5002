// RUN: mema-opt %s --split-input-file --mema-remarks --pass-pipeline='builtin.module(mema-tile)' 2>&1 | FileCheck %s

// A TFLite layer after bufferization: the int32 buffer filled with the bias, the convolution,
// the requantization (per-channel multiplier and shift, output zero point -128, clamp to int8).
// mema-tile fuses all three: the accumulators start at the bias, whose table row also holds the
// input zero point folded in (bias - zp_in * sum of the filter row: the packing statement no
// longer subtracts it), and each tile leaves its outputs requantized: SMMLA by the multiplier
// with the rounding and output zero point as addend, ASR by the shift past 32, SSAT #8, STRB.
// CHECK: mema-tile-requant.mlir:{{[0-9]+}}:3: remark: mema: conv as 3x4x36 i8: tile {{.*}}; bias and requantization fused into the tile
// CHECK: remark: mema: conv as 3x4x36 i8: {{.*}}; requantization not fused: clamp [0, 127]: only [-128, 127] (SSAT #8) is fused
// CHECK: remark: mema: depthwise 4 channels x 4 pixels x 9 taps: tile 4 channels x 2 pixels {{.*}}; bias and requantization fused into the tile
// Per output channel: bias with zp folded, multiplier, 2^(s-33) + zp_out * 2^(s-32), s - 32
// (channel 0: bias -2^31 + 128 * sum(w[0]) wraps; s = 44: 2048 - 128 * 4096).
// CHECK: memref.global "private" constant @__mema_requant0 : memref<12xi32> = dense<[2147450368, 1581824319, -522240, 12, -2147459329, 1623306108, -66846720, 19, 166085, 1884596761, -16320, 7]>
// The absorbed ops' constants are gone with them.
// CHECK-NOT: memref.global "private" constant @mult
// CHECK-LABEL: func.func @qconv
// CHECK-NOT: linalg.generic
// CHECK-NOT: memref.alloc
// The packing statement: SXTB16 only (no SSUB16: the zero point is in the bias).
// CHECK: llvm.inline_asm has_side_effects "ldrh $0, [$6]\0A\09add $0, $0, $7\0A\09movw $2, #3\0A\091:\0A\09ldr $4, [$0], #4\0A\09sxtb16 $3, $4\0A\09sxtb16 $4, $4, ror #8\0A\09strd
// The tile, the only one of its strip (3 channels): K = 36 is 9 groups, one trip of 8 and one
// more, straight-line (no loop counter, so the shift takes a scratch register of its own).
// CHECK: llvm.inline_asm has_side_effects "addw $0, $8, #0\0A\09str $0, [sp, #-4]!\0A\092:\0A\09ldr $0, [$9]\0A\09ldr $1, [$9]\0A\09ldr $2, [$9, #16]
// CHECK-SAME: str $8, [sp, #-4]!\0A\09str $9, [sp, #-4]!\0A\09ldr
// The epilogue: C's address and the table row back; the operand pointers saved while they
// serve as the multiplier and the addend.
// CHECK-SAME: ldr $9, [sp], #4\0A\09ldr $8, [sp], #4\0A\09str $6, [sp, #-4]!\0A\09str $7, [sp, #-4]!\0A\09ldr $6, [$9, #4]\0A\09ldr $7, [$9, #8]\0A\09ldr $10, [$9, #12]\0A\09smmla $0, $0, $6, $7\0A\09asr $0, $0, $10\0A\09ssat $0, #8, $0
// Output channel c of pixel p at p * 3 + c.
// CHECK-SAME: strb $0, [$8]\0A\09strb $1, [$8, #3]\0A\09ldr $6, [$9, #20]
// The step: the pointers restored, the compare, C and the table row 3 channels on, B's buffer
// back to its start.
// CHECK-SAME: ldr $7, [sp], #4\0A\09ldr $6, [sp], #4\0A\09ldr $0, [sp]\0A\09cmp $8, $0\0A\09addw $8, $8, #3\0A\09addw $9, $9, #48\0A\09subw $7, $7, #144\0A\09bne 2b
// CHECK-NOT: linalg.conv_2d_nhwc_fhwc_q
memref.global "private" constant @bias : memref<3xi32> = dense<[-2147483648,2147483647,104005]>
memref.global "private" constant @mult : memref<3xi32> = dense<[1581824319,1623306108,1884596761]>
memref.global "private" constant @shift : memref<3xi8> = dense<[44,51,39]>
memref.global "private" constant @w : memref<3x3x3x4xi8> = dense<[[[[-128,64,86,9],[81,-44,-13,73],[-97,-51,-97,-12]],[[122,-94,-30,-25],[103,-76,0,-61],[-123,64,-113,-57]],[[-1,-4,-99,123],[63,118,-105,57],[-53,10,108,-58]]],[[[57,-87,-46,120],[-21,4,-54,-99],[-20,31,-12,70]],[[-36,28,69,106],[-19,-118,55,7],[95,-11,-34,-113]],[[-11,36,69,90],[-73,23,77,-62],[-40,87,20,2]]],[[[44,2,123,64],[-115,-91,11,81],[-111,46,66,73]],[[95,-79,14,77],[-37,-80,-6,-108],[-72,90,42,92]],[[87,96,-49,-8],[30,-58,107,-127],[86,37,-64,127]]]]>
func.func @qconv(%x: memref<1x4x4x4xi8>, %y: memref<1x2x2x3xi8>) {
  %w = memref.get_global @w : memref<3x3x3x4xi8>
  %c1_i64 = arith.constant 1 : i64
  %zp = arith.constant -128 : i32
  %lo = arith.constant -128 : i32
  %hi = arith.constant 127 : i32
  %izp = arith.constant -128 : i32
  %wzp = arith.constant 0 : i32
  %acc = memref.alloc() : memref<1x2x2x3xi32>
  %bias = memref.get_global @bias : memref<3xi32>
  %mult = memref.get_global @mult : memref<3xi32>
  %shift = memref.get_global @shift : memref<3xi8>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%bias : memref<3xi32>) outs(%acc : memref<1x2x2x3xi32>) {
  ^bb0(%b: i32, %o: i32):
    linalg.yield %b : i32
  }
  linalg.conv_2d_nhwc_fhwc_q {dilations = dense<1> : tensor<2xi64>, strides = dense<[1, 1]> : tensor<2xi64>}
    ins(%x, %w, %izp, %wzp : memref<1x4x4x4xi8>, memref<3x3x3x4xi8>, i32, i32) outs(%acc : memref<1x2x2x3xi32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc, %mult, %shift : memref<1x2x2x3xi32>, memref<3xi32>, memref<3xi8>) outs(%y : memref<1x2x2x3xi8>) {
  ^bb0(%in: i32, %m: i32, %s: i8, %out: i8):
    %a = arith.extsi %in : i32 to i64
    %mm = arith.extsi %m : i32 to i64
    %p = arith.muli %a, %mm : i64
    %sh = arith.extui %s : i8 to i64
    %u = arith.shli %c1_i64, %sh : i64
    %h = arith.shrui %u, %c1_i64 : i64
    %r = arith.addi %p, %h : i64
    %t = arith.shrsi %r, %sh : i64
    %v = arith.trunci %t : i64 to i32
    %z = arith.addi %v, %zp : i32
    %c = arith.maxsi %z, %lo : i32
    %d = arith.minsi %c, %hi : i32
    %e = arith.trunci %d : i32 to i8
    linalg.yield %e : i8
  }
  memref.dealloc %acc : memref<1x2x2x3xi32>
  return
}

// -----

// A clamp other than int8's (a fused ReLU) is not fused: the layer keeps its int32 buffer and
// its requantization loop (remark above), and its zero point is subtracted while packing.
// CHECK-LABEL: func.func @relu
// CHECK: ssub16
// CHECK: linalg.generic
memref.global "private" constant @bias : memref<3xi32> = dense<[-2147483648,2147483647,104005]>
memref.global "private" constant @mult : memref<3xi32> = dense<[1581824319,1623306108,1884596761]>
memref.global "private" constant @shift : memref<3xi8> = dense<[44,51,39]>
memref.global "private" constant @w : memref<3x3x3x4xi8> = dense<[[[[-128,64,86,9],[81,-44,-13,73],[-97,-51,-97,-12]],[[122,-94,-30,-25],[103,-76,0,-61],[-123,64,-113,-57]],[[-1,-4,-99,123],[63,118,-105,57],[-53,10,108,-58]]],[[[57,-87,-46,120],[-21,4,-54,-99],[-20,31,-12,70]],[[-36,28,69,106],[-19,-118,55,7],[95,-11,-34,-113]],[[-11,36,69,90],[-73,23,77,-62],[-40,87,20,2]]],[[[44,2,123,64],[-115,-91,11,81],[-111,46,66,73]],[[95,-79,14,77],[-37,-80,-6,-108],[-72,90,42,92]],[[87,96,-49,-8],[30,-58,107,-127],[86,37,-64,127]]]]>
func.func @relu(%x: memref<1x4x4x4xi8>, %y: memref<1x2x2x3xi8>) {
  %w = memref.get_global @w : memref<3x3x3x4xi8>
  %c1_i64 = arith.constant 1 : i64
  %zp = arith.constant -128 : i32
  %lo = arith.constant 0 : i32
  %hi = arith.constant 127 : i32
  %izp = arith.constant -128 : i32
  %wzp = arith.constant 0 : i32
  %acc = memref.alloc() : memref<1x2x2x3xi32>
  %bias = memref.get_global @bias : memref<3xi32>
  %mult = memref.get_global @mult : memref<3xi32>
  %shift = memref.get_global @shift : memref<3xi8>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%bias : memref<3xi32>) outs(%acc : memref<1x2x2x3xi32>) {
  ^bb0(%b: i32, %o: i32):
    linalg.yield %b : i32
  }
  linalg.conv_2d_nhwc_fhwc_q {dilations = dense<1> : tensor<2xi64>, strides = dense<[1, 1]> : tensor<2xi64>}
    ins(%x, %w, %izp, %wzp : memref<1x4x4x4xi8>, memref<3x3x3x4xi8>, i32, i32) outs(%acc : memref<1x2x2x3xi32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc, %mult, %shift : memref<1x2x2x3xi32>, memref<3xi32>, memref<3xi8>) outs(%y : memref<1x2x2x3xi8>) {
  ^bb0(%in: i32, %m: i32, %s: i8, %out: i8):
    %a = arith.extsi %in : i32 to i64
    %mm = arith.extsi %m : i32 to i64
    %p = arith.muli %a, %mm : i64
    %sh = arith.extui %s : i8 to i64
    %u = arith.shli %c1_i64, %sh : i64
    %h = arith.shrui %u, %c1_i64 : i64
    %r = arith.addi %p, %h : i64
    %t = arith.shrsi %r, %sh : i64
    %v = arith.trunci %t : i64 to i32
    %z = arith.addi %v, %zp : i32
    %c = arith.maxsi %z, %lo : i32
    %d = arith.minsi %c, %hi : i32
    %e = arith.trunci %d : i32 to i8
    linalg.yield %e : i8
  }
  memref.dealloc %acc : memref<1x2x2x3xi32>
  return
}

// -----

// A depthwise layer as TFLite's arrive: the buffer filled with 0, the bias added in the
// requantization's body (remark above). Fused the same way into its 4-channel tile; the input zero point -128
// folds into the bias too, so the inputs are split by SXTB16 alone (no EOR 0x80808080, UXTB16).
// CHECK: memref.global "private" constant @__mema_requant0 : memref<16xi32> = dense<[-2147460224, 1481947659, -4177920, 15,
// CHECK-LABEL: func.func @qdw
// CHECK-NOT: linalg.
// Each accumulator starts at its channel's bias; pixel p's channel c lands at p * 4 + c.
// CHECK: llvm.inline_asm has_side_effects "ldr $0, [$11]\0A\09ldr $4, [$11]\0A\09ldr $1, [$11, #16]
// CHECK-SAME: str $10, [sp, #-4]!\0A\09str $11, [sp, #-4]!\0A\09ldr $10, [$9], #8\0A\09ldr $11, [$9, #-4]\0A\09ldr $13, [$8]\0A\09sxtb16 $12, $13\0A\09sxtb16 $13, $13, ror #8\0A\09smlabb
// CHECK-SAME: ldr $11, [sp], #4\0A\09ldr $10, [sp], #4\0A\09ldr $8, [$11, #4]\0A\09ldr $9, [$11, #8]\0A\09ldr $12, [$11, #12]\0A\09smmla $0, $0, $8, $9\0A\09asr $0, $0, $12\0A\09ssat $0, #8, $0\0A\09smmla $4, $4, $8, $9\0A\09asr $4, $4, $12\0A\09ssat $4, #8, $4\0A\09strb $0, [$10]\0A\09strb $4, [$10, #4]
memref.global "private" constant @bias : memref<4x1xi32> = dense<[[-2147483648],[2147483647],[-1511],[-25917]]>
memref.global "private" constant @mult : memref<4x1xi32> = dense<[[1481947659],[1494245786],[1116456553],[1274802739]]>
memref.global "private" constant @shift : memref<4x1xi8> = dense<[[47],[41],[45],[47]]>
memref.global "private" constant @w : memref<3x3x4x1xi8> = dense<[[[[-128],[-62],[-101],[-52]],[[-23],[80],[-13],[-105]],[[-43],[25],[80],[58]]],[[[126],[-80],[97],[-114]],[[14],[-58],[-77],[40]],[[-50],[15],[-62],[-90]]],[[[63],[-18],[45],[43]],[[113],[-20],[-72],[34]],[[111],[119],[94],[127]]]]>
func.func @qdw(%x: memref<1x4x4x4xi8>, %y: memref<1x2x2x4x1xi8>) {
  %w = memref.get_global @w : memref<3x3x4x1xi8>
  %c1_i64 = arith.constant 1 : i64
  %zp = arith.constant -128 : i32
  %lo = arith.constant -128 : i32
  %hi = arith.constant 127 : i32
  %izp = arith.constant -128 : i32
  %wzp = arith.constant 0 : i32
  %acc = memref.alloc() : memref<1x2x2x4x1xi32>
  %bias = memref.get_global @bias : memref<4x1xi32>
  %mult = memref.get_global @mult : memref<4x1xi32>
  %shift = memref.get_global @shift : memref<4x1xi8>
  %c0_i32 = arith.constant 0 : i32
  linalg.fill ins(%c0_i32 : i32) outs(%acc : memref<1x2x2x4x1xi32>)
  linalg.depthwise_conv_2d_nhwc_hwcm_q {dilations = dense<1> : tensor<2xi64>, strides = dense<[1, 1]> : tensor<2xi64>}
    ins(%x, %w, %izp, %wzp : memref<1x4x4x4xi8>, memref<3x3x4x1xi8>, i32, i32) outs(%acc : memref<1x2x2x4x1xi32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d3, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d3, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d3, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%bias, %acc, %mult, %shift : memref<4x1xi32>, memref<1x2x2x4x1xi32>, memref<4x1xi32>, memref<4x1xi8>) outs(%y : memref<1x2x2x4x1xi8>) {
  ^bb0(%bv: i32, %in: i32, %m: i32, %s: i8, %out: i8):
    %sum = arith.addi %bv, %in : i32
    %a = arith.extsi %sum : i32 to i64
    %mm = arith.extsi %m : i32 to i64
    %p = arith.muli %a, %mm : i64
    %sh = arith.extui %s : i8 to i64
    %u = arith.shli %c1_i64, %sh : i64
    %h = arith.shrui %u, %c1_i64 : i64
    %r = arith.addi %p, %h : i64
    %t = arith.shrsi %r, %sh : i64
    %v = arith.trunci %t : i64 to i32
    %z = arith.addi %v, %zp : i32
    %c = arith.maxsi %z, %lo : i32
    %d = arith.minsi %c, %hi : i32
    %e = arith.trunci %d : i32 to i8
    linalg.yield %e : i8
  }
  memref.dealloc %acc : memref<1x2x2x4x1xi32>
  return
}
