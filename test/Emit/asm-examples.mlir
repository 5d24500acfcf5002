// The bundled examples compile to Thumb-2 whose hottest inner loop is built from SMLAD and never
// touches the stack: the k loop is the micro-kernel (inline assembly, every register allocated
// once by llc). The summary line per inner loop comes from mema_mlir.asm_inspect, which also
// finds the loops inside inline assembly.

// The ResNet-8 layer: per column of B a packing loop (LDR, 2 SXTB16, STRD), then the 2x3 tile's
// k loop: 4 groups of 4 k per trip, 2 steps each, 5 words loaded back to back and 6 SMLAD per
// step; the last column block (64 = 21 x 3 + 1) has its own 2x1 kernel.
// RUN: mema-opt %S/../../examples/conv-layer.mlir --emit=asm | %PYTHON -m mema_mlir.asm_inspect | FileCheck %s --check-prefix=CONV
// CONV: resnet8_conv {{.*}}: 6 instructions, smlad=0 sxtb16=2 ldr=1 stack=0
// CONV: resnet8_conv {{.*}}: 90 instructions, smlad=48 sxtb16=0 ldr=40 stack=0
// CONV: resnet8_conv {{.*}}: 42 instructions, smlad=16 sxtb16=0 ldr=24 stack=0
// CONV-NOT: stack={{[1-9]}}

// K = 27: the micro-kernel is straight-line (7 groups, one trip of 4 and 3 more), so the
// innermost loops are llc's loops over tiles; each tile saves C's address (PUSH/POP) and llc
// reloads its loop state: a few stack accesses per tile, none per k.
// RUN: mema-opt %S/../../examples/first-conv.mlir --emit=asm | %PYTHON -m mema_mlir.asm_inspect | FileCheck %s --check-prefix=FIRST
// FIRST: resnet8_conv0 {{.*}}: {{[0-9]+}} instructions, smlad=84 sxtb16=0 ldr={{[0-9]+}} stack={{[0-9]}}{{$}}
// FIRST: resnet8_conv0 {{.*}}: {{[0-9]+}} instructions, smlad=28 sxtb16=0 ldr={{[0-9]+}} stack={{[0-9]}}{{$}}
// FIRST: resnet8_conv0 {{.*}}: 6 instructions, smlad=0 sxtb16=2 ldr=1 stack=0

// The fully-connected layer: SXTB16 on both operands (run-time weights), no stack.
// RUN: mema-opt %S/../../examples/fc-layer.mlir --emit=asm | %PYTHON -m mema_mlir.asm_inspect | FileCheck %s --check-prefix=FC
// FC: ad_fc0 {{.*}}: {{[0-9]+}} instructions, smlad={{[1-9][0-9]*}} sxtb16={{[0-9]+}} ldr={{[0-9]+}} stack=0
// FC-NOT: stack={{[1-9]}}

// RUN: mema-opt %S/../../examples/prime-shape.mlir --emit=asm | %PYTHON -m mema_mlir.asm_inspect | FileCheck %s --check-prefix=PRIME
// PRIME: prime {{.*}}: {{[0-9]+}} instructions, smlad={{[1-9][0-9]*}} sxtb16={{[0-9]+}} ldr={{[0-9]+}} stack=0
// PRIME-NOT: stack={{[1-9]}}

// The object is self-contained: every symbol it refers to is defined in it (no libc, no __aeabi).
// RUN: mema-opt %S/../../examples/conv-layer.mlir --emit=obj -o %t.o
// RUN: %llvm-nm --undefined-only %t.o | FileCheck %s --check-prefix=UNDEF --allow-empty
// UNDEF-NOT: {{.}}
// RUN: %llvm-nm --defined-only %t.o | FileCheck %s --check-prefix=DEFINED
// DEFINED: T resnet8_conv
