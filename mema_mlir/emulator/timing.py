"""Estimated Cortex-M4 cycles per executed instruction.

This is the table of the shared Cortex-M4 timing note (after the TRM's "Processor instruction
timings"), unchanged, so that every cycle figure in the project is comparable. No silicon is
involved: results are *estimates* and must be labelled so wherever they are shown.
"""

from __future__ import annotations

from enum import StrEnum


class InstrClass(StrEnum):
    """What an executed instruction is, as far as counting and timing care."""

    LOAD = "load"  # LDR, LDRB, LDRH, LDRSB, LDRSH (any addressing mode, literal included)
    STORE = "store"  # STR, STRB, STRH
    LOAD_DOUBLE = "load_double"  # LDRD
    STORE_DOUBLE = "store_double"  # STRD
    LOAD_MULTIPLE = "load_multiple"  # LDM, LDMDB, POP
    STORE_MULTIPLE = "store_multiple"  # STM, STMDB, PUSH
    DSP_MAC = "dsp_mac"  # SMLAD(X), SMUAD, SMLABB and the other 16x16 MACs, SMLALD...
    MUL = "mul"  # MUL, MLA, MLS, SMULL, SMLAL, UMULL, UMLAL, SMMUL...
    DIV = "div"  # SDIV, UDIV
    EXTEND = "extend"  # SXTB, SXTH, SXTB16, SXTAB16, UXTB, ...
    SIMD = "simd"  # parallel add/subtract, saturating arithmetic, SEL, USAD8
    ALU = "alu"  # other data processing: MOV, ADD, shifts, CMP/TST, MOVW/MOVT, PKHBT, SSAT, CLZ
    BRANCH = "branch"  # B, B<cc>, BL, BX, BLX, CBZ, CBNZ
    TABLE_BRANCH = "table_branch"  # TBB, TBH (a byte/halfword load, then a branch)
    IT = "it"
    NOP = "nop"


SINGLE_LOAD_STORE = frozenset({InstrClass.LOAD, InstrClass.STORE})
MULTIPLE = frozenset({InstrClass.LOAD_MULTIPLE, InstrClass.STORE_MULTIPLE})

# The pipeline refill a taken control transfer adds (TRM: 1 to 3; the table fixes 2).
TAKEN_PENALTY = 2
# SDIV/UDIV take 2 to 12 cycles; the table fixes the worst case.
DIV_CYCLES = 12

_BASE: dict[InstrClass, int] = {
    InstrClass.LOAD: 2,
    InstrClass.STORE: 2,
    InstrClass.LOAD_DOUBLE: 3,
    InstrClass.STORE_DOUBLE: 3,
    InstrClass.DSP_MAC: 1,
    InstrClass.MUL: 1,
    InstrClass.DIV: DIV_CYCLES,
    InstrClass.EXTEND: 1,
    InstrClass.SIMD: 1,
    InstrClass.ALU: 1,
    InstrClass.BRANCH: 1,  # the "branch not taken" row; taken adds TAKEN_PENALTY
    # Not in the table: TBB/TBH is costed as the single load it performs (2) plus the refill of
    # the branch it always takes, i.e. 4, which is the TRM's "2 + P" with P = 2.
    InstrClass.TABLE_BRANCH: 2,
    InstrClass.IT: 1,
    InstrClass.NOP: 1,
}

# Classes that can never transfer control, so `taken=True` with them is a caller bug.
_NEVER_TAKEN = frozenset(
    {
        InstrClass.STORE,
        InstrClass.STORE_DOUBLE,
        InstrClass.STORE_MULTIPLE,
        InstrClass.LOAD_DOUBLE,
        InstrClass.IT,
        InstrClass.NOP,
    }
)


def instruction_cycles(
    cls: InstrClass,
    *,
    registers: int = 0,
    after_single_load_store: bool = False,
    address_depends_on_previous_load: bool = False,
    taken: bool = False,
    skipped: bool = False,
) -> int:
    """Estimated cycles of one instruction in the trace, from the timing table alone.

    `registers` is the register count of LDM/STM/PUSH/POP (PC included);
    `after_single_load_store` says the immediately preceding executed instruction was a single
    LDR*/STR*, and `address_depends_on_previous_load` that this instruction's base or index
    register is that load's destination (which defeats the pipelining); `taken` that control
    was transferred; `skipped` that the instruction sat in an IT block with a false condition.
    """
    if skipped:
        return 1
    if cls in MULTIPLE:
        if registers < 1:
            raise ValueError(f"{cls} needs the number of registers transferred")
        base = 1 + registers
    elif (
        cls in SINGLE_LOAD_STORE
        and after_single_load_store
        and not address_depends_on_previous_load
    ):
        base = 1
    else:
        base = _BASE[cls]
    if taken:
        if cls in _NEVER_TAKEN:
            raise ValueError(f"{cls} cannot transfer control")
        base += TAKEN_PENALTY
    return base
