"""Decode one Thumb instruction into what counting and timing need, once per address.

The runner's code hook looks the result up by address, so the Capstone work happens once per
static instruction rather than once per executed one. Classification is a whitelist: an
instruction outside it raises, because guessing its class would make the counts untrustworthy.
"""

from __future__ import annotations

from dataclasses import dataclass

from capstone import CS_ARCH_ARM, CS_MODE_MCLASS, CS_MODE_THUMB, Cs, CsInsn
from capstone import arm_const as arm

from mema_mlir.emulator.accesses import PC, AccessPlan, arch_reg, plan_accesses
from mema_mlir.emulator.errors import UnsupportedInstructionError
from mema_mlir.emulator.timing import InstrClass


def _ids(names: str) -> frozenset[int]:
    return frozenset(getattr(arm, f"ARM_INS_{name}") for name in names.split())


_CLASSES: dict[InstrClass, frozenset[int]] = {
    InstrClass.LOAD: _ids("LDR LDRB LDRH LDRSB LDRSH"),
    InstrClass.STORE: _ids("STR STRB STRH"),
    InstrClass.LOAD_DOUBLE: _ids("LDRD"),
    InstrClass.STORE_DOUBLE: _ids("STRD"),
    InstrClass.LOAD_MULTIPLE: _ids("LDM LDMDB POP"),
    InstrClass.STORE_MULTIPLE: _ids("STM STMDB PUSH"),
    InstrClass.DSP_MAC: _ids(
        "SMLABB SMLABT SMLATB SMLATT SMLAD SMLADX SMLALBB SMLALBT SMLALTB SMLALTT SMLALD "
        "SMLALDX SMLAWB SMLAWT SMLSD SMLSDX SMLSLD SMLSLDX SMUAD SMUADX SMULBB SMULBT SMULTB "
        "SMULTT SMULWB SMULWT SMUSD SMUSDX"
    ),
    InstrClass.MUL: _ids(
        "MUL MLA MLS SMULL SMLAL UMULL UMLAL UMAAL SMMUL SMMULR SMMLA SMMLAR SMMLS SMMLSR"
    ),
    InstrClass.DIV: _ids("SDIV UDIV"),
    InstrClass.EXTEND: _ids(
        "SXTAB SXTAB16 SXTAH SXTB SXTB16 SXTH UXTAB UXTAB16 UXTAH UXTB UXTB16 UXTH"
    ),
    InstrClass.SIMD: _ids(
        "QADD QADD16 QADD8 QASX QDADD QDSUB QSAX QSUB QSUB16 QSUB8 SADD16 SADD8 SASX SEL "
        "SHADD16 SHADD8 SHASX SHSAX SHSUB16 SHSUB8 SSAX SSUB16 SSUB8 UADD16 UADD8 UASX "
        "UHADD16 UHADD8 UHASX UHSAX UHSUB16 UHSUB8 UQADD16 UQADD8 UQASX UQSAX UQSUB16 UQSUB8 "
        "USAD8 USADA8 USAX USUB16 USUB8"
    ),
    InstrClass.ALU: _ids(
        "ADC ADD ADDW ADR AND ASR BFC BFI BIC CLZ CMN CMP EOR LSL LSR MOV MOVS MOVT MOVW MVN "
        "NEG ORN ORR PKHBT PKHTB RBIT REV REV16 REVSH ROR RRX RSB SBC SBFX SSAT SSAT16 SUB "
        "SUBS SUBW TEQ TST UBFX USAT USAT16"
    ),
    InstrClass.BRANCH: _ids("B BL BLX BX CBZ CBNZ"),
    InstrClass.TABLE_BRANCH: _ids("TBB TBH"),
    InstrClass.IT: _ids("IT"),
    InstrClass.NOP: _ids("NOP"),
}
_CLASS_OF: dict[int, InstrClass] = {i: cls for cls, ids in _CLASSES.items() for i in ids}

_CONDITIONAL_BRANCHES = _ids("CBZ CBNZ")
_CORE_REGS = frozenset(
    [getattr(arm, f"ARM_REG_R{n}") for n in range(13)]
    + [arm.ARM_REG_SP, arm.ARM_REG_LR, arm.ARM_REG_PC]
)


def condition_passed(cond: int, xpsr: int) -> bool:
    """Does architectural condition `cond` (0 = EQ ... 14 = AL) hold for the APSR flags?"""
    n = (xpsr >> 31) & 1
    z = (xpsr >> 30) & 1
    c = (xpsr >> 29) & 1
    v = (xpsr >> 28) & 1
    base = cond >> 1
    if base == 0:
        result = z == 1
    elif base == 1:
        result = c == 1
    elif base == 2:
        result = n == 1
    elif base == 3:
        result = v == 1
    elif base == 4:
        result = c == 1 and z == 0
    elif base == 5:
        result = n == v
    elif base == 6:
        result = n == v and z == 0
    else:
        return True  # AL (and the unused 0b1111)
    return not result if cond & 1 else result


def it_conditions(halfword: int) -> tuple[int, ...]:
    """The condition of each instruction of the IT block opened by IT encoding `halfword`.

    Follows the ARM ARM: firstcond in bits [7:4], mask in [3:0]; the block length is 4 minus
    the mask's trailing zeros, and mask bit (3 - k) = firstcond[0] means "then" for slot k + 1.
    """
    firstcond = (halfword >> 4) & 0xF
    mask = halfword & 0xF
    if mask == 0 or (halfword & 0xFF00) != 0xBF00:
        raise UnsupportedInstructionError(f"{halfword:#06x} is not an IT instruction")
    length = 4 - (mask & -mask).bit_length() + 1
    conds = [firstcond]
    for k in range(1, length):
        bit = (mask >> (4 - k)) & 1
        conds.append((firstcond & 0xE) | bit)
    return tuple(conds)


@dataclass(frozen=True, slots=True)
class Decoded:
    """One static instruction, as the runner needs it."""

    address: int
    size: int
    text: str
    cls: InstrClass
    plan: AccessPlan
    registers: int  # LDM/STM/PUSH/POP register count, PC included; else 0
    control: bool  # may transfer control (branches, TBB/TBH, anything writing PC)
    always_taken: bool  # transfers control whenever executed (all but B<cc>, CBZ, CBNZ)
    it_conds: tuple[int, ...]  # for IT: the conditions of the block; else ()

    def __str__(self) -> str:
        return f"{self.address:#x}: {self.text}"

    @property
    def fallthrough(self) -> int:
        """Address of the next instruction in memory."""
        return self.address + self.size


class Decoder:
    """Capstone in Thumb M-class detail mode, with a per-address cache."""

    def __init__(self) -> None:
        self._cs = Cs(CS_ARCH_ARM, CS_MODE_THUMB | CS_MODE_MCLASS)
        self._cs.detail = True
        self._cache: dict[int, Decoded] = {}

    def disassemble(self, code: bytes, address: int) -> CsInsn:
        """The Capstone instruction at the start of `code` (placed at `address`)."""
        for insn in self._cs.disasm(code, address, count=1):
            return insn
        raise UnsupportedInstructionError(
            f"{address:#x}: cannot decode Thumb instruction bytes {code[:4].hex()}"
        )

    def decode(self, code: bytes, address: int) -> Decoded:
        """Decode (or fetch from the cache) the instruction whose bytes start `code`."""
        cached = self._cache.get(address)
        if cached is not None:
            return cached
        decoded = classify(self.disassemble(code, address))
        self._cache[address] = decoded
        return decoded

    def cached(self, address: int) -> Decoded | None:
        """The decode of `address` if already known."""
        return self._cache.get(address)


def classify(insn: CsInsn) -> Decoded:
    """Turn a Capstone instruction into a Decoded record; raises if it is not modelled."""
    text = f"{insn.mnemonic} {insn.op_str}".rstrip()
    cls = _CLASS_OF.get(insn.id)
    # Capstone 5 reports every hint (NOP, YIELD, WFE, WFI, SEV) as HINT; only NOP is modelled.
    if insn.id == arm.ARM_INS_HINT and insn.mnemonic in ("nop", "nop.w"):
        cls = InstrClass.NOP
    if cls is None:
        raise UnsupportedInstructionError(
            f"{insn.address:#x}: '{text}' is not an instruction the emulator counts"
        )
    plan = plan_accesses(insn)
    _reads, writes = insn.regs_access()
    writes_pc = any(arch_reg(r) == PC for r in writes if r in _CORE_REGS)
    registers = plan.count if cls in (InstrClass.LOAD_MULTIPLE, InstrClass.STORE_MULTIPLE) else 0
    control = cls in (InstrClass.BRANCH, InstrClass.TABLE_BRANCH) or writes_pc
    conditional = insn.id in _CONDITIONAL_BRANCHES or (
        insn.id == arm.ARM_INS_B and insn.cc not in (arm.ARM_CC_AL, arm.ARM_CC_INVALID)
    )
    it_conds: tuple[int, ...] = ()
    if cls is InstrClass.IT:
        it_conds = it_conditions(int.from_bytes(bytes(insn.bytes[:2]), "little"))
    return Decoded(
        address=insn.address,
        size=insn.size,
        text=text,
        cls=cls,
        plan=plan,
        registers=registers,
        control=control,
        always_taken=control and not conditional,
        it_conds=it_conds,
    )
