"""How many registers a schedule needs, and whether its constant offsets fit an LDR immediate.

These numbers describe the code the generator emits (one moving pointer per operand, rows and
columns reached by constant offsets) and are to be calibrated against llc's register allocation
(the chosen tile must not spill). They are data, in this one module, so calibration edits one
table rather than the optimiser.
"""

from __future__ import annotations

# One moving pointer per operand (A, B) and one loop counter, live across the k loop; C's
# addresses are recomputed after the loop. Calibrated against the emitted code.
LOOP_AND_ADDRESS_REGISTERS = 3

# Largest positive immediate offset of a Thumb-2 LDR/LDRSB/LDRSH/STR (imm12).
LDR_IMMEDIATE_MAX = 4095

# Staging registers by (kernel, a_form): coefficients of (min(mr, nr), mr, nr, 1).
# - i8 smlad, A bytes: keep the split halves of the smaller side (2 per row/column) and stream
#   the other side through 2 registers: 2*min + 2.
# - i8 smlad, A pairs: keep B's split halves (2 per column) and stream one A pair word: 2*nr + 1.
# - i16 smlad (A halves) and mla: keep the smaller side's words, stream one: min + 1.
STAGING: dict[tuple[str, str], tuple[int, int, int, int]] = {
    ("smlad", "bytes"): (2, 0, 0, 2),
    ("smlad", "pairs"): (0, 0, 2, 1),
    ("smlad", "halves"): (1, 0, 0, 1),
    ("mla", "elements"): (1, 0, 0, 1),
}
# A strided B (byte or halfword loads packed by PKHBT) needs temporaries for the loaded values.
STRIDED_B_TEMPORARIES: dict[str, int] = {"bytes": 2, "pairs": 2, "halves": 0}


def staging_registers(kernel: str, a_form: str, b_form: str, mr: int, nr: int) -> int:
    """Registers that hold operand values (loaded words, split halves) during one group."""
    c_min, c_mr, c_nr, const = STAGING[(kernel, a_form)]
    extra = STRIDED_B_TEMPORARIES.get(a_form, 0) if b_form == "strided" else 0
    return c_min * min(mr, nr) + c_mr * mr + c_nr * nr + const + extra


def registers_needed(kernel: str, a_form: str, b_form: str, mr: int, nr: int) -> int:
    """Accumulators + staging + loop/address registers: must not exceed target.registers.

    Strictly increasing in mr and in nr, which the optimiser's exactness argument relies on.
    """
    return mr * nr + staging_registers(kernel, a_form, b_form, mr, nr) + LOOP_AND_ADDRESS_REGISTERS


def a_row_stride_bytes(k: int, elem_bytes: int, a_form: str) -> int:
    """Bytes between two rows of A as the kernel reads it (pairs: int16 [M, K], unpadded)."""
    if a_form == "pairs":
        return 2 * k
    return k * elem_bytes


# The tiles llc (22.1.8, -O3 -disable-lsr -regalloc=pbqp, cortex-m4) allocates without any stack
# access in the inner loop, for every shape of benchmarks/calibrate_registers.py, reduced to their
# down-closed part (every smaller tile is in too, which the optimiser's monotonicity needs).
# Measured at ku = 1 with the 14 registers of an Armv7-M core; regenerate with
#     python benchmarks/calibrate_registers.py --ku 1
# The counting formula above says what a tile needs in principle; llc's allocator needs more
# (it hoists loads and keeps copies), so a tile must pass both. test/unit/test_no_spill.py checks
# that every legal tile compiles without a spill.
LLC_SPILL_FREE_TILES: dict[tuple[str, str, str, str], frozenset[tuple[int, int]]] = {
    ("i8", "smlad", "bytes", "words"): frozenset(
        {(1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 2), (3, 1), (4, 1)}),
    ("i8", "smlad", "pairs", "words"): frozenset(
        {(1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (3, 1), (4, 1), (5, 1)}),
    ("i8", "smlad", "bytes", "strided"): frozenset(
        {(1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (2, 1), (2, 2), (3, 1), (4, 1)}),
    ("i8", "smlad", "pairs", "strided"): frozenset(
        {(1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (2, 1), (3, 1), (4, 1), (5, 1)}),
    ("i16", "smlad", "halves", "words"): frozenset(
        {(1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (2, 1), (2, 2), (2, 3), (3, 1),
         (3, 2), (4, 1), (5, 1), (6, 1)}),
    ("i16", "smlad", "halves", "strided"): frozenset(
        {(1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 2), (3, 1), (4, 1)}),
    ("i8", "mla", "elements", "elements"): frozenset(
        {(1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (2, 1), (2, 2), (2, 3), (3, 1),
         (3, 2), (4, 1), (5, 1), (6, 1), (7, 1)}),
    ("i16", "mla", "elements", "elements"): frozenset(
        {(1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (2, 1), (2, 2), (2, 3), (3, 1),
         (3, 2), (4, 1), (5, 1), (6, 1)}),
}


def llc_spill_free(elem: str, kernel: str, a_form: str, b_form: str, mr: int, nr: int) -> bool:
    """The tile is in llc's measured spill-free set for its kernel family."""
    return (mr, nr) in LLC_SPILL_FREE_TILES[(elem, kernel, a_form, b_form)]


def offsets_fit(mr: int, nr: int, k: int, elem_bytes: int, a_form: str, b_contiguous: bool) -> bool:
    """Rows (A) and K-contiguous columns (B) are reached as constant offsets from one pointer:
    the farthest, (mr-1) rows or (nr-1) columns away, must fit an LDR immediate, else the tile
    needs more address registers than counted. Strided B columns are elem_bytes apart: not checked."""
    if (mr - 1) * a_row_stride_bytes(k, elem_bytes, a_form) > LDR_IMMEDIATE_MAX:
        return False
    return not (b_contiguous and (nr - 1) * k * elem_bytes > LDR_IMMEDIATE_MAX)
