"""The data instructions of one k-group of each kernel the generator emits, per tile row/column.

These are exact (they are what the generator writes, one instruction per entry); loop control
and addressing are estimated separately in overhead.py. A family is (kernel, a_form, b_form).
"""

from __future__ import annotations

from dataclasses import dataclass

from mema_mlir.model.errors import ScheduleError

KERNELS = ("smlad", "mla")
A_FORMS = ("bytes", "pairs", "halves", "elements")
B_FORMS = ("words", "strided", "elements")


@dataclass(frozen=True)
class KernelShape:
    """Per group of `group` k-values: instructions per tile row (a_*), per tile column (b_*) and
    per output (macs); and the byte width of the element loads that handle the K % group rest."""

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


def kernel_shape(elem: str, kernel: str, a_form: str, b_form: str) -> KernelShape:
    """The group of one family; ScheduleError for a combination the generator does not emit."""
    e = 1 if elem == "i8" else 2
    if kernel == "mla":
        if (a_form, b_form) != ("elements", "elements"):
            raise ScheduleError(f"the mla kernel reads elements, not {a_form}/{b_form}")
        return KernelShape(1, 1, e, 0, 1, e, 0, 0, 1, "mul", e, e)
    if kernel != "smlad":
        raise ScheduleError(f"unknown kernel '{kernel}' (expected {', '.join(KERNELS)})")
    if elem == "i8":
        # bytes: one LDR of 4 int8, split by SXTB16 and SXTB16 ROR #8; pairs: pre-expanded int16
        # pairs, two LDR per 4 k and no split.
        a = {"bytes": (1, 4, 2, 1), "pairs": (2, 4, 0, 2)}.get(a_form)
        # words: LDR + 2 SXTB16; strided: 4 LDRSB + 2 PKHBT.
        b = {"words": (1, 4, 2, 0), "strided": (4, 1, 0, 2)}.get(b_form)
        group, macs = 4, 2
    else:
        a = {"halves": (1, 4, 0, 2)}.get(a_form)
        b = {"words": (1, 4, 0, 0), "strided": (2, 2, 0, 1)}.get(b_form)
        group, macs = 2, 1
    if a is None or b is None:
        raise ScheduleError(f"the {elem} smlad kernel has no form A {a_form} / B {b_form}")
    a_loads, a_bytes, a_extend, a_rem = a
    b_loads, b_bytes, b_extend, b_pack = b
    return KernelShape(group, a_loads, a_bytes, a_extend, b_loads, b_bytes, b_extend, b_pack,
                       macs, "dsp_mac", a_rem, e)
