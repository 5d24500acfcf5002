"""Every tile the model calls legal on the Cortex-M4 compiles, and no inner loop touches the
stack: the model's register count matches what llc really allocates.

This is the guard on mema_mlir/model/registers.py. Every kernel is inline assembly (the MLA one
for cores without DSP included): llc must find a register for every operand of the statement at
once, or it fails to compile, and a spill in an inner loop (stack reads and writes the model did
not predict) would show here.
"""

from __future__ import annotations

import pytest
from mlir.ir import Context, Module

from mema_mlir import emit, model
from mema_mlir.asm_inspect import innermost_loops
from mema_mlir.codegen import TileParams, standalone_module

CORTEX_M4 = model.load_target("cortex-m4")
CORTEX_M3 = model.load_target("cortex-m3")

PROBLEMS = [
    # (m, n, k, elem, B K-contiguous, A constant)
    (64, 64, 576, "i8", True, True),
    (64, 64, 576, "i8", True, False),
    (48, 40, 64, "i8", False, False),
    (32, 32, 288, "i16", True, False),
    (32, 32, 96, "i16", False, True),
    (16, 9, 27, "i8", False, True),
]


def _legal_tiles(problem: model.Problem, target: model.Target) -> list[model.Schedule]:
    seen: dict[tuple, model.Schedule] = {}
    for schedule in model.schedule_space(problem, target):
        # The loop order and ku do not change the registers a tile needs (a stationary block's kr does).
        key = (schedule.mr, schedule.nr, schedule.family, schedule.kr if schedule.stationarity != "output" else 0)
        seen.setdefault(key, schedule)
    return list(seen.values())


def _asm(problem: model.Problem, schedule: model.Schedule, target: model.Target) -> str:
    stationary = schedule.stationarity != "output"
    tile = TileParams(schedule.mr, schedule.nr, schedule.ku, schedule.kernel, schedule.a_form,
                      schedule.b_form, schedule.kept, schedule.loop_order,
                      schedule.kr if stationary and schedule.kr else 0)
    text = standalone_module(problem.m, problem.n, problem.k, problem.elem, tile,
                             a_constant=problem.a_constant, b_k_contiguous=problem.b_k_contiguous)
    with Context():
        module = Module.parse(text)
        emit.lower_to_llvm_dialect(module)
        return emit.emit_lowered(module, target, "asm").decode()


@pytest.mark.parametrize("target", [CORTEX_M4, CORTEX_M3], ids=lambda t: t.name)
@pytest.mark.parametrize("shape", PROBLEMS, ids=lambda s: f"{s[0]}x{s[1]}x{s[2]}-{s[3]}-{'nk' if s[4] else 'kn'}")
def test_legal_tiles_compile_without_spills(shape: tuple, target: model.Target) -> None:
    m, n, k, elem, b_contiguous, a_constant = shape
    problem = model.Problem(m=m, n=n, k=k, elem=elem, b_k_contiguous=b_contiguous, a_constant=a_constant,
                            b_constant=False, a_memory="flash" if a_constant else "sram",
                            b_memory="sram", c_memory="sram")
    spilling = []
    tiles = _legal_tiles(problem, target)
    assert tiles
    for schedule in tiles:
        loops = innermost_loops(_asm(problem, schedule, target))
        assert loops, f"no inner loop found for {schedule}"
        stack = [i for loop in loops for i in loop.stack_accesses]
        if stack:
            spilling.append(f"{schedule.mr}x{schedule.nr} {schedule.family}: {stack[:3]}")
    assert not spilling, "tiles the model calls legal spill:\n" + "\n".join(spilling)
