# RUN: %PYTHON %s | FileCheck %s
# The Python API: mema passes inside a user's own PassManager, next to upstream passes.

from mlir.ir import Context, Location, Module
from mlir.passmanager import PassManager

from mema_mlir import api


def run(f):
    print("\nTEST:", f.__name__)
    with Context(), Location.unknown():
        f()
    return f


MATMUL = """
func.func @fc(%a: memref<16x64xi8>, %b: memref<1x64xi8>, %c: memref<16x1xi32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>,
                                 affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<16x64xi8>, memref<1x64xi8>) outs(%c : memref<16x1xi32>)
  return
}
"""


# CHECK-LABEL: TEST: tile_in_a_user_pipeline
# CHECK: decisions: 1 fc 16x1x64
# CHECK: func.func @fc
# CHECK: affine.for
# CHECK: llvm.inline_asm has_side_effects "{{.*}}smlad
# CHECK-NOT: linalg.matmul
@run
def tile_in_a_user_pipeline():
    module = Module.parse(MATMUL)
    pm = PassManager("builtin.module")
    pm.add("canonicalize")
    tile = api.add_pass(pm, "mema-tile", objective="accesses")
    pm.add("cse")
    pm.run(module.operation)
    d = tile.decisions[0]
    print(f"decisions: {len(tile.decisions)} {d.function} {d.m}x{d.n}x{d.k}")
    print(module)


# CHECK-LABEL: TEST: lower_in_a_user_pipeline
# CHECK: llvm.func @fc(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr)
@run
def lower_in_a_user_pipeline():
    module = Module.parse(MATMUL)
    pm = PassManager("builtin.module")
    api.add_pass(pm, "mema-tile")
    api.add_lowering(pm)
    pm.run(module.operation)
    print(module)


# CHECK-LABEL: TEST: compile_to_object
# CHECK: ELF object, 1 decision
@run
def compile_to_object():
    result = api.compile_module(MATMUL, emit_kind="obj")
    print("ELF object," if result.output[:4] == b"\x7fELF" else "not ELF,", len(result.decisions), "decision")


# CHECK-LABEL: TEST: bad_option
# CHECK: ValueError: pass 'mema-tile' option 'objective=speed': expected one of cycles, accesses, energy
@run
def bad_option():
    try:
        api.create_pass("mema-tile", objective="speed")
    except ValueError as err:
        print("ValueError:", err)


# CHECK-LABEL: TEST: failure_says_how_to_reproduce
# CHECK: error: mema-tile: cannot apply fixed:2x2
# CHECK: reproduce with: mema-opt --pass-pipeline='builtin.module({{.*}}one-shot-bufferize{{.*}},mema-tile,{{.*}}' --emit=obj --mema-target=cortex-m4 {{.*}}mema-repro-{{.*}}.mlir
@run
def failure_says_how_to_reproduce():
    text = MATMUL.replace("xi8", "xf32").replace("xi32", "xf32")
    try:
        api.compile_module(text, schedule="fixed:2x2")
    except api.CompileError as err:
        print(err)
