// --mema-report writes one JSON entry per matmul; without a pipeline, mema-analyze produces it.
// RUN: mema-opt %s --mema-report=%t.json -o /dev/null
// RUN: FileCheck %s < %t.json
// RUN: mema-opt %s --mema-schedule=fixed:2x2 --mema-objective=energy --mema-report=%t.fixed.json -o /dev/null
// RUN: FileCheck %s --check-prefix=FIXED < %t.fixed.json
// RUN: mema-opt %s --mema-schedule=exhaustive --mema-report=%t.ex.json -o /dev/null
// RUN: FileCheck %s --check-prefix=EXHAUSTIVE < %t.ex.json
// A user's target file: a name or a path.
// RUN: mema-opt %s --mema-target=%S/Inputs/my-target.json --mema-report=%t.mine.json -o /dev/null
// RUN: FileCheck %s --check-prefix=MINE < %t.mine.json
// A bad target file names the file and the field.
// RUN: not mema-opt %s --mema-target=%S/Inputs/bad-target.json 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not mema-opt %s --mema-target=%S/Inputs/missing.json 2>&1 | FileCheck %s --check-prefix=MISSING

// CHECK: "target": "cortex-m4"
// CHECK: "ops": [
// CHECK: "function": "conv"
// CHECK: "location": "{{.*}}report.mlir:[[# @LINE + 56]]:3"
// CHECK: "m": 64,
// CHECK: "n": 32,
// CHECK: "k": 96,
// CHECK: "schedule": {
// CHECK: "mr": [[MR:[0-9]+]],
// CHECK: "nr": [[NR:[0-9]+]],
// CHECK: "objective": "cycles",
// CHECK: "predicted": {
// CHECK-NEXT: "loads": {{[0-9]+}},
// CHECK-NEXT: "stores": {{[0-9]+}},
// CHECK-NEXT: "load_bytes": {{[0-9]+}},
// CHECK-NEXT: "store_bytes": {{[0-9]+}},
// CHECK-NEXT: "instructions": {{[0-9]+}},
// CHECK-NEXT: "cycles": {{[0-9]+}},
// CHECK-NEXT: "energy_nj": {{[0-9.]+}},
// C is read and written once per element; the rest of the traffic per operand and memory.
// CHECK-NEXT: "operand_loads": {
// CHECK-NEXT: "A": {{[0-9]+}},
// CHECK-NEXT: "B": {{[0-9]+}},
// CHECK-NEXT: "buffer": {{[0-9]+}},
// CHECK-NEXT: "C": 2048
// CHECK-NEXT: },
// CHECK-NEXT: "operand_stores": {
// CHECK-NEXT: "C": 2048,
// CHECK-NEXT: "buffer": {{[0-9]+}}
// CHECK-NEXT: },
// CHECK-NEXT: "memory": {
// CHECK-NEXT: "flash": {
// CHECK-NEXT: "reads": {{[0-9]+}},
// CHECK-NEXT: "writes": 0,
// CHECK: "buffer_bytes": {{[0-9]+}}
// CHECK: "lower_bound": {
// CHECK-NEXT: "loads": {{[0-9]+}},
// CHECK-NEXT: "stores": 2048
// CHECK: "search": "analytic",
// CHECK: "search_seconds": {{[0-9.e-]+}}
// CHECK: "tile": {
// CHECK-NEXT: "mr": [[MR]],
// CHECK-NEXT: "nr": [[NR]],
// CHECK-NEXT: "kr": 96

// FIXED: "mr": 2,
// FIXED-NEXT: "nr": 2,
// FIXED: "objective": "energy",
// FIXED: "search": "fixed",

// EXHAUSTIVE: "search": "exhaustive",

// MINE: "target": "my-m4-sram-weights"

// BAD: mema-opt: error: {{.*}}bad-target.json: field 'memories.flash.read_cycles': must not be negative, got -1
// MISSING: mema-opt: error: {{.*}}missing.json{{.*}}
memref.global "private" constant @w : memref<64x96xi8> = dense<1>
func.func @conv(%x: memref<32x96xi8>, %y: memref<64x32xi32>) {
  %w = memref.get_global @w : memref<64x96xi8>
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%w, %x : memref<64x96xi8>, memref<32x96xi8>) outs(%y : memref<64x32xi32>)
  return
}
