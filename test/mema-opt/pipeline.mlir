// A pipeline mixing an upstream pass (by name, with options) and our Python pass (from our registry).
// RUN: mema-opt %s --pass-pipeline='builtin.module(canonicalize{max-iterations=2},mema-analyze{target=cortex-m4 objective=accesses},cse)' | FileCheck %s
// RUN: mema-opt %s --pass-pipeline='builtin.module(mema-analyze)' --mlir-print-ir-after-all 2>&1 >/dev/null | FileCheck %s --check-prefix=PRINT
// RUN: mema-opt --list-passes | FileCheck %s --check-prefix=LIST
// RUN: mema-opt --version | FileCheck %s --check-prefix=VERSION

// canonicalize folded the dead constant away; mema-analyze attached its decision.
// CHECK-LABEL: func.func @mm
// CHECK-NOT: arith.constant
// CHECK: linalg.matmul {mema.schedule = {{{.*}}objective = "accesses"{{.*}}}}

// PRINT: // -----// IR Dump After MemaAnalyze (mema-analyze)

// LIST: mema-analyze
// LIST: mema-tile - Tile linalg.matmul and quantized (depthwise) convolutions with MEMA's register tiles
// LIST-NEXT: target: str = cortex-m4
// LIST-NEXT: objective: cycles|accesses|energy = cycles
// LIST-NEXT: schedule: str = analytic

// VERSION: mema-opt 0.1.0
func.func @mm(%a: memref<4x8xi8>, %b: memref<8x3xi8>, %c: memref<4x3xi32>) {
  %unused = arith.constant 7 : i32
  linalg.matmul ins(%a, %b : memref<4x8xi8>, memref<8x3xi8>) outs(%c : memref<4x3xi32>)
  return
}
