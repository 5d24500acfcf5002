"""Flash and SRAM an object needs, read from the object itself: what `--mema-report` gives for a
compiled module, so that a user sizes the memories without running anything.

Flash is every allocatable read-only section (code, constants) plus initialised data (its load
image); static SRAM is the writable sections (.data, .bss: the arena of intermediate tensors and
the packing buffers). The stack a call needs is read from each function's code: the prologue's
PUSH and SUB sp, and the PUSH/POP pairs inside (each micro-kernel saves C's address while its k
loop holds every register). mema's functions call nothing (the objects have no undefined symbol),
so a function's deepest point is its own; `mema-run` measures the same figure on the emulator and
the tests compare the two.
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


def object_footprint(obj: bytes) -> Footprint:
    """The footprint of a relocatable object mema emitted."""
    image = load_elf(obj)
    text = sum(s.size for s in image.sections if s.executable)
    flash = sum(s.size for s in image.sections if s.region == "flash")
    initialised = sum(s.size for s in image.sections if s.region == "sram" and not s.name.startswith(".bss"))
    sram = sum(s.size for s in image.sections if s.region == "sram")
    if _has_data_in_code(obj):
        raise EmulatorError("the code holds literal data ($d mapping symbols): its stack use cannot be read "
                            "instruction by instruction; measure it with mema-run")
    stacks = {symbol.name: function_stack_bytes(image, symbol.name)
              for symbol in image.symbols.values() if symbol.kind == "func" and symbol.is_global}
    return Footprint(text, flash + initialised, sram, stacks)


def _has_data_in_code(obj: bytes) -> bool:
    """Whether an executable section holds data (an ARM `$d` mapping symbol), e.g. a literal pool."""
    elf = ELFFile(io.BytesIO(obj))
    executable = {i for i, s in enumerate(elf.iter_sections()) if s["sh_flags"] & 0x4}  # SHF_EXECINSTR
    for table in elf.iter_sections():
        if isinstance(table, SymbolTableSection):
            for symbol in table.iter_symbols():
                if symbol.name.startswith("$d") and symbol["st_shndx"] in executable:
                    return True
    return False


def _registers(insn: CsInsn) -> int:
    return sum(1 for op in insn.operands if op.type == arm.ARM_OP_REG)


def _sp_immediate(insn: CsInsn) -> int | None:
    """N of `sub sp, [sp,] #N` / `add sp, [sp,] #N`; None for anything else."""
    ops = insn.operands
    if not ops or ops[0].type != arm.ARM_OP_REG or ops[0].reg != arm.ARM_REG_SP:
        return None
    if ops[-1].type != arm.ARM_OP_IMM:
        return None
    if len(ops) == 3 and not (ops[1].type == arm.ARM_OP_REG and ops[1].reg == arm.ARM_REG_SP):
        return None
    return int(ops[-1].imm)


def _is_return(insn: CsInsn) -> bool:
    if insn.id == arm.ARM_INS_BX:
        return insn.operands[0].reg == arm.ARM_REG_LR
    if insn.id in (arm.ARM_INS_POP, arm.ARM_INS_LDM):
        return any(op.type == arm.ARM_OP_REG and op.reg == arm.ARM_REG_PC for op in insn.operands)
    return False


def function_stack_bytes(image: LoadedImage, name: str) -> int:
    """Deepest stack use of one call of `name`: its code read in address order, each PUSH/SUB sp
    deepening and each POP/ADD sp releasing; after a return the depth is the frame's again
    (code after a return is reached from inside the frame)."""
    symbol = image.symbols[name]
    section = image.section(symbol.section)
    start = symbol.address - section.address
    code = section.data[start:start + symbol.size]
    decoder = Cs(CS_ARCH_ARM, CS_MODE_THUMB | CS_MODE_MCLASS)
    decoder.detail = True
    depth = deepest = 0
    frame: int | None = None  # depth once the prologue is done
    for insn in decoder.disasm(code, symbol.address):
        change = 0
        if insn.id == arm.ARM_INS_PUSH or (insn.id == arm.ARM_INS_STMDB and insn.writeback
                                           and insn.operands[0].reg == arm.ARM_REG_SP):
            change = 4 * (_registers(insn) - (insn.id == arm.ARM_INS_STMDB))
        elif insn.id == arm.ARM_INS_POP or (insn.id == arm.ARM_INS_LDM and insn.writeback
                                            and insn.operands[0].reg == arm.ARM_REG_SP):
            change = -4 * (_registers(insn) - (insn.id == arm.ARM_INS_LDM))
        elif insn.id in (arm.ARM_INS_SUB, arm.ARM_INS_SUBW) and (n := _sp_immediate(insn)) is not None:
            change = n
        elif insn.id in (arm.ARM_INS_ADD, arm.ARM_INS_ADDW) and (n := _sp_immediate(insn)) is not None:
            change = -n
        elif frame is None and insn.id not in (arm.ARM_INS_MOV, arm.ARM_INS_MOVW, arm.ARM_INS_MOVT):
            frame = depth
        depth += change
        deepest = max(deepest, depth)
        if _is_return(insn):
            depth = frame if frame is not None else 0
    return deepest
