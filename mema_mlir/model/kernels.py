"""Kernels and operand forms. Every kernel is an inline-assembly micro-kernel whose every
instruction is listed by microkernel.py (SMLAD), mla_kernel.py (MLA, for cores without the DSP
extension) or stationary.py. A family is (kernel, a_form, b_form, kept).
"""

from __future__ import annotations

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


def group_k(elem: str, kernel: str) -> int:
    """k-values per group: 4 int8 or 2 int16 per SMLAD word pair, 1 for MLA."""
    if kernel == "mla":
        return 1
    return 4 if elem == "i8" else 2
