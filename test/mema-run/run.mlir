// mema-run compiles each public function, runs it on the emulated Cortex-M4 and compares with
// numpy (single-matmul functions) or with upstream MLIR's own lowering (anything else), and the
// model's predicted loads/stores with the measured ones.
// RUN: mema-run %s --json %t.json | FileCheck %s
// RUN: FileCheck %s --check-prefix=JSON < %t.json
// RUN: mema-run %s --mema-target=cortex-m3 | FileCheck %s --check-prefix=M3
// RUN: not mema-run %S/does-not-exist.mlir 2>&1 | FileCheck %s --check-prefix=MISSING

// CHECK: function
// CHECK: two_layers {{.*}} ok{{$}}
// CHECK: weights_in_flash {{.*}}9x1x40 {{ *}}[[L:[0-9]+]]/[[L]] {{.*}} ok (numpy)
// CHECK: est. cycles: from the Cortex-M4 timing table
// JSON: "function": "two_layers"
// JSON: "ok": true
// M3: weights_in_flash {{.*}} ok (numpy)
// MISSING: mema-run: error: cannot open input file '{{.*}}does-not-exist.mlir'

// Two matmuls in one function: checked against the upstream lowering.
func.func @two_layers(%a: memref<6x10xi8>, %b: memref<10x5xi8>, %c: memref<6x5xi32>,
                      %d: memref<3x10xi8>, %e: memref<3x5xi32>) {
  linalg.matmul ins(%a, %b : memref<6x10xi8>, memref<10x5xi8>) outs(%c : memref<6x5xi32>)
  linalg.matmul ins(%d, %b : memref<3x10xi8>, memref<10x5xi8>) outs(%e : memref<3x5xi32>)
  return
}

memref.global "private" constant @w : memref<9x40xi8> = dense<-128>
func.func @weights_in_flash(%x: memref<1x40xi8>, %y: memref<9x1xi32>) {
  %w = memref.get_global @w : memref<9x40xi8>
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%w, %x : memref<9x40xi8>, memref<1x40xi8>) outs(%y : memref<9x1xi32>)
  return
}
