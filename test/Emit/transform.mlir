// RUN: mema-opt %s --emit=transform --mema-schedule=fixed:3x2 | FileCheck %s
// The script applies without Python, in upstream mlir-opt:
// RUN: mema-opt %s --emit=transform --mema-schedule=fixed:3x2 | %mlir-opt --transform-interpreter | FileCheck %s --check-prefix=APPLIED

// CHECK: module attributes {transform.with_named_sequence}
// CHECK: linalg.matmul {{.*}}mema.id = 0 : i64
// CHECK: transform.named_sequence @__transform_main
// CHECK: %[[MM:.*]] = transform.structured.match ops{["linalg.matmul"]} attributes{mema.id = 0 : i64}
// CHECK: transform.structured.tile_using_for %[[MM]] tile_sizes [3, 2, 0]

// APPLIED: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %[[S3:.*]] {
// APPLIED: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %[[S2:.*]] {
// APPLIED: linalg.matmul {{.*}} ins(%{{.*}}, %{{.*}} : memref<3x20xi8, {{.*}}>, memref<20x2xi8, {{.*}}>) outs(%{{.*}} : memref<3x2xi32, {{.*}}>)
func.func @mm(%a: memref<9x20xi8>, %b: memref<20x8xi8>, %c: memref<9x8xi32>) {
  linalg.matmul ins(%a, %b : memref<9x20xi8>, memref<20x8xi8>) outs(%c : memref<9x8xi32>)
  return
}
