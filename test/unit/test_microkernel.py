"""The micro-kernel generator (mema_mlir/model/microkernel.py): the counts the model takes from
it are affine in the tile's rows and columns, its register count is the one the model uses, and
what it says the hardware does (accesses, est. cycles) is what the emulator measures running it.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from kernels import Variant, kernel_object, random_operands, run_kernel, tile_params

from mema_mlir.model import Problem, load_target
from mema_mlir.model.costs import _affine, mla_spec, tile_spec
from mema_mlir.model.microkernel import (
    MAX_TILE_LINES,
    STRIP_INNER,
    PackSpec,
    Side,
    StripSpec,
    TileSpec,
    _cycles,
    _ends_single,
    pack_program,
    pointer_step_form,
    strip_deltas,
    strip_entry_form,
    strip_forms,
    strip_program,
    tile_program,
)
from mema_mlir.model.mla_kernel import mla_program, mla_strip_program
from mema_mlir.model.registers import registers_needed, staging_registers
from mema_mlir.model.schedule import families, tile_fits

TARGET = load_target("cortex-m4")


def _counts(program) -> dict[str, int]:
    ex = program.execution()
    flat = {"cycles": ex.cycles, "scratch": program.scratch}
    flat.update({f"class {k}": v for k, v in ex.by_class.items()})
    flat.update({f"loads {k}": v for k, v in ex.loads.items()})
    flat.update({f"stores {k}": v for k, v in ex.stores.items()})
    flat.update({f"load bytes {k}": v for k, v in ex.load_bytes.items()})
    return flat


@pytest.mark.parametrize("elem", ["i8", "i16"])
@pytest.mark.parametrize("k", [1, 3, 4, 9, 27, 64])
def test_counts_are_affine_in_rows_and_columns(elem: str, k: int) -> None:
    """What the closed form relies on: every count of a tile's kernel is c0 + c1*rows + c2*cols
    + c3*rows*cols, so summing over tiles of any sizes gives the monomials of costs.py."""
    for contiguous in (True, False):
        for constant in (True, False):
            problem = Problem(16, 16, k, elem=elem, b_k_contiguous=contiguous, a_constant=constant)
            for family in families(problem, TARGET):
                if family[0] != "smlad":
                    continue
                for ku in (1, 4, 8):
                    samples = {t: _counts(tile_program(tile_spec(problem, family, ku, *t), check=False))
                               for t in ((1, 1), (2, 1), (1, 2), (2, 2))}
                    names = set().union(*(s.keys() for s in samples.values())) - {"scratch"}
                    fits = {name: _affine({t: s.get(name, 0) for t, s in samples.items()}) for name in names}
                    for rows in range(1, 9):
                        for cols in range(1, 9):
                            if not tile_fits(problem, TARGET, family, rows, cols):
                                continue
                            counts = _counts(tile_program(tile_spec(problem, family, ku, rows, cols)))
                            for name, (c0, c1, c2, c3) in fits.items():
                                assert counts.get(name, 0) == c0 + c1 * rows + c2 * cols + c3 * rows * cols, (
                                    family, ku, rows, cols, name)


def test_registers_the_model_counts_are_the_generators() -> None:
    # The generator asserts its scratch high-water mark equals scratch_registers(); the model's
    # count adds the accumulators, two pointers and the counter.
    problem = Problem(12, 12, 40)
    for family in families(problem, TARGET):
        if family[0] != "smlad":
            continue
        for rows, cols in ((1, 1), (2, 3), (4, 2), (1, 5)):
            program = tile_program(tile_spec(problem, family, 2, rows, cols), check=False)
            assert registers_needed("i8", family, rows, cols) == rows * cols + program.scratch + 3


def test_out_of_range_offsets_are_refused() -> None:
    # A run-time int8 A of K = 4104: row 1 is 4104 bytes away, beyond an LDR immediate.
    a = Side("A", "w8", 2, "rows", "i8", line_bytes=4104)
    b = Side("B", "w8", 1, "rows", "i8", line_bytes=4104)
    with pytest.raises(ValueError, match="immediate"):
        tile_program(TileSpec("i8", a, b, "b", 1, 4104))
    assert not tile_fits(Problem(2, 1, 4096, a_constant=False), TARGET, ("smlad", "bytes", "words", "b"), 2, 1)


def test_packing_pads_the_partial_group_with_zeros() -> None:
    # K = 7: one group, then 3 values packed as (k4, k6) and (k5, 0).
    program = pack_program(PackSpec("i8", "rows", 2, 7))
    text = "\n".join(program.lines())
    assert "pkhbt {t0}, {t0}, {t2}, lsl #16" in text and "uxth {t1}, {t1}" in text
    assert program.execution().stores == {"buffer": 4}  # two STRD of two words
    assert program.trips == 0  # a single group is straight-line code


@pytest.mark.parametrize("variant", [
    Variant("smlad", "pairs", "packed", "ab", "i8", True, True),
    Variant("smlad", "bytes", "words", "b", "i8", True, False),
    Variant("smlad", "bytes", "strided", "b", "i8", False, False),
    Variant("smlad", "halves", "words", "b", "i16", True, False),
], ids=lambda v: v.name)
def test_emulator_measures_what_the_kernel_says(variant: Variant) -> None:
    """One tile, K long enough for a counted loop: the loop's est. cycles in the emulator's
    trace and every data access of the tile's statement are what Program.execution() says."""
    mr, nr, k, ku = 2, 2, 100, 2
    problem = Problem(mr, nr, k, elem=variant.elem, b_k_contiguous=variant.b_k_contiguous,
                      a_constant=variant.a_constant)
    family = (variant.kernel, variant.a_form, variant.b_form, variant.kept)
    assert registers_needed(variant.elem, family, mr, nr) <= TARGET.registers
    program = tile_program(tile_spec(problem, family, ku, mr, nr))
    assert program.trips > 1
    rng = np.random.default_rng(3)
    a, b, c, expected = random_operands(rng, mr, nr, k, variant.elem, variant.b_k_contiguous)
    result = run_kernel(kernel_object(mr, nr, k, mr, nr, variant, ku), a, b, c, variant, mr)
    np.testing.assert_array_equal(result.outputs["C"], expected)
    # The k loop: the addresses run once per trip (the packing loops, if any, run once per
    # group of each column, the rest once).
    loop = [address for address, count in result.exec_counts.items() if count == program.trips]
    assert len(loop) == len(program.body) + 2  # the body, SUBS and BNE
    first = _cycles(program.body, after_single=_ends_single(program.prologue, False))
    steady = _cycles(program.body, after_single=False)
    loop_cycles = first + (program.trips - 1) * steady + program.trips + 3 * (program.trips - 1) + 1
    assert sum(result.cycles_at[address] for address in loop) == loop_cycles
    ex = program.execution()
    traffic = result.traffic.buffers
    assert traffic["A"].reads == ex.loads["A"]
    assert traffic["C"].reads == ex.loads["C"] == mr * nr
    assert traffic["C"].writes == ex.stores["C"] == mr * nr
    b_reads = sum(count.reads for name, count in traffic.items() if name == "B" or "__mema_pack" in name)
    packing = pack_program(PackSpec(variant.elem, "rows", nr, k)).execution() if variant.b_form == "packed" else None
    assert b_reads == ex.loads["B"] + (nr * packing.loads["B"] if packing else 0)


@pytest.mark.parametrize("elem, k", [("i8", 102), ("i16", 102), ("i8", 16), ("i8", 19)])
def test_emulator_times_the_packing_loop(elem: str, k: int) -> None:
    """A contiguous column's packing statement, PACK_UNROLL groups per trip (102 int8: 6 trips,
    one group left and a rest of 2; int16: 12 trips and 3 groups left; 16 or 19 int8: one trip,
    straight-line): its loop's est. cycles in the trace, and the packed buffer's writes, are
    what Program.execution() says."""
    variant = Variant("smlad", "pairs" if elem == "i8" else "halves", "packed", "ab", elem, True, True)
    mr, nr = 2, 2
    packing = pack_program(PackSpec(elem, "rows", nr, k))
    tile = tile_program(tile_spec(Problem(mr, nr, k, elem=elem), ("smlad", variant.a_form, "packed", "ab"), 1, mr, nr))
    rng = np.random.default_rng(5)
    a, b, c, expected = random_operands(rng, mr, nr, k, elem, True)
    result = run_kernel(kernel_object(mr, nr, k, mr, nr, variant, 1), a, b, c, variant, mr)
    np.testing.assert_array_equal(result.outputs["C"], expected)
    pack_writes = sum(count.writes for name, count in result.traffic.buffers.items() if "__mema_pack" in name)
    assert pack_writes == nr * packing.execution().stores["buffer"]
    if not packing.trips:
        assert k < 8 * (4 if elem == "i8" else 2)  # fewer than two trips' groups
        return
    assert packing.trips not in (tile.trips, 1)
    loop = sorted(address for address, count in result.exec_counts.items() if count == packing.trips)
    assert len(loop) == nr * (len(packing.body) + 2)  # per column: the body, SUBS and BNE
    steady = _cycles(packing.body, after_single=False)
    expected_cycles = steady * packing.trips + packing.trips + 3 * (packing.trips - 1) + 1
    # Each column's statement: its first load costs 1 less when llc's instruction before it
    # was a single load or store.
    measured = sum(result.cycles_at[address] for address in loop)
    assert nr * expected_cycles - nr <= measured <= nr * expected_cycles


@pytest.mark.parametrize("variant", [
    Variant("smlad", "bytes", "words", "b", "i8", True, False),  # "ij": A back, B on
    Variant("smlad", "pairs", "packed", "ab", "i8", True, True),  # "ji": A on (panel), B back
    Variant("smlad", "halves", "strided", "b", "i16", False, False),
], ids=lambda v: v.name)
def test_emulator_times_a_strip(variant: Variant) -> None:
    """Three full tiles in one strip statement: the trace's est. cycles over the strip's body
    (every address that runs once per tile or once per k-loop trip) and the statement's data
    accesses are what Strip.execution() says, bit-exact results."""
    mr, nr, k, ku, tiles = 2, 2, 100, 2, 3
    order = tile_params(mr, nr, variant).loop_order
    m, n = (mr, nr * tiles) if order == "ij" else (mr * tiles, nr)
    problem = Problem(m, n, k, elem=variant.elem, b_k_contiguous=variant.b_k_contiguous,
                      a_constant=variant.a_constant)
    family = (variant.kernel, variant.a_form, variant.b_form, variant.kept)
    facts = (variant.elem, k, n, variant.a_form, variant.b_form, variant.a_constant, 4 * n, 4, False,
             STRIP_INNER[order])
    strip = strip_program(StripSpec(tile_spec(problem, family, ku, mr, nr), tiles,
                                    strip_deltas(*facts, mr, nr), strip_forms(*facts),
                                    strip_entry_form(m * 4 * n + n * 4)))
    trips = strip.tile.trips
    assert trips > 1
    rng = np.random.default_rng(11)
    a, b, c, expected = random_operands(rng, m, n, k, variant.elem, variant.b_k_contiguous)
    result = run_kernel(kernel_object(m, n, k, mr, nr, variant, ku), a, b, c, variant, mr)
    np.testing.assert_array_equal(result.outputs["C"], expected)
    body = [address for address, count in result.exec_counts.items() if count in (tiles, tiles * trips)]
    ex = strip.execution()
    entry_exit = _cycles(strip.entry, after_single=False) + _cycles(strip.exit, after_single=False)
    assert sum(result.cycles_at[address] for address in body) == ex.cycles - entry_exit
    traffic = result.traffic.buffers
    assert traffic["A"].reads == ex.loads["A"]
    assert traffic["C"].reads == ex.loads["C"] == m * n
    assert traffic["C"].writes == ex.stores["C"] == m * n


def test_strip_forms_from_the_corners_equal_every_tile() -> None:
    """strip_forms reads the four corner tiles (each pointer move is affine in rows and
    columns): the same forms as over every tile of up to MAX_TILE_LINES lines."""
    rng = np.random.default_rng(5)
    for _ in range(400):
        elem = str(rng.choice(["i8", "i16"]))
        k, n = int(rng.integers(1, 700)), int(rng.integers(1, 3000))
        a_form = str(rng.choice(["bytes", "pairs"])) if elem == "i8" else "halves"
        b_form = str(rng.choice(["words", "strided", "packed"]))
        a_panel = bool(rng.integers(2)) or a_form == "pairs"
        c_row, c_col = int(rng.choice([4 * n, 4, 1, n])), int(rng.choice([4, 4 * int(rng.integers(1, 300)), 1]))
        requant = bool(rng.integers(2))
        facts = (elem, k, n, a_form, b_form, a_panel, c_row, c_col, requant, str(rng.choice(["rows", "cols"])))
        every = [strip_deltas(*facts, rows, cols) for rows in range(1, MAX_TILE_LINES + 1)
                 for cols in range(1, MAX_TILE_LINES + 1)]
        assert strip_forms(*facts) == tuple(pointer_step_form(d[i] for d in every) for i in range(4)), facts


@pytest.mark.parametrize("variant", [
    Variant("mla", "elements", "elements", "b", "i8", True),
    Variant("mla", "elements", "elements", "a", "i16", False),
    Variant("mla", "elements", "elements", "ab", "i8", False),
], ids=lambda v: v.name)
def test_emulator_times_an_mla_strip(variant: Variant) -> None:
    """The MLA micro-kernel (cores without DSP): three full tiles in one strip statement, K long
    enough for a counted loop with a rest: the trace's est. cycles over the strip's body and its
    data accesses are what Strip.execution() says, bit-exact results."""
    mr, nr, k, ku, tiles = 2, 2, 37, 4, 3
    m, n = mr, nr * tiles  # loop order "ij": the strip runs along the columns
    problem = Problem(m, n, k, elem=variant.elem, b_k_contiguous=variant.b_k_contiguous)
    entry_form = strip_entry_form(m * 4 * n + n * 4)
    strip = mla_strip_program(mla_spec(problem, variant.kept, ku, mr, nr), tiles, STRIP_INNER["ij"], entry_form)
    trips = strip.tile.trips
    assert trips > 1 and k % ku
    rng = np.random.default_rng(13)
    a, b, c, expected = random_operands(rng, m, n, k, variant.elem, variant.b_k_contiguous)
    result = run_kernel(kernel_object(m, n, k, mr, nr, variant, ku), a, b, c, variant, mr)
    np.testing.assert_array_equal(result.outputs["C"], expected)
    body = [address for address, count in result.exec_counts.items() if count in (tiles, tiles * trips)]
    ex = strip.execution()
    entry_exit = _cycles(strip.entry, after_single=False) + _cycles(strip.exit, after_single=False)
    assert sum(result.cycles_at[address] for address in body) == ex.cycles - entry_exit
    traffic = result.traffic.buffers
    assert traffic["A"].reads == ex.loads["A"] == tiles * mr * k
    assert traffic["B"].reads == ex.loads["B"] == n * k
    assert traffic["C"].reads == ex.loads["C"] == traffic["C"].writes == m * n


def test_mla_kernel_registers_are_the_models() -> None:
    """The MLA micro-kernel's scratch registers are registers.staging_registers' count."""
    for kept in ("a", "b", "ab"):
        for rows in range(1, 6):
            for cols in range(1, 6):
                spec = mla_spec(Problem(8, 8, 9), kept, 2, rows, cols)
                program = mla_program(spec)
                used = {int(t) for line in program.lines() for t in re.findall(r"\{t(\d+)\}", line)}
                assert max(used) + 1 == program.scratch == staging_registers("i8", ("mla", "elements", "elements",
                                                                                    kept), rows, cols)
