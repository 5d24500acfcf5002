// An object that does not fit the target's memories is still written (it may be meant for a
// bigger part), with a warning per memory; exit 0. The small test target has 16 KiB of flash
// and 2 KiB of SRAM: the ResNet-8 layer's weights (36 KiB, pre-expanded to 72 KiB) do not fit.
// RUN: mema-opt %S/../../examples/conv-layer.mlir --emit=obj -o %t.o --mema-target=%S/Inputs/small-target.json 2>&1 | FileCheck %s
// RUN: mema-opt %S/../../examples/fc-layer.mlir --emit=obj -o %t.fc.o --mema-target=%S/Inputs/small-target.json 2>&1 | FileCheck %s --allow-empty --check-prefix=FITS
// CHECK: mema-opt: warning: the object needs {{[0-9,]+}} bytes of code and constants in 'flash'; target 'small-m4' has 16,384
// CHECK-NOT: in 'sram'
// FITS-NOT: warning
