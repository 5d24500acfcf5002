"""Every tile the model calls legal on the Cortex-M4 compiles without touching the stack in its
inner loops: the model's register count matches what llc really allocates.

This is the guard on mema_mlir/model/registers.py: if llc needs more registers than the model
counts, a spill (stack reads and writes, memory accesses the model did not predict) shows here.
"""

from __future__ import annotations

import pytest
from mlir.ir import Context, Module

from mema_mlir import emit, model
from mema_mlir.asm_inspect import innermost_loops
from mema_mlir.codegen import KernelWriter, OperandLayout, TileParams

CORTEX_M4 = model.load_target("cortex-m4")

PROBLEMS = [
    # (m, n, k, elem, B K-contiguous, A constant)
    (64, 64, 576, "i8", True, True),
    (64, 64, 576, "i8", True, False),
    (48, 40, 64, "i8", False, False),
    (32, 32, 288, "i16", True, False),
    (32, 32, 96, "i16", False, False),
]


def _legal_tiles(problem: model.Problem) -> list[model.Schedule]:
    seen: dict[tuple, model.Schedule] = {}
    for schedule in model.schedule_space(problem, CORTEX_M4):
        key = (schedule.mr, schedule.nr, schedule.ku, schedule.kernel, schedule.a_form, schedule.b_form)
        seen.setdefault(key, schedule)  # the loop order does not change the inner loop
    return list(seen.values())


def _asm(problem: model.Problem, schedule: model.Schedule) -> str:
    m, n, k, elem = problem.m, problem.n, problem.k, problem.elem
    a_elem = "i16" if schedule.a_form == "pairs" or elem == "i16" else "i8"
    b_shape = f"{n}x{k}" if problem.b_k_contiguous else f"{k}x{n}"
    layout = OperandLayout(m, n, k, elem, f"memref<{m}x{k}x{a_elem}>", f"memref<{b_shape}x{elem}>",
                           f"memref<{m}x{n}xi32>", schedule.a_form == "pairs", problem.b_k_contiguous)
    tile = TileParams(schedule.mr, schedule.nr, schedule.ku, schedule.kernel, schedule.a_form,
                      schedule.b_form, schedule.loop_order)
    with Context():
        module = Module.parse(KernelWriter(layout, tile, "{}").write())
        emit.lower_to_llvm_dialect(module)
        return emit.emit_lowered(module, CORTEX_M4, "asm").decode()


@pytest.mark.parametrize("shape", PROBLEMS, ids=lambda s: f"{s[0]}x{s[1]}x{s[2]}-{s[3]}-{'kn' if s[4] else 'strided'}")
def test_legal_tiles_do_not_spill(shape: tuple) -> None:
    m, n, k, elem, b_contiguous, a_constant = shape
    problem = model.Problem(m=m, n=n, k=k, elem=elem, b_k_contiguous=b_contiguous, a_constant=a_constant,
                            b_constant=False, a_memory="flash" if a_constant else "sram",
                            b_memory="sram", c_memory="sram")
    spilling = []
    for schedule in _legal_tiles(problem):
        loops = innermost_loops(_asm(problem, schedule))
        assert loops, f"no inner loop found for {schedule}"
        stack = [i for loop in loops for i in loop.stack_accesses]
        if stack:
            spilling.append(f"{schedule.mr}x{schedule.nr} ku={schedule.ku} {schedule.kernel} "
                            f"{schedule.a_form}/{schedule.b_form}: {stack[:3]}")
    assert not spilling, "tiles the model calls legal spill:\n" + "\n".join(spilling)
