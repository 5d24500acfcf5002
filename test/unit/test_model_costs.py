"""The closed-form counts against a per-tile enumeration of the emitted instruction stream.

The reference below walks every tile (full and edge), writes down the instructions the
generator emits for it in the order overhead.py documents, and times that stream with the
shared table (a single load/store costs 2, or 1 right after another). It shares no formula with
costs.py, only the kernel description and the overhead constants.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from mema_mlir.model import Problem, Schedule, load_target, predict, schedule_space
from mema_mlir.model.cases import random_problem, random_target
from mema_mlir.model.overhead import OVERHEAD, Overhead

LOADS_STORES = ("load", "store")


def group_stream(problem: Problem, s: Schedule, rows: int, cols: int) -> list[tuple[str, str, int]]:
    """One k-group of an rows x cols tile as (class, operand, bytes) in emitted order."""
    e = problem.elem_bytes
    if s.kernel == "mla":
        loads = [("load", "A", e)] * rows + [("load", "B", e)] * cols
        return loads + [("mul", "", 0)] * (rows * cols)
    a = {"bytes": [("load", "A", 4)] * rows, "pairs": [("load", "A", 4)] * (2 * rows),
         "halves": [("load", "A", 4)] * rows}[s.a_form]
    if s.b_form == "words":
        b = [("load", "B", 4)] * cols
    elif problem.elem == "i8":
        b = [("load", "B", 1)] * (4 * cols)
    else:
        b = [("load", "B", 2)] * (2 * cols)
    ops: list[tuple[str, str, int]] = []
    if s.a_form == "bytes":
        ops += [("extend", "", 0)] * (2 * rows)
    if s.b_form == "words" and problem.elem == "i8":
        ops += [("extend", "", 0)] * (2 * cols)
    if s.b_form == "strided":
        ops += [("alu", "", 0)] * ((2 if problem.elem == "i8" else 1) * cols)
    macs = (2 if problem.elem == "i8" else 1) * rows * cols
    return a + b + ops + [("dsp_mac", "", 0)] * macs


def remainder_stream(problem: Problem, s: Schedule, rows: int, cols: int) -> list[tuple[str, str, int]]:
    """One leftover k (K % group): element loads and MLA."""
    a_bytes = 2 if s.a_form in ("pairs", "halves") else problem.elem_bytes
    return ([("load", "A", a_bytes)] * rows + [("load", "B", problem.elem_bytes)] * cols
            + [("mul", "", 0)] * (rows * cols))


def loop_stream(body: list[tuple[str, str, int]], trips: int, o: Overhead) -> list[tuple[str, str, int]]:
    if trips == 0:
        return []
    if trips <= o.k_loop_straight_line_trips:
        return body * trips
    out = [("alu", "", 0)] * o.k_loop_setup_alu
    for trip in range(trips):
        out += body + [("alu", "", 0)] * o.k_iteration_alu
        out.append(("branch", "taken" if trip < trips - 1 else "", 0))
    return out


def tile_stream(problem: Problem, s: Schedule, rows: int, cols: int, o: Overhead) -> list[tuple[str, str, int]]:
    group = 1 if s.kernel == "mla" else (4 if problem.elem == "i8" else 2)
    groups, rest = divmod(problem.k, group)
    body = group_stream(problem, s, rows, cols)
    out = [("alu", "", 0)] * o.tile_alu + [("load", "C", 4)] * (rows * cols)
    out += loop_stream(body * s.ku, groups // s.ku, o)
    out += loop_stream(body, groups % s.ku, o)
    out += loop_stream(remainder_stream(problem, s, rows, cols), rest, o)
    out += [("store", "C", 4)] * (rows * cols)
    out += [("branch", "taken", 0)] * o.tile_branches_taken
    return out


def blocks(extent: int, size: int) -> list[int]:
    return [min(size, extent - start) for start in range(0, extent, size)]


def reference(problem: Problem, s: Schedule, o: Overhead = OVERHEAD) -> dict:
    """Counts and est. cycles by walking every tile of the emitted nest."""
    rows, cols = blocks(problem.m, s.mr), blocks(problem.n, s.nr)
    outer, inner = (rows, cols) if s.loop_order == "ij" else (cols, rows)
    stream = [("alu", "", 0)] * o.call_alu
    for outer_size in outer:
        stream += [("alu", "", 0)] * o.outer_alu
        for inner_size in inner:
            r, c = (outer_size, inner_size) if s.loop_order == "ij" else (inner_size, outer_size)
            stream += tile_stream(problem, s, r, c, o)
        stream += [("branch", "taken", 0)] * o.outer_branches_taken
    counts: Counter = Counter()
    cycles = 2 * (1 + o.call_saved_registers) + 2  # PUSH, POP {.., pc}
    previous = ""
    for cls, tag, nbytes in stream:
        counts[cls] += 1
        if cls in LOADS_STORES:
            counts[f"{cls}_{tag}"] += 1
            counts[f"{cls}_bytes_{tag}"] += nbytes
            # k-loop operand loads pipeline only when issued back to back (overhead setting).
            interleaved = tag in ("A", "B") and not o.k_loads_back_to_back
            cycles += 1 if previous in LOADS_STORES and not interleaved else 2
        elif cls == "branch":
            cycles += 3 if tag == "taken" else 1
        else:
            cycles += 1
        previous = cls
    counts["cycles"] = cycles
    return counts


def check_against_reference(problem: Problem, s: Schedule, target_name: str = "cortex-m4") -> None:
    target = load_target(target_name)
    cost = predict(problem, s, target)
    ref = reference(problem, s)
    assert cost.operand_loads == {"A": ref["load_A"], "B": ref["load_B"], "C": ref["load_C"]}
    assert cost.operand_load_bytes == {"A": ref["load_bytes_A"], "B": ref["load_bytes_B"],
                                       "C": ref["load_bytes_C"]}
    assert (cost.loads, cost.stores) == (ref["load"], ref["store"])
    assert cost.store_bytes == ref["store_bytes_C"]
    for cls in ("load", "store", "extend", "alu", "dsp_mac", "mul", "branch"):
        assert cost.instructions_by_class[cls] == ref[cls], cls
    assert cost.instructions == sum(ref[c] for c in ("load", "store", "extend", "alu", "dsp_mac",
                                                     "mul", "branch")) + 2
    assert cost.cycles == ref["cycles"]


def test_closed_form_matches_tile_walk_on_random_schedules():
    rng = random.Random(1234)
    checked = 0
    while checked < 150:
        problem = random_problem(rng, top=32)
        target = random_target(rng)
        space = list(schedule_space(problem, target))
        for s in rng.sample(space, min(3, len(space))):
            check_against_reference(problem, s)
            checked += 1


@pytest.mark.parametrize("shape", [(7, 5, 13), (1, 1, 1), (10, 1, 19), (3, 9, 6), (12, 12, 9)])
def test_closed_form_matches_tile_walk_across_the_space(shape):
    rng = random.Random(sum(shape))
    for elem in ("i8", "i16"):
        for contiguous in (True, False):
            problem = Problem(*shape, elem=elem, b_k_contiguous=contiguous)
            space = list(schedule_space(problem, load_target()))
            for s in rng.sample(space, min(30, len(space))):
                check_against_reference(problem, s)


def test_known_counts_2x2_bytes_words():
    # 64x64x576 int8, 2x2 tile: A and B each read 32 times per element word, C once each way.
    problem = Problem(64, 64, 576)
    cost = predict(problem, Schedule(2, 2, 4, "smlad", "bytes", "words"), load_target())
    assert cost.operand_loads == {"A": 64 * 32 * 144, "B": 64 * 32 * 144, "C": 4096}
    assert cost.stores == 4096
    assert cost.instructions_by_class["dsp_mac"] == 64 * 64 * 144 * 2
    assert cost.instructions_by_class["extend"] == 2 * (64 * 32 * 144) * 2


def test_edges_and_remainder_counted_exactly():
    # M = 5 rows in tiles of 2 (2, 2, 1); K = 7 = one group of 4 plus 3 remainder k.
    problem = Problem(5, 3, 7, b_k_contiguous=False)
    s = Schedule(2, 3, 1, "smlad", "bytes", "strided")
    cost = predict(problem, s, load_target())
    # A: each row once per column block (1): 1 LDR per group + 3 LDRSB remainder.
    assert cost.operand_loads["A"] == 5 * (1 + 3)
    # B: each column once per row block (3): 4 LDRSB per group + 3 remainder.
    assert cost.operand_loads["B"] == 3 * 3 * (4 + 3)
    assert cost.operand_load_bytes["A"] == 5 * (4 + 3)
    assert cost.instructions_by_class["mul"] == 5 * 3 * 3


def test_memory_traffic_follows_placement():
    problem = Problem(16, 16, 32, a_memory="flash", b_memory="sram", c_memory="sram")
    cost = predict(problem, Schedule(2, 2, 1, "smlad", "bytes", "words"), load_target())
    assert cost.memory["flash"].reads == cost.operand_loads["A"]
    assert cost.memory["flash"].writes == 0
    assert cost.memory["sram"].reads == cost.operand_loads["B"] + cost.operand_loads["C"]
    assert cost.memory["sram"].write_bytes == 4 * 16 * 16
    target = load_target()
    flash, sram = target.memories["flash"], target.memories["sram"]
    assert cost.access_cost == pytest.approx(
        cost.memory["flash"].reads * flash.read_cycles + cost.memory["sram"].reads * sram.read_cycles
        + cost.memory["sram"].writes * sram.write_cycles)
    assert cost.energy_nj == pytest.approx(cost.cycles * target.energy_per_cycle_nj
                                           + cost.memory["flash"].reads * flash.read_energy_nj)


def test_loop_order_changes_no_access_count():
    problem = Problem(33, 17, 50)
    target = load_target()
    ij = predict(problem, Schedule(3, 2, 2, "smlad", "bytes", "words", "ij"), target)
    ji = predict(problem, Schedule(3, 2, 2, "smlad", "bytes", "words", "ji"), target)
    assert (ij.loads, ij.stores, ij.operand_loads, ij.memory) == (ji.loads, ji.stores, ji.operand_loads, ji.memory)


def test_ku_changes_only_loop_overhead():
    problem = Problem(8, 8, 100)
    target = load_target()
    costs = [predict(problem, Schedule(2, 2, ku, "smlad", "bytes", "words"), target) for ku in (1, 2, 4)]
    assert len({(c.loads, c.stores, c.instructions_by_class["dsp_mac"]) for c in costs}) == 1
    assert costs[2].instructions_by_class["branch"] < costs[0].instructions_by_class["branch"]


def test_overhead_variant_is_honoured():
    problem = Problem(9, 7, 23)
    s = Schedule(2, 3, 2, "smlad", "bytes", "words")
    variant = Overhead(k_iteration_alu=1, tile_alu=2, k_loop_straight_line_trips=3,
                       k_loads_back_to_back=True)
    cost = predict(problem, s, load_target(), overhead=variant)
    ref = reference(problem, s, variant)
    assert cost.cycles == ref["cycles"]
    assert cost.instructions_by_class["alu"] == ref["alu"]
