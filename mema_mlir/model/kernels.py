"""Kernels and operand forms, and the per-group instructions of the MLA kernel.

The SMLAD kernels are inline-assembly micro-kernels whose every instruction is listed by
microkernel.py; the MLA kernel (cores without the DSP extension) is written as MLIR and
compiled by llc, and its k-group is described here. A family is (kernel, a_form, b_form, kept).
"""

from __future__ import annotations

from dataclasses import dataclass

# "smlad-ws" / "smlad-is": the weight- and input-stationary SMLAD kernels (stationary.py).
KERNELS = ("smlad", "mla", "smlad-ws", "smlad-is")
# A: "bytes" int8 words split by SXTB16; "pairs" a constant int8 pre-expanded to int16 pairs;
# "halves" int16 words; "elements" one element per load (MLA).
A_FORMS = ("bytes", "pairs", "halves", "elements")
# B: "words" K-contiguous words; "strided" element loads of a [K, N] B packed by PKHBT;
# "packed" a buffer of int16 pairs that each column block is packed into at run time.
B_FORMS = ("words", "strided", "packed", "elements")
# Whose k-slice stays in registers while the other operand's lines stream one at a time;
# "ab": both operands' slices, loaded in one back-to-back burst.
KEPT = ("b", "a", "ab")


@dataclass(frozen=True)
class KernelShape:
    """Per k-group: instructions per tile row (a_*), per tile column (b_*) and per output
    (macs); and the byte width of the element loads that handle the K % group rest."""

    group: int
    a_loads: int
    a_load_bytes: int
    a_extend: int  # SXTB16 (incl. the ROR #8 form) per row
    b_loads: int
    b_load_bytes: int
    b_extend: int  # SXTB16 per column
    b_pack: int  # PKHBT per column (strided B packs two values per word)
    macs: int  # SMLAD or MLA per output
    mac_class: str  # "dsp_mac" (SMLAD) | "mul" (MLA)
    a_rem_bytes: int  # LDRSB (1) or LDRSH (2) for a remainder k
    b_rem_bytes: int


def group_k(elem: str, kernel: str) -> int:
    """k-values per group: 4 int8 or 2 int16 per SMLAD word pair, 1 for MLA."""
    if kernel == "mla":
        return 1
    return 4 if elem == "i8" else 2


def mla_shape(elem: str) -> KernelShape:
    """One k of the MLA kernel: an element load per row and column, an MLA per output."""
    e = 1 if elem == "i8" else 2
    return KernelShape(1, 1, e, 0, 1, e, 0, 0, 1, "mul", e, e)
