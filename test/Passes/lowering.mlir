// The lowering stages, by name, after mema-tile: each is a named pipeline of upstream passes.
// RUN: mema-opt %s --pass-pipeline='builtin.module(mema-tile,mema-lower-affine)' | FileCheck %s --check-prefix=AFFINE
// RUN: mema-opt %s --pass-pipeline='builtin.module(mema-tile,mema-lowering)' | FileCheck %s --check-prefix=LLVM
// RUN: mema-opt %s --emit=llvm | FileCheck %s --check-prefix=IR
// RUN: mema-opt %s --emit=asm | FileCheck %s --check-prefix=ASM
// RUN: not mema-opt %s --pass-pipeline='builtin.module(mema-lowering{x=1})' 2>&1 | FileCheck %s --check-prefix=OPTS

// One block of rows: the one-trip loop mema-tile writes around it is folded (canonicalize after
// lower-affine), so the function is straight-line. Several blocks keep their loop.
// AFFINE-LABEL: func.func @fc
// AFFINE-NOT: affine.for
// AFFINE-NOT: scf.for
// AFFINE: llvm.inline_asm has_side_effects "{{.*}}smlad
// AFFINE-NOT: scf.for
// AFFINE-LABEL: func.func @blocks
// AFFINE-NOT: affine.for
// AFFINE: scf.for
// AFFINE: llvm.inline_asm has_side_effects "{{.*}}smlad

// Bare pointers in the signature, 32-bit index arithmetic, no memref descriptor left.
// LLVM-LABEL: llvm.func @fc(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr)
// LLVM-NOT: : i64{{$}}
// LLVM-NOT: builtin.unrealized_conversion_cast
// LLVM: llvm.inline_asm has_side_effects "{{.*}}smlad

// IR: define void @fc(ptr %0, ptr %1, ptr %2)
// IR: call { {{.*}} } asm sideeffect "{{.*}}smlad{{.*}}", "=&r,{{.*}},~{cc},~{memory}"

// ASM: .globl fc
// ASM: fc:
// ASM: smlad
// ASM-NOT: bl {{.*}}memcpy
// ASM-NOT: __aeabi

// OPTS: mema-opt: error: 'mema-lowering' is a named pipeline and takes no options
func.func @fc(%a: memref<16x64xi8>, %b: memref<1x64xi8>, %c: memref<16x1xi32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<16x64xi8>, memref<1x64xi8>) outs(%c : memref<16x1xi32>)
  return
}

func.func @blocks(%a: memref<16x64xi8>, %b: memref<16x64xi8>, %c: memref<16x16xi32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<16x64xi8>, memref<16x64xi8>) outs(%c : memref<16x16xi32>)
  return
}
