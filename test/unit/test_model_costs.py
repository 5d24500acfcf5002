"""The closed-form counts against a per-tile walk of the emitted code.

The reference below walks every tile (full and edge) and every packed column, takes the
instructions the generator emits for each (the micro-kernel of that exact tile shape from
microkernel.py or mla_kernel.py, the strips of full tiles as one statement) plus llc's code
around them as overhead.py counts it, and adds them up. It shares no formula with
costs.py: what it checks is that the closed form (per-tile counts affine in the tile's rows and
columns, summed over the tiles by monomials) equals the sum over the real tiles, edges included.
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter

import pytest

from mema_mlir.model import Problem, Schedule, load_target, predict, schedule_space
from mema_mlir.model.cases import random_problem, random_target
from mema_mlir.model.costs import (
    mla_spec,
    pack_spec,
    stream_level,
    stream_overhead,
    stream_spec,
    stream_trips,
    tile_spec,
)
from mema_mlir.model.im2col import Im2colSpec, im2col_program
from mema_mlir.model.microkernel import (
    STRIP_INNER,
    StripSpec,
    pack_program,
    strip_deltas,
    strip_entry_form,
    strip_forms,
    strip_program,
    tile_program,
)
from mema_mlir.model.mla_kernel import mla_program, mla_strip_program
from mema_mlir.model.overhead import OVERHEAD, Overhead
from mema_mlir.model.schedule import grid_extent
from mema_mlir.model.stationary import last_group_offsets, stream_program


def blocks(extent: int, size: int) -> list[int]:
    return [min(size, extent - start) for start in range(0, extent, size)]


def stream_reference(problem: Problem, s: Schedule, o: Overhead) -> Counter:
    """A weight- or input-stationary schedule's counts by walking every statement the generator
    writes (codegen.stream_nest): blocks of kept lines, k-slices, the last slice's offsets."""
    lines, width = s.grid(problem.elem)
    extent, total_groups = grid_extent(problem, s.family)
    slice_starts = list(range(0, total_groups, width))
    counts: Counter = Counter()
    counts["alu"] += o.call_alu
    counts["cycles"] += o.call_alu + 2 * (1 + o.call_saved_registers) + 2
    # llc's code around the statements: by the registers the schedule's block takes (not each
    # slice's), the slices before the last in a loop when there are more than two of them.
    figures = stream_overhead(stream_level(s.registers(problem.elem)), o, stream_trips(problem, s.family))

    def add(alu_and_stack: tuple[int, int]) -> None:
        counts["alu"] += alu_and_stack[0]
        counts["cycles"] += sum(alu_and_stack)

    for block in blocks(extent, lines):
        counts["alu"] += o.asm_outer_alu
        counts["branch"] += o.outer_branches_taken
        counts["cycles"] += o.asm_outer_alu + 3 * o.outer_branches_taken
        add(figures.block)
        looped = len(slice_starts) - 1 if len(slice_starts) > 2 else 0
        if looped:
            add(figures.slice_loop)
        for index, start in enumerate(slice_starts):
            groups = min(width, total_groups - start)
            spec = dataclasses.replace(stream_spec(problem, s.family, block, groups),
                                       group_offsets=last_group_offsets(problem.elem, problem.k, start, groups))
            ex = stream_program(spec).execution()
            for cls, number in ex.by_class.items():
                counts[cls] += number
            for operand in ("A", "B", "C"):
                counts[f"load_{operand}"] += ex.loads.get(operand, 0)
                counts[f"load_bytes_{operand}"] += ex.load_bytes.get(operand, 0)
            counts["store_C"] += ex.stores.get("C", 0)
            counts["store_bytes_C"] += ex.store_bytes.get("C", 0)
            counts["cycles"] += ex.cycles
            add(figures.statement)
            if index < looped:  # in the slices' loop: its back-edge
                add(figures.looped_statement)
                counts["branch"] += o.tile_branches_taken
                counts["cycles"] += 3 * o.tile_branches_taken
    return counts


def reference(problem: Problem, s: Schedule, o: Overhead = OVERHEAD) -> Counter:
    """Counts and est. cycles by walking every tile of the emitted nest."""
    if s.stationarity != "output":
        return stream_reference(problem, s, o)
    rows, cols = blocks(problem.m, s.mr), blocks(problem.n, s.nr)
    outer, inner = (rows, cols) if s.loop_order == "ij" else (cols, rows)
    counts: Counter = Counter()
    counts["alu"] += o.call_alu
    counts["cycles"] += o.call_alu + 2 * (1 + o.call_saved_registers) + 2  # PUSH, POP {.., pc}
    for outer_size in outer:
        counts["alu"] += o.asm_outer_alu
        counts["branch"] += o.outer_branches_taken
        counts["cycles"] += o.asm_outer_alu + 3 * o.outer_branches_taken
        if s.b_form == "packed":  # this column block's columns, packed
            counts["alu"] += o.pack_block_alu
            counts["cycles"] += o.pack_block_alu
            for column in range(outer_size):
                if problem.b_packed_only:  # a convolution: one statement per pixel, its filter rows
                    values = problem.b_segment_values or problem.k // problem.b_segments
                    pack = im2col_program(Im2colSpec(outer_size, column, values, problem.b_segments,
                                                     problem.b_segment_bytes or values, problem.b_table_bytes,
                                                     problem.b_zero_point)).execution()
                    statement_alu, statement_stack = o.im2col_statement_alu, o.im2col_statement_stack_cycles
                else:
                    pack = pack_program(pack_spec(problem, outer_size)).execution()
                    statement_alu, statement_stack = o.pack_column_alu, 0
                for cls, number in pack.by_class.items():
                    counts[cls] += number
                counts["alu"] += statement_alu
                counts["load_B"] += pack.loads.get("B", 0)
                counts["load_bytes_B"] += pack.load_bytes.get("B", 0)
                counts["load_T"] += pack.loads.get("T", 0)
                counts["load_bytes_T"] += pack.load_bytes.get("T", 0)
                counts["store_buffer"] += pack.stores.get("buffer", 0)
                counts["store_bytes_buffer"] += pack.store_bytes.get("buffer", 0)
                counts["cycles"] += pack.cycles + statement_alu + statement_stack
        inner_tile = s.nr if s.loop_order == "ij" else s.mr
        strip_tiles = sum(1 for size in inner if size == inner_tile)
        in_strips = s.kernel in ("smlad", "mla")
        if in_strips:  # the full inner tiles in one statement (codegen.strip_statement)
            r, c = (outer_size, inner_tile) if s.loop_order == "ij" else (inner_tile, outer_size)
            facts = (problem.elem, problem.k, problem.n, s.a_form, s.b_form, problem.a_constant,
                     *problem.c_strides, problem.requant, STRIP_INNER[s.loop_order])
            c_row, c_col = problem.c_strides
            entry_form = strip_entry_form(problem.m * c_row + problem.n * c_col)
            if s.kernel == "mla":
                strip = mla_strip_program(mla_spec(problem, s.kept, s.ku, r, c), strip_tiles,
                                          STRIP_INNER[s.loop_order], entry_form)
            else:
                strip = strip_program(StripSpec(tile_spec(problem, s.family, s.ku, r, c), strip_tiles,
                                                strip_deltas(*facts, r, c), strip_forms(*facts), entry_form))
            ex = strip.execution()
            for cls, number in ex.by_class.items():
                counts[cls] += number
            b_name = "buffer" if s.b_form == "packed" else "B"
            for operand, name in (("A", "A"), ("B", b_name), ("C", "C")):
                counts[f"load_{name}"] += ex.loads.get(operand, 0)
                counts[f"load_bytes_{name}"] += ex.load_bytes.get(operand, 0)
            counts["store_C"] += ex.stores.get("C", 0)
            counts["store_bytes_C"] += ex.store_bytes.get("C", 0)
            counts["load_Q"] += ex.loads.get("Q", 0)
            counts["load_bytes_Q"] += ex.load_bytes.get("Q", 0)
            strip_alu = (o.asm_strip_alu + (1 if strip.tile.uses_counter else 0)
                         + (o.requant_tile_alu if problem.requant else 0))
            strip_stack = o.asm_strip_stack_cycles + (o.requant_tile_stack_cycles if problem.requant else 0)
            counts["alu"] += strip_alu
            counts["cycles"] += ex.cycles + strip_alu + strip_stack
        for index, inner_size in enumerate(inner):
            if in_strips and index < strip_tiles:
                continue
            r, c = (outer_size, inner_size) if s.loop_order == "ij" else (inner_size, outer_size)
            if s.kernel == "mla":
                program = mla_program(mla_spec(problem, s.kept, s.ku, r, c))
            else:
                program = tile_program(tile_spec(problem, s.family, s.ku, r, c))
            ex = program.execution()
            for cls, number in ex.by_class.items():
                counts[cls] += number
            b_name = "buffer" if s.b_form == "packed" else "B"
            counts["load_A"] += ex.loads.get("A", 0)
            counts["load_bytes_A"] += ex.load_bytes.get("A", 0)
            counts[f"load_{b_name}"] += ex.loads.get("B", 0)
            counts[f"load_bytes_{b_name}"] += ex.load_bytes.get("B", 0)
            no_group = s.kernel == "smlad" and tile_spec(problem, s.family, s.ku, r, c).groups == 0
            base_alu, base_stack = ((o.mla_tile_alu, o.mla_tile_stack_cycles) if s.kernel == "mla"
                                    else (o.asm_tile_alu, o.asm_tile_stack_cycles) if not no_group
                                    else (o.rest_only_tile_alu_i8, o.rest_only_tile_stack_cycles_i8)
                                    if problem.elem == "i8"
                                    else (o.rest_only_tile_alu_i16, o.rest_only_tile_stack_cycles_i16))
            tile_alu = base_alu + (1 if program.uses_counter else 0) + (o.requant_tile_alu if problem.requant else 0)
            tile_stack = base_stack + (o.requant_tile_stack_cycles if problem.requant else 0)
            counts["load_Q"] += ex.loads.get("Q", 0)
            counts["load_bytes_Q"] += ex.load_bytes.get("Q", 0)
            counts["load"] += ex.loads.get("C", 0)
            counts["store"] += ex.stores.get("C", 0)
            counts["load_C"] += ex.loads.get("C", 0)
            counts["load_bytes_C"] += ex.load_bytes.get("C", 0)
            counts["store_C"] += ex.stores.get("C", 0)
            counts["store_bytes_C"] += ex.store_bytes.get("C", 0)
            counts["alu"] += tile_alu
            counts["branch"] += o.tile_branches_taken
            counts["cycles"] += ex.cycles + tile_alu + tile_stack + 3 * o.tile_branches_taken
    counts["load"] += counts["load_B"] + counts["load_T"] if s.b_form == "packed" else 0
    counts["store"] += counts["store_buffer"]
    return counts


def check_against_reference(problem: Problem, s: Schedule, target_name: str = "cortex-m4") -> None:
    target = load_target(target_name)
    cost = predict(problem, s, target)
    ref = reference(problem, s)
    tables = {"pixels": ref["load_T"]} if problem.b_packed_only else {}
    table_bytes = {"pixels": ref["load_bytes_T"]} if problem.b_packed_only else {}
    if problem.requant:
        tables["params"], table_bytes["params"] = ref["load_Q"], ref["load_bytes_Q"]
    assert cost.operand_loads == {"A": ref["load_A"], "B": ref["load_B"], "buffer": ref["load_buffer"],
                                  "C": ref["load_C"], **tables}
    assert cost.operand_load_bytes == {"A": ref["load_bytes_A"], "B": ref["load_bytes_B"],
                                       "buffer": ref["load_bytes_buffer"], "C": ref["load_bytes_C"], **table_bytes}
    assert cost.operand_stores == {"C": ref["store_C"], "buffer": ref["store_buffer"]}
    assert cost.store_bytes == ref["store_bytes_C"] + ref["store_bytes_buffer"]
    for cls in ("extend", "alu", "dsp_mac", "mul", "branch"):
        assert cost.instructions_by_class[cls] == ref[cls], cls
    for cls in ("load_multiple", "store_multiple"):  # the call's PUSH/POP and each tile's
        assert cost.instructions_by_class[cls] == 1 + ref[cls], cls
    assert cost.loads == ref["load_A"] + ref["load_B"] + ref["load_buffer"] + ref["load_C"] + sum(tables.values())
    assert cost.stores == ref["store_C"] + ref["store_buffer"]
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


def test_closed_form_matches_tile_walk_on_convolutions():
    """Convolutions seen as matmuls (B im2col'ed while packed, one statement per pixel: model.
    im2col), with and without a fused requantization, over their whole packed space."""
    rng = random.Random(77)
    checked = 0
    for _ in range(40):
        filter_rows, row_values = rng.randint(1, 4), rng.randint(1, 40)
        requant = rng.random() < 0.4
        m = rng.randint(1, 20)
        problem = Problem(m, rng.randint(1, 40), filter_rows * -(-row_values // 4) * 4, b_packed_only=True,
                          b_segments=filter_rows, b_segment_values=row_values,
                          b_segment_bytes=row_values + rng.choice([0, rng.randint(1, 100), 5000, 70_000]),
                          b_table_bytes=rng.choice([2, 4]), b_zero_point=rng.choice([0, -128, 127, 33]),
                          c_row_bytes=1 if requant else 4, c_col_bytes=m if requant else 4 * m, requant=requant)
        space = list(schedule_space(problem, load_target()))
        for s in rng.sample(space, min(6, len(space))):
            check_against_reference(problem, s)
            checked += 1
    assert checked >= 200


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
    assert cost.operand_loads == {"A": 64 * 32 * 144, "B": 64 * 32 * 144, "buffer": 0, "C": 4096}
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
    ij = predict(problem, Schedule(3, 2, 2, "smlad", "bytes", "words", loop_order="ij"), target)
    ji = predict(problem, Schedule(3, 2, 2, "smlad", "bytes", "words", loop_order="ji"), target)
    assert (ij.loads, ij.stores, ij.operand_loads, ij.memory) == (ji.loads, ji.stores, ji.operand_loads, ji.memory)


def test_ku_changes_only_loop_overhead():
    problem = Problem(8, 8, 100)
    target = load_target()
    costs = [predict(problem, Schedule(2, 2, ku, "smlad", "bytes", "words"), target) for ku in (1, 2, 4)]
    assert len({(c.loads, c.stores, c.instructions_by_class["dsp_mac"]) for c in costs}) == 1
    assert costs[2].instructions_by_class["branch"] < costs[0].instructions_by_class["branch"]


def test_overhead_variant_is_honoured():
    problem = Problem(9, 7, 23)
    variant = Overhead(mla_tile_alu=2, asm_tile_alu=3, asm_tile_stack_cycles=1, asm_strip_alu=4,
                       asm_outer_alu=9, pack_column_alu=7, pack_block_alu=5, mla_tile_stack_cycles=6)
    for s in (Schedule(2, 3, 1, "mla", "elements", "elements"),
              Schedule(2, 3, 2, "smlad", "bytes", "packed", "a", "ji")):
        cost = predict(problem, s, load_target(), overhead=variant)
        ref = reference(problem, s, variant)
        assert cost.cycles == ref["cycles"]
        assert cost.instructions_by_class["alu"] == ref["alu"]
        assert cost.cycles != predict(problem, s, load_target()).cycles


def test_packing_is_counted_once_per_column():
    # 10 x 6 x 13 int8, B [N, K] packed into int16 pairs: per column 3 LDR + 1 LDRSB (the K % 4
    # rest), 4 STRD (two words each); the micro-kernel then reads the padded buffer.
    problem = Problem(10, 6, 13)
    s = Schedule(2, 3, 4, "smlad", "pairs", "packed", "ab", "ji")
    cost = predict(problem, s, load_target())
    assert cost.operand_loads["B"] == 6 * (3 + 1)
    assert cost.operand_stores["buffer"] == 6 * 4 * 2
    # Every row block reads the whole buffer: 4 groups x 2 words per column.
    assert cost.operand_loads["buffer"] == 5 * 6 * 4 * 2
    assert cost.memory["sram"].writes == cost.operand_stores["buffer"] + 10 * 6
