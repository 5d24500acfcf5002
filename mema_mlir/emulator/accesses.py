"""The data accesses of one Thumb instruction, computed from its operands and register values.

The machine counts memory traffic from here instead of from Unicorn memory hooks (which corrupt
IT-block state in Unicorn 2.1.x). Addresses are computed from register values *before* the
instruction executes. An instruction that touches memory in a way not modelled here raises
instead of being ignored, so a count can never silently miss an access.

Registers are identified by their architectural number (0-12, 13 = SP, 14 = LR, 15 = PC) so
that this module needs neither Unicorn nor Capstone register ids at run time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from capstone import CsInsn
from capstone import arm_const as arm

from mema_mlir.emulator.errors import UnsupportedInstructionError

ReadReg = Callable[[int], int]

SP, LR, PC = 13, 14, 15

# Capstone register id -> architectural register number.
_ARCH_REG: dict[int, int] = {getattr(arm, f"ARM_REG_R{n}"): n for n in range(13)}
_ARCH_REG.update({arm.ARM_REG_SP: SP, arm.ARM_REG_LR: LR, arm.ARM_REG_PC: PC})


def arch_reg(capstone_reg: int) -> int:
    """Architectural number of a Capstone core register id; raises for anything else."""
    try:
        return _ARCH_REG[capstone_reg]
    except KeyError:
        raise UnsupportedInstructionError(
            f"register id {capstone_reg} is not a core register r0-r15"
        ) from None


@dataclass(frozen=True, slots=True)
class Access:
    """One data access: `size` bytes at `address`, a write if `write` else a read."""

    address: int
    size: int
    write: bool


_LOAD_SIZE = {
    arm.ARM_INS_LDR: 4,
    arm.ARM_INS_LDRB: 1,
    arm.ARM_INS_LDRSB: 1,
    arm.ARM_INS_LDRH: 2,
    arm.ARM_INS_LDRSH: 2,
}
_STORE_SIZE = {arm.ARM_INS_STR: 4, arm.ARM_INS_STRB: 1, arm.ARM_INS_STRH: 2}
_DOUBLE = {arm.ARM_INS_LDRD: False, arm.ARM_INS_STRD: True}  # -> write?
# Multiple transfers: id -> (write?, decrement before?, base is SP implicitly?)
_MULTIPLE = {
    arm.ARM_INS_LDM: (False, False, False),
    arm.ARM_INS_LDMDB: (False, True, False),
    arm.ARM_INS_STM: (True, False, False),
    arm.ARM_INS_STMDB: (True, True, False),
    arm.ARM_INS_POP: (False, False, True),
    arm.ARM_INS_PUSH: (True, True, True),
}
_TABLE_BRANCH = {arm.ARM_INS_TBB: 1, arm.ARM_INS_TBH: 2}

# Instructions that access memory (or claim to) and are deliberately not modelled.
_UNMODELLED_MEMORY = frozenset(
    getattr(arm, f"ARM_INS_{name}")
    for name in (
        "LDRT LDRBT LDRHT LDRSBT LDRSHT STRT STRBT STRHT "
        "LDREX LDREXB LDREXH LDREXD STREX STREXB STREXH STREXD CLREX "
        "LDA LDAB LDAH LDAEX LDAEXB LDAEXH LDAEXD STL STLB STLH STLEX STLEXB STLEXH STLEXD "
        "LDMDA LDMIB STMDA STMIB PLD PLDW PLI SWP SWPB "
        "LDC LDC2 LDC2L LDCL STC STC2 STC2L STCL "
        "VLDR VSTR VPUSH VPOP VLDMIA VLDMDB VSTMIA VSTMDB VLLDM VLSTM "
        "VLD1 VLD2 VLD3 VLD4 VST1 VST2 VST3 VST4 SRSDA SRSDB SRSIA SRSIB RFEDA RFEDB RFEIA RFEIB"
    ).split()
)


@dataclass(frozen=True, slots=True)
class AccessPlan:
    """How to compute an instruction's accesses once its register values are known.

    kind: "none", "single" (one LDR*/STR*, or LDRD/STRD as two words), "multiple"
    (LDM/STM/PUSH/POP, one word per register), "table" (TBB/TBH).
    """

    kind: str
    write: bool = False
    size: int = 0  # bytes per access
    count: int = 0  # number of accesses
    base: int = -1  # architectural register, -1 if none
    index: int = -1
    shift: int = 0  # left shift of the index register
    offset: int = 0  # immediate offset applied before the access (not for post-index)
    pc_value: int = 0  # value PC reads as, when base is PC
    decrement_before: bool = False
    load_dest: int = -1  # Rt of a single load (for the timing model), -1 otherwise

    @property
    def address_registers(self) -> tuple[int, ...]:
        """Registers the address is computed from (for the load-use pipelining rule)."""
        return tuple(r for r in (self.base, self.index) if r >= 0)

    def compute(self, read_reg: ReadReg) -> list[Access]:
        """The accesses, given the register values before the instruction executes."""
        if self.kind == "none":
            return []
        base = self.pc_value if self.base == PC else read_reg(self.base)
        if self.kind == "multiple":
            start = base - 4 * self.count if self.decrement_before else base
            return [Access((start + 4 * i) & 0xFFFF_FFFF, 4, self.write) for i in range(self.count)]
        address = base + self.offset
        if self.index >= 0:
            address += read_reg(self.index) << self.shift
        address &= 0xFFFF_FFFF
        if self.count == 1:
            return [Access(address, self.size, self.write)]
        return [
            Access((address + self.size * i) & 0xFFFF_FFFF, self.size, self.write)
            for i in range(self.count)
        ]


NO_ACCESS = AccessPlan("none")


def _memory_operand(insn: CsInsn) -> tuple[object, int]:
    mems = [(op, i) for i, op in enumerate(insn.operands) if op.type == arm.ARM_OP_MEM]
    if len(mems) != 1:
        raise UnsupportedInstructionError(
            f"{_describe(insn)}: expected one memory operand, found {len(mems)}"
        )
    return mems[0]


def _describe(insn: CsInsn) -> str:
    return f"{insn.address:#x}: {insn.mnemonic} {insn.op_str}".rstrip()


def _index_shift(insn: CsInsn, op: object) -> int:
    """Left shift applied to the index register (LSL only in Thumb addressing)."""
    shift = op.shift  # type: ignore[attr-defined]
    by_operand = shift.value if shift.type == arm.ARM_SFT_LSL else 0
    if shift.type not in (arm.ARM_SFT_INVALID, arm.ARM_SFT_LSL):
        raise UnsupportedInstructionError(f"{_describe(insn)}: index shift type {shift.type}")
    lshift = op.mem.lshift  # type: ignore[attr-defined]
    if lshift and by_operand and lshift != by_operand:
        raise UnsupportedInstructionError(f"{_describe(insn)}: inconsistent index shift")
    return by_operand or lshift


def _single(insn: CsInsn, size: int, write: bool, count: int) -> AccessPlan:
    """LDR*/STR* (count 1) and LDRD/STRD (count 2, size 4) in every Thumb addressing mode."""
    op, position = _memory_operand(insn)
    mem = op.mem  # type: ignore[attr-defined]
    if op.subtracted:  # type: ignore[attr-defined]
        raise UnsupportedInstructionError(f"{_describe(insn)}: subtracted index register")
    base = arch_reg(mem.base)
    index = arch_reg(mem.index) if mem.index else -1
    if mem.scale != 1:
        raise UnsupportedInstructionError(f"{_describe(insn)}: scale {mem.scale}")
    shift = _index_shift(insn, op) if index >= 0 else 0
    trailing = insn.operands[position + 1 :]
    post_index = bool(insn.post_index)
    if post_index:
        # `[Rn], #imm`: the access is at Rn; the immediate only updates Rn afterwards.
        if index >= 0 or mem.disp != 0 or len(trailing) != 1:
            raise UnsupportedInstructionError(f"{_describe(insn)}: unexpected post-index form")
        offset = 0
    else:
        if trailing:
            raise UnsupportedInstructionError(f"{_describe(insn)}: unexpected trailing operand")
        offset = mem.disp
    if base == PC and (index >= 0 or insn.writeback):
        raise UnsupportedInstructionError(f"{_describe(insn)}: PC base with index or writeback")
    # Literal loads address from Align(PC, 4), where PC reads as the instruction address + 4.
    pc_value = (insn.address + 4) & ~3
    load_dest = -1
    if not write and count == 1:
        first = insn.operands[0]
        if first.type != arm.ARM_OP_REG:
            raise UnsupportedInstructionError(f"{_describe(insn)}: no destination register")
        load_dest = arch_reg(first.reg)
    return AccessPlan(
        "single",
        write=write,
        size=size,
        count=count,
        base=base,
        index=index,
        shift=shift,
        offset=offset,
        pc_value=pc_value,
        load_dest=load_dest,
    )


def _multiple(insn: CsInsn, write: bool, decrement_before: bool, implicit_sp: bool) -> AccessPlan:
    regs = [op for op in insn.operands if op.type == arm.ARM_OP_REG]
    if len(regs) != len(insn.operands):
        raise UnsupportedInstructionError(f"{_describe(insn)}: non-register operand")
    if implicit_sp:
        base, listed = SP, regs
    else:
        base, listed = arch_reg(regs[0].reg), regs[1:]
    if not listed:
        raise UnsupportedInstructionError(f"{_describe(insn)}: empty register list")
    return AccessPlan(
        "multiple",
        write=write,
        size=4,
        count=len(listed),
        base=base,
        decrement_before=decrement_before,
    )


def _table(insn: CsInsn, size: int) -> AccessPlan:
    op, _ = _memory_operand(insn)
    mem = op.mem  # type: ignore[attr-defined]
    if not mem.index or mem.disp != 0:
        raise UnsupportedInstructionError(f"{_describe(insn)}: unexpected table-branch operand")
    # TBB/TBH read PC as the instruction address + 4, not word-aligned.
    return AccessPlan(
        "table",
        size=size,
        count=1,
        base=arch_reg(mem.base),
        index=arch_reg(mem.index),
        shift=size - 1,
        pc_value=insn.address + 4,
    )


def plan_accesses(insn: CsInsn) -> AccessPlan:
    """The access plan of a Capstone-decoded (detail mode) Thumb instruction.

    Raises UnsupportedInstructionError for any memory-touching instruction not modelled here
    (exclusives, unprivileged, coprocessor/FP transfers, preloads, ...).
    """
    ins_id = insn.id
    if ins_id in _LOAD_SIZE:
        return _single(insn, _LOAD_SIZE[ins_id], write=False, count=1)
    if ins_id in _STORE_SIZE:
        return _single(insn, _STORE_SIZE[ins_id], write=True, count=1)
    if ins_id in _DOUBLE:
        return _single(insn, 4, write=_DOUBLE[ins_id], count=2)
    if ins_id in _MULTIPLE:
        write, decrement_before, implicit_sp = _MULTIPLE[ins_id]
        return _multiple(insn, write, decrement_before, implicit_sp)
    if ins_id in _TABLE_BRANCH:
        return _table(insn, _TABLE_BRANCH[ins_id])
    if ins_id in _UNMODELLED_MEMORY or any(op.type == arm.ARM_OP_MEM for op in insn.operands):
        raise UnsupportedInstructionError(
            f"{_describe(insn)}: memory access not modelled by the emulator"
        )
    return NO_ACCESS


def data_accesses(insn: CsInsn, read_reg: ReadReg) -> list[Access]:
    """The data accesses `insn` makes, from register values before it executes.

    `read_reg(n)` returns the value of architectural register n (0-14; PC is derived from
    the instruction address).
    """
    return plan_accesses(insn).compute(read_reg)
