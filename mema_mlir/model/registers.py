"""How many registers a schedule needs, and whether its operands are reachable by immediates.

Every kernel is an inline-assembly micro-kernel (microkernel.py, mla_kernel.py, stationary.py):
llc allocates its operands once, so the count below is exact: accumulators, the scratch
registers the generator allocates, two operand pointers and the loop counter.
"""

from __future__ import annotations

from functools import lru_cache

from mema_mlir.model.microkernel import scratch_registers, side_kind
from mema_mlir.model.mla_kernel import mla_scratch
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
    return mla_scratch(kept, mr, nr)


@lru_cache(maxsize=65536)  # pure and independent of the problem's sizes
def registers_needed(elem: str, family: Family, mr: int, nr: int) -> int:
    """Accumulators + staging + loop/address registers: must not exceed target.registers.

    Strictly increasing in mr and in nr, which the optimiser's exactness argument relies on.
    For the weight- and input-stationary kernels (mr, nr) are the kept block's (lines, groups).
    """
    if family[0] in KERNEL_STATIONARITY:
        return stream_registers(elem, mr, nr)
    return mr * nr + staging_registers(elem, family, mr, nr) + LOOP_AND_ADDRESS_REGISTERS


def mla_offsets_fit(mr: int, nr: int, k: int, elem_bytes: int, b_contiguous: bool) -> bool:
    """The MLA kernel reaches rows (A) and K-contiguous columns (B) as constant offsets from one
    pointer: the farthest must fit an LDR immediate."""
    if (mr - 1) * k * elem_bytes > LDR_IMMEDIATE_MAX:
        return False
    return not (b_contiguous and (nr - 1) * k * elem_bytes > LDR_IMMEDIATE_MAX)
