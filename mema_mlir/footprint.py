"""Flash and SRAM an object needs, read from the object itself: what `--mema-report` gives for a
compiled module, so that a user sizes the memories without running anything.

Flash is every allocatable read-only section (code, constants) plus initialised data (its load
image); static SRAM is the writable sections (.data, .bss: the arena of intermediate tensors and
the packing buffers). The stack a call needs is read from each function's code: the prologue's
PUSH and SUB sp, and the PUSH/POP pairs inside (each micro-kernel saves C's address while its k
loop holds every register), following the branches. What this reading cannot follow (a call, a
jump table, literal data in the code, an instruction that moves sp some other way, two paths
reaching one instruction at different depths) is an error, never a guess. `mema-run` measures the
same figure on the emulator and the tests compare the two. Unwind tables (.ARM.exidx) are not
counted: firmware built without exception unwinding discards them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from capstone import CS_ARCH_ARM, CS_MODE_MCLASS, CS_MODE_THUMB, Cs, CsInsn
from capstone import arm_const as arm
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from mema_mlir.emulator.elf_loader import LoadedImage, load_elf
from mema_mlir.emulator.errors import EmulatorError
from mema_mlir.model.target import Target


@dataclass(frozen=True)
class Footprint:
    """Bytes of one object, by where they live."""

    text_bytes: int
    flash_bytes: int  # code, constants and the load image of initialised data
    sram_static_bytes: int  # .data and .bss
    stack_bytes: dict[str, int]  # public function -> deepest stack use of one call

    @property
    def sram_peak_bytes(self) -> int:
        """Static SRAM plus the deepest call's stack."""
        return self.sram_static_bytes + max(self.stack_bytes.values(), default=0)

    def report(self) -> dict[str, object]:
        """The `footprint` entry of `--mema-report`."""
        return {"text_bytes": self.text_bytes, "flash_bytes": self.flash_bytes,
                "sram_static_bytes": self.sram_static_bytes, "stack_bytes": dict(self.stack_bytes),
                "sram_peak_bytes": self.sram_peak_bytes}


def static_bytes(obj: bytes) -> tuple[int, int]:
    """(flash, static SRAM) of an object: what a link must place, whatever the stack."""
    image = load_elf(obj)
    flash = sum(s.size for s in image.sections if s.region == "flash")
    sram = sum(s.size for s in image.sections if s.region == "sram")
    return flash + _initialised_data_bytes(ELFFile(io.BytesIO(obj))), sram


def capacity_warnings(obj: bytes, target: Target) -> list[str]:
    """What of the object does not fit the target's memories: flash (code, constants) in the
    weights' memory, static SRAM plus the deepest stack (when it can be read) in the
    activations'. An empty list when it fits."""
    flash, sram = static_bytes(obj)
    try:
        sram = object_footprint(obj).sram_peak_bytes
        what = "static buffers and stack"
    except EmulatorError:
        what = "static buffers (stack not counted)"
    warnings = []
    for size, role, kind in ((flash, "weights", "code and constants"), (sram, "activations", what)):
        name = target.placement[role]
        capacity = target.memory(name).capacity_bytes
        if size > capacity:
            warnings.append(f"the object needs {size:,} bytes of {kind} in '{name}'; target "
                            f"'{target.name}' has {capacity:,}")
    return warnings


def object_footprint(obj: bytes) -> Footprint:
    """The footprint of a relocatable object mema emitted; EmulatorError if its stack use
    cannot be read from the code."""
    image = load_elf(obj)
    text = sum(s.size for s in image.sections if s.executable)
    flash = sum(s.size for s in image.sections if s.region == "flash")
    sram = sum(s.size for s in image.sections if s.region == "sram")
    elf = ELFFile(io.BytesIO(obj))
    if _has_data_in_code(elf):
        raise EmulatorError("the code holds literal data or a jump table ($d mapping symbols): its stack use "
                            "cannot be read instruction by instruction; measure it with mema-run")
    stacks = {symbol.name: function_stack_bytes(image, symbol.name)
              for symbol in image.symbols.values() if symbol.kind == "func" and symbol.is_global}
    return Footprint(text, flash + _initialised_data_bytes(elf), sram, stacks)


def _initialised_data_bytes(elf: ELFFile) -> int:
    """Writable allocated sections with contents (.data): their load image is in flash too."""
    return sum(s["sh_size"] for s in elf.iter_sections()
               if s["sh_flags"] & 0x2 and s["sh_flags"] & 0x1 and s["sh_type"] != "SHT_NOBITS")  # ALLOC, WRITE


def _has_data_in_code(elf: ELFFile) -> bool:
    """Whether an executable section holds data (an ARM `$d` mapping symbol), e.g. a literal pool."""
    executable = {i for i, s in enumerate(elf.iter_sections()) if s["sh_flags"] & 0x4}  # SHF_EXECINSTR
    for table in elf.iter_sections():
        if isinstance(table, SymbolTableSection):
            for symbol in table.iter_symbols():
                if symbol.name.startswith("$d") and symbol["st_shndx"] in executable:
                    return True
    return False


def _sp_list(insn: CsInsn) -> bool:
    """STMDB sp!, {...} / LDM sp!, {...}: PUSH and POP written out."""
    return bool(insn.writeback and insn.operands and insn.operands[0].type == arm.ARM_OP_REG
                and insn.operands[0].reg == arm.ARM_REG_SP)


def _sp_immediate(insn: CsInsn) -> int | None:
    """N of `sub sp, [sp,] #N` / `add sp, [sp,] #N`; None for anything else."""
    ops = insn.operands
    if not ops or ops[0].type != arm.ARM_OP_REG or ops[0].reg != arm.ARM_REG_SP or ops[-1].type != arm.ARM_OP_IMM:
        return None
    if len(ops) == 3 and not (ops[1].type == arm.ARM_OP_REG and ops[1].reg == arm.ARM_REG_SP):
        return None
    return int(ops[-1].imm)


def _single_register_push_pop(insn: CsInsn) -> int | None:
    """`str rX, [sp, #-4]!` (a one-register PUSH) is 4; `ldr rX, [sp], #4` (a one-register
    POP) is -4; None for any other form that writes sp back."""
    memory = [op for op in insn.operands if op.type == arm.ARM_OP_MEM]
    if not insn.writeback or len(memory) != 1 or memory[0].mem.base != arm.ARM_REG_SP or memory[0].mem.index:
        return None
    if insn.id == arm.ARM_INS_STR and not insn.post_index and memory[0].mem.disp == -4:
        return 4
    trailing = insn.operands[-1]
    if (insn.id == arm.ARM_INS_LDR and insn.post_index and trailing.type == arm.ARM_OP_IMM and trailing.imm == 4
            and insn.operands[0].reg != arm.ARM_REG_PC):
        return -4
    return None


def _stack_change(insn: CsInsn) -> int | None:
    """Bytes `insn` moves sp down by (negative: up); None if it moves sp in a way not read here."""
    registers = sum(1 for op in insn.operands if op.type == arm.ARM_OP_REG)
    if insn.id == arm.ARM_INS_PUSH:
        return 4 * registers
    if insn.id == arm.ARM_INS_POP:
        return -4 * registers
    if insn.id == arm.ARM_INS_STMDB and _sp_list(insn):
        return 4 * (registers - 1)
    if insn.id == arm.ARM_INS_LDM and _sp_list(insn):
        return -4 * (registers - 1)
    if insn.id in (arm.ARM_INS_STR, arm.ARM_INS_LDR) and (n := _single_register_push_pop(insn)) is not None:
        return n
    if insn.id in (arm.ARM_INS_SUB, arm.ARM_INS_SUBW) and (n := _sp_immediate(insn)) is not None:
        return n
    if insn.id in (arm.ARM_INS_ADD, arm.ARM_INS_ADDW) and (n := _sp_immediate(insn)) is not None:
        return -n
    _, written = insn.regs_access()
    return None if arm.ARM_REG_SP in written else 0


def _is_return(insn: CsInsn) -> bool:
    """BX lr, or a POP / LDM sp! whose list holds pc."""
    if insn.id == arm.ARM_INS_BX:
        return insn.operands[0].reg == arm.ARM_REG_LR
    return insn.id in (arm.ARM_INS_POP, arm.ARM_INS_LDM) and any(
        op.type == arm.ARM_OP_REG and op.reg == arm.ARM_REG_PC for op in insn.operands)


def _writes_pc(insn: CsInsn) -> bool:
    """Any other write of pc (MOV pc, LDR pc, BX rN): a jump this reading cannot follow."""
    _, written = insn.regs_access()
    return arm.ARM_REG_PC in written or insn.id in (arm.ARM_INS_BX, arm.ARM_INS_BLX)


def function_stack_bytes(image: LoadedImage, name: str) -> int:
    """Deepest stack use of one call of `name`, following its branches from the entry with the
    depth each instruction leaves. EmulatorError for what cannot be followed."""
    symbol = image.symbols[name]
    section = image.section(symbol.section)
    start = symbol.address - section.address
    code = section.data[start:start + symbol.size]
    decoder = Cs(CS_ARCH_ARM, CS_MODE_THUMB | CS_MODE_MCLASS)
    decoder.detail = True
    instructions = {insn.address: insn for insn in decoder.disasm(code, symbol.address)}
    if sum(insn.size for insn in instructions.values()) != symbol.size:
        raise EmulatorError(f"{name}: the code does not decode to the end of the function; its stack use "
                            "cannot be read (measure it with mema-run)")

    def fail(insn: CsInsn, why: str) -> EmulatorError:
        return EmulatorError(f"{name}: {why} at {insn.address:#x} ({insn.mnemonic} {insn.op_str}); its stack "
                             "use cannot be read from the code (measure it with mema-run)")

    depth_at: dict[int, int] = {}
    work = [(symbol.address, 0)]
    deepest = 0
    while work:
        address, depth = work.pop()
        if address in depth_at:
            if depth_at[address] != depth:
                raise fail(instructions[address], f"two paths reach it {depth_at[address]} and {depth} bytes deep")
            continue
        insn = instructions.get(address)
        if insn is None:
            raise EmulatorError(f"{name}: a branch leaves the function (to {address:#x}); its stack use cannot "
                                "be read from the code (measure it with mema-run)")
        depth_at[address] = depth
        if insn.id in (arm.ARM_INS_BL, arm.ARM_INS_BLX):
            raise fail(insn, "a call")
        if insn.id in (arm.ARM_INS_TBB, arm.ARM_INS_TBH):
            raise fail(insn, "a jump table")
        change = _stack_change(insn)
        if change is None:
            raise fail(insn, "sp moved by an instruction this reading does not follow")
        conditional = insn.cc not in (arm.ARM_CC_AL, arm.ARM_CC_INVALID)
        after = depth + change
        if after < 0:
            raise fail(insn, "the stack goes above the entry's")
        deepest = max(deepest, after)
        successors: list[tuple[int, int]] = []
        if insn.id in (arm.ARM_INS_B, arm.ARM_INS_CBZ, arm.ARM_INS_CBNZ):
            successors.append((int(insn.operands[-1].imm), after))
            if conditional or insn.id != arm.ARM_INS_B:
                successors.append((address + insn.size, depth))
        elif _is_return(insn):
            if after != 0:
                raise fail(insn, f"a return {after} bytes deep")
            if conditional:
                successors.append((address + insn.size, depth))
        elif _writes_pc(insn):
            raise fail(insn, "a computed jump")
        else:
            successors.append((address + insn.size, after))
            if conditional and change:
                successors.append((address + insn.size, depth))  # not executed: two depths meet, an error
        work.extend(successors)
    return deepest
