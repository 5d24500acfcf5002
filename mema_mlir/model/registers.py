"""How many registers a schedule needs, and whether its operands are reachable by immediates.

SMLAD kernels are inline-assembly micro-kernels (microkernel.py): llc allocates their operands
once, so the count below is exact: accumulators, the scratch registers the generator allocates,
two operand pointers and the loop counter. The MLA kernel is compiled by llc, whose allocator
needs more than the ideal count; its legal tiles are also limited by a measured table.
"""

from __future__ import annotations

from functools import lru_cache

from mema_mlir.model.microkernel import scratch_registers, side_kind
from mema_mlir.model.stationary import KERNEL_STATIONARITY, pair_words, stream_registers

# One moving pointer per operand (A, B) and one loop counter, live across the k loop; C's
# addresses are recomputed after the loop.
LOOP_AND_ADDRESS_REGISTERS = 3

# Largest positive immediate offset of a Thumb-2 LDR/LDRSB/LDRSH/STR (imm12).
LDR_IMMEDIATE_MAX = 4095

Family = tuple[str, str, str, str]  # (kernel, a_form, b_form, kept)


def staging_registers(elem: str, family: Family, mr: int, nr: int) -> int:
    """Registers that hold operand values (loaded words, split halves) during a group."""
    kernel, a_form, b_form, kept = family
    if kernel in KERNEL_STATIONARITY:  # (lines, groups): the kept block and the streamed words
        return mr * nr * pair_words(elem) + (2 if elem == "i8" else 1)
    if kernel == "smlad":
        return scratch_registers(elem, kept, side_kind(elem, a_form), side_kind(elem, b_form), mr, nr)
    # MLA (llc-compiled): the smaller side's elements kept, one of the other streamed.
    return min(mr, nr) + 1


@lru_cache(maxsize=65536)  # pure and independent of the problem's sizes
def registers_needed(elem: str, family: Family, mr: int, nr: int) -> int:
    """Accumulators + staging + loop/address registers: must not exceed target.registers.

    Strictly increasing in mr and in nr, which the optimiser's exactness argument relies on.
    For the weight- and input-stationary kernels (mr, nr) are the kept block's (lines, groups).
    """
    if family[0] in KERNEL_STATIONARITY:
        return stream_registers(elem, mr, nr)
    return mr * nr + staging_registers(elem, family, mr, nr) + LOOP_AND_ADDRESS_REGISTERS


# The tiles llc (22.1.8, -O3 -disable-lsr: mema passes it for every module with MLA tiles,
# cortex-m4) allocates without any stack access in the inner loop of the MLA kernel, for every
# shape of benchmarks/calibrate_registers.py,
# reduced to their down-closed part (every smaller tile is in too, which the optimiser's
# monotonicity needs). Regenerate with `python benchmarks/calibrate_registers.py`.
# test/unit/test_no_spill.py checks that every legal tile compiles without a spill.
LLC_SPILL_FREE_TILES: dict[str, frozenset[tuple[int, int]]] = {
    "i8": frozenset(
        {(1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (2, 1), (2, 2), (2, 3), (3, 1),
         (3, 2), (4, 1), (5, 1), (6, 1)}),
    "i16": frozenset(
        {(1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 2), (2, 3), (3, 1), (3, 2), (4, 1)}),
}


def llc_spill_free(elem: str, mr: int, nr: int) -> bool:
    """The MLA tile is in llc's measured spill-free set."""
    return (mr, nr) in LLC_SPILL_FREE_TILES[elem]


def mla_offsets_fit(mr: int, nr: int, k: int, elem_bytes: int, b_contiguous: bool) -> bool:
    """The MLA kernel reaches rows (A) and K-contiguous columns (B) as constant offsets from one
    pointer: the farthest must fit an LDR immediate."""
    if (mr - 1) * k * elem_bytes > LDR_IMMEDIATE_MAX:
        return False
    return not (b_contiguous and (nr - 1) * k * elem_bytes > LDR_IMMEDIATE_MAX)
