// The bundled examples compile to Thumb-2 whose hottest inner loop is built from SMLAD (with
// SXTB16 splitting int8 words) and never touches the stack: no spill.
// The summary line per inner loop comes from mema_mlir.asm_inspect.

// RUN: mema-opt %S/../../examples/conv-layer.mlir --emit=asm | %PYTHON -m mema_mlir.asm_inspect | FileCheck %s --check-prefix=CONV
// CONV: resnet8_conv {{.*}}: {{[0-9]+}} instructions, smlad=8 sxtb16=8 ldr=4 stack=0

// RUN: mema-opt %S/../../examples/first-conv.mlir --emit=asm | %PYTHON -m mema_mlir.asm_inspect | FileCheck %s --check-prefix=FIRST
// FIRST: resnet8_conv0 {{.*}}: {{[0-9]+}} instructions, smlad=8 sxtb16=8 ldr=4 stack=0
// The K % 4 = 3 remainder loop: element loads, no SMLAD.
// FIRST: resnet8_conv0 {{.*}}: {{[0-9]+}} instructions, smlad=0 sxtb16=0 ldr=4 stack=0

// RUN: mema-opt %S/../../examples/fc-layer.mlir --emit=asm | %PYTHON -m mema_mlir.asm_inspect | FileCheck %s --check-prefix=FC
// FC: ad_fc0 {{.*}}: {{[0-9]+}} instructions, smlad=8 sxtb16=10 ldr=5 stack=0

// RUN: mema-opt %S/../../examples/prime-shape.mlir --emit=asm | %PYTHON -m mema_mlir.asm_inspect | FileCheck %s --check-prefix=PRIME
// PRIME: prime {{.*}}: {{[0-9]+}} instructions, smlad=8 sxtb16=8 ldr=8 stack=0
// PRIME-NOT: stack={{[1-9]}}

// The object is self-contained: every symbol it refers to is defined in it (no libc, no __aeabi).
// RUN: mema-opt %S/../../examples/conv-layer.mlir --emit=obj -o %t.o
// RUN: %llvm-nm --undefined-only %t.o | FileCheck %s --check-prefix=UNDEF --allow-empty
// UNDEF-NOT: {{.}}
// RUN: %llvm-nm --defined-only %t.o | FileCheck %s --check-prefix=DEFINED
// DEFINED: T resnet8_conv
