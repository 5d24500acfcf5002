// The bundled examples compile to Thumb-2 whose hottest inner loop is built from SMLAD and never
// touches the stack: the k loop is the micro-kernel (inline assembly, every register allocated
// once by llc). The summary line per inner loop comes from mema_mlir.asm_inspect, which also
// finds the loops inside inline assembly.

// The ResNet-8 layer: per column of B a packing loop (4 LDR back to back, 8 SXTB16, 8 STR back
// to back, one pointer step: 4 words per trip), then the 2x3 tile's k loop: 8 groups of 4 k per
// trip, 2 steps each, 5 words loaded back to back and 6 SMLAD per step; the last column block
// (64 = 21 x 3 + 1) has its own 2x1 kernel.
// RUN: mema-opt %S/../../examples/conv-layer.mlir --emit=asm | %PYTHON -m mema_mlir.asm_inspect | FileCheck %s --check-prefix=CONV
// CONV: resnet8_conv {{.*}}: 23 instructions, smlad=0 sxtb16=8 ldr=4 stack=0
// CONV: resnet8_conv {{.*}}: 178 instructions, smlad=96 sxtb16=0 ldr=80 stack=0
// CONV: resnet8_conv {{.*}}: 82 instructions, smlad=32 sxtb16=0 ldr=48 stack=0
// CONV-NOT: stack={{[1-9]}}

// K = 27: the micro-kernel is straight-line (7 groups, one trip of 4 and 3 more), so the
// innermost loops are llc's loops over tiles; each tile saves C's address (PUSH/POP) and llc
// reloads its loop state: a few stack accesses per tile, none per k. Packing a column (6 words
// and 3 bytes) is straight-line too: no loop of its own.
// RUN: mema-opt %S/../../examples/first-conv.mlir --emit=asm | %PYTHON -m mema_mlir.asm_inspect | FileCheck %s --check-prefix=FIRST
// FIRST-NOT: sxtb16={{[1-9]}}
// FIRST: resnet8_conv0 {{.*}}: {{[0-9]+}} instructions, smlad=84 sxtb16=0 ldr={{[0-9]+}} stack={{[0-9]}}{{$}}
// FIRST: resnet8_conv0 {{.*}}: {{[0-9]+}} instructions, smlad=28 sxtb16=0 ldr={{[0-9]+}} stack={{[0-9]}}{{$}}
// FIRST-NOT: sxtb16={{[1-9]}}

// The fully-connected layer: SXTB16 on both operands (run-time weights), no stack.
// RUN: mema-opt %S/../../examples/fc-layer.mlir --emit=asm | %PYTHON -m mema_mlir.asm_inspect | FileCheck %s --check-prefix=FC
// FC: ad_fc0 {{.*}}: {{[0-9]+}} instructions, smlad={{[1-9][0-9]*}} sxtb16={{[0-9]+}} ldr={{[0-9]+}} stack=0
// FC-NOT: stack={{[1-9]}}

// The prime shape: K = 35 is 8 groups and a rest of 3, one straight-line trip of 8 per tile, so
// the innermost loops are llc's loops over tiles: a few stack accesses per tile, none per k.
// RUN: mema-opt %S/../../examples/prime-shape.mlir --emit=asm | %PYTHON -m mema_mlir.asm_inspect | FileCheck %s --check-prefix=PRIME
// PRIME: prime {{.*}}: {{[0-9]+}} instructions, smlad={{[1-9][0-9]*}} sxtb16={{[0-9]+}} ldr={{[0-9]+}} stack={{[0-9]}}{{$}}
// PRIME: prime {{.*}}: {{[0-9]+}} instructions, smlad={{[1-9][0-9]*}} sxtb16={{[0-9]+}} ldr={{[0-9]+}} stack={{[0-9]}}{{$}}

// The object is self-contained: every symbol it refers to is defined in it (no libc, no __aeabi).
// RUN: mema-opt %S/../../examples/conv-layer.mlir --emit=obj -o %t.o
// RUN: %llvm-nm --undefined-only %t.o | FileCheck %s --check-prefix=UNDEF --allow-empty
// UNDEF-NOT: {{.}}
// RUN: %llvm-nm --defined-only %t.o | FileCheck %s --check-prefix=DEFINED
// DEFINED: T resnet8_conv
