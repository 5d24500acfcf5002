"""Lay out and relocate one relocatable ARM ELF object (what `llc -filetype=obj` writes).

There is no linker in the loop: the emulator places the object's sections itself (code and
read-only data in flash, writable data in SRAM) and applies the relocations llc emits for
Thumb code. Anything it cannot resolve exactly (an undefined symbol, an unknown relocation) is
an error, because a silently unpatched instruction would make every count afterwards wrong.
"""

from __future__ import annotations

import io
import struct
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from elftools.common.exceptions import ELFError
from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection

from mema_mlir.emulator.errors import (
    ElfLoadError,
    UndefinedSymbolError,
    UnsupportedRelocationError,
)

FLASH_BASE = 0x0800_0000
SRAM_BASE = 0x2000_0000

Region = Literal["flash", "sram"]

# Sections that describe the code rather than take part in running it.
_IGNORED_SECTION_TYPES = {"SHT_ARM_EXIDX", "SHT_ARM_ATTRIBUTES", "SHT_ARM_PREEMPTMAP"}
_IGNORED_SECTION_PREFIXES = (".ARM.exidx", ".ARM.extab")

# ARM ELF relocation type numbers (ELF for the Arm Architecture, table "Relocation codes").
R_ARM_NONE = 0
R_ARM_ABS32 = 2
R_ARM_REL32 = 3
R_ARM_THM_CALL = 10
R_ARM_THM_JUMP24 = 30
R_ARM_PREL31 = 42
R_ARM_THM_MOVW_ABS_NC = 47
R_ARM_THM_MOVT_ABS = 48
R_ARM_THM_MOVW_PREL_NC = 49
R_ARM_THM_MOVT_PREL = 50
R_ARM_THM_JUMP19 = 51
R_ARM_THM_JUMP11 = 102
R_ARM_THM_JUMP8 = 103

RELOCATION_NAMES: dict[int, str] = {
    R_ARM_NONE: "R_ARM_NONE",
    R_ARM_ABS32: "R_ARM_ABS32",
    R_ARM_REL32: "R_ARM_REL32",
    R_ARM_THM_CALL: "R_ARM_THM_CALL",
    R_ARM_THM_JUMP24: "R_ARM_THM_JUMP24",
    R_ARM_PREL31: "R_ARM_PREL31",
    R_ARM_THM_MOVW_ABS_NC: "R_ARM_THM_MOVW_ABS_NC",
    R_ARM_THM_MOVT_ABS: "R_ARM_THM_MOVT_ABS",
    R_ARM_THM_MOVW_PREL_NC: "R_ARM_THM_MOVW_PREL_NC",
    R_ARM_THM_MOVT_PREL: "R_ARM_THM_MOVT_PREL",
    R_ARM_THM_JUMP19: "R_ARM_THM_JUMP19",
    R_ARM_THM_JUMP11: "R_ARM_THM_JUMP11",
    R_ARM_THM_JUMP8: "R_ARM_THM_JUMP8",
}

# Names of some types the loader refuses, for readable errors.
_OTHER_RELOCATION_NAMES: dict[int, str] = {
    1: "R_ARM_PC24",
    5: "R_ARM_ABS16",
    8: "R_ARM_ABS8",
    11: "R_ARM_THM_PC8",
    38: "R_ARM_TARGET1",
    40: "R_ARM_V4BX",
    53: "R_ARM_THM_ALU_PREL_11_0",
    54: "R_ARM_THM_PC12",
}


@dataclass(frozen=True)
class LoadedSection:
    """One allocatable section at its final address, relocated."""

    name: str
    region: Region
    address: int
    data: bytes
    executable: bool
    writable: bool

    @property
    def size(self) -> int:
        """Size in bytes (NOBITS sections are materialised as zeros)."""
        return len(self.data)

    @property
    def end(self) -> int:
        """First address past the section."""
        return self.address + len(self.data)


@dataclass(frozen=True)
class Symbol:
    """A named function or data object of the object file, at its final address."""

    name: str
    address: int  # Thumb bit cleared
    size: int
    kind: Literal["func", "object", "notype"]
    section: str
    thumb: bool
    is_global: bool


@dataclass(frozen=True)
class LoadedImage:
    """The object laid out in the memory map: what the machine copies into flash and SRAM."""

    sections: tuple[LoadedSection, ...]
    symbols: dict[str, Symbol]
    flash_base: int
    flash_end: int  # first free flash address after the object's sections
    sram_base: int
    sram_end: int  # first free SRAM address after the object's sections
    relocations: Counter[str] = field(default_factory=Counter)  # applied, by type name

    @property
    def functions(self) -> dict[str, int]:
        """Function name -> entry address with the Thumb bit cleared."""
        return {s.name: s.address for s in self.symbols.values() if s.kind == "func"}

    def function_address(self, name: str) -> int:
        """Entry address of `name` (Thumb bit cleared); a clear error lists what exists."""
        symbol = self.symbols.get(name)
        if symbol is None or symbol.kind != "func":
            known = ", ".join(sorted(self.functions)) or "none"
            raise KeyError(f"no function '{name}' in the object; functions: {known}")
        return symbol.address

    def section(self, name: str) -> LoadedSection:
        """The loaded section called `name`."""
        for section in self.sections:
            if section.name == name:
                return section
        raise KeyError(f"no loaded section '{name}'")


def _align(value: int, alignment: int) -> int:
    return (value + alignment - 1) // alignment * alignment if alignment > 1 else value


def _sign_extend(value: int, bits: int) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value & (1 << (bits - 1)) else value


def _section_region(section: object, name: str) -> Region | None:
    """Flash for code and read-only data, SRAM for writable data, None for what is not loaded."""
    header = section.header  # type: ignore[attr-defined]
    flags = header["sh_flags"]
    if not flags & SH_FLAGS.SHF_ALLOC:
        return None
    if header["sh_type"] in _IGNORED_SECTION_TYPES or name.startswith(_IGNORED_SECTION_PREFIXES):
        return None
    if header["sh_size"] == 0:
        return None
    if flags & SH_FLAGS.SHF_WRITE:
        return "sram"
    return "flash"


# ---- Thumb instruction fields patched by relocations ---------------------------------------


def _read_thumb32(buf: bytearray, offset: int) -> tuple[int, int]:
    return struct.unpack_from("<HH", buf, offset)


def _write_thumb32(buf: bytearray, offset: int, hw1: int, hw2: int) -> None:
    struct.pack_into("<HH", buf, offset, hw1, hw2)


def _bl_offset(hw1: int, hw2: int) -> int:
    """Offset encoded in a Thumb BL / B.W (encoding T4): S:I1:I2:imm10:imm11:0."""
    s = (hw1 >> 10) & 1
    j1 = (hw2 >> 13) & 1
    j2 = (hw2 >> 11) & 1
    i1 = (~(j1 ^ s)) & 1
    i2 = (~(j2 ^ s)) & 1
    imm = (s << 24) | (i1 << 23) | (i2 << 22) | ((hw1 & 0x3FF) << 12) | ((hw2 & 0x7FF) << 1)
    return _sign_extend(imm, 25)


def _set_bl_offset(hw1: int, hw2: int, offset: int) -> tuple[int, int]:
    s = (offset >> 24) & 1
    i1 = (offset >> 23) & 1
    i2 = (offset >> 22) & 1
    j1 = (i1 ^ 1) ^ s
    j2 = (i2 ^ 1) ^ s
    hw1 = (hw1 & 0xF800) | (s << 10) | ((offset >> 12) & 0x3FF)
    hw2 = (hw2 & 0xD000) | (j1 << 13) | (j2 << 11) | ((offset >> 1) & 0x7FF)
    return hw1, hw2


def _bcond_offset(hw1: int, hw2: int) -> int:
    """Offset in a Thumb B<cc>.W (encoding T3): S:J2:J1:imm6:imm11:0."""
    s = (hw1 >> 10) & 1
    j1 = (hw2 >> 13) & 1
    j2 = (hw2 >> 11) & 1
    imm = (s << 20) | (j2 << 19) | (j1 << 18) | ((hw1 & 0x3F) << 12) | ((hw2 & 0x7FF) << 1)
    return _sign_extend(imm, 21)


def _set_bcond_offset(hw1: int, hw2: int, offset: int) -> tuple[int, int]:
    s = (offset >> 20) & 1
    j2 = (offset >> 19) & 1
    j1 = (offset >> 18) & 1
    hw1 = (hw1 & 0xFBC0) | (s << 10) | ((offset >> 12) & 0x3F)
    hw2 = (hw2 & 0xD000) | (j1 << 13) | (j2 << 11) | ((offset >> 1) & 0x7FF)
    return hw1, hw2


def _mov_imm16(hw1: int, hw2: int) -> int:
    """imm16 of a Thumb MOVW/MOVT (encoding T3): imm4:i:imm3:imm8."""
    return ((hw1 & 0xF) << 12) | (((hw1 >> 10) & 1) << 11) | (((hw2 >> 12) & 7) << 8) | (hw2 & 0xFF)


def _set_mov_imm16(hw1: int, hw2: int, imm16: int) -> tuple[int, int]:
    hw1 = (hw1 & 0xFBF0) | (((imm16 >> 11) & 1) << 10) | ((imm16 >> 12) & 0xF)
    hw2 = (hw2 & 0x8F00) | (((imm16 >> 8) & 7) << 12) | (imm16 & 0xFF)
    return hw1, hw2


def _check_range(kind: str, value: int, bits: int, where: str) -> None:
    low, high = -(1 << (bits - 1)), 1 << (bits - 1)
    if not low <= value < high:
        raise ElfLoadError(f"{kind} at {where}: offset {value:#x} does not fit in {bits} bits")


@dataclass(frozen=True)
class _Target:
    value: int  # S, Thumb bit cleared
    thumb: int  # T: 1 for a Thumb function symbol


def _apply(
    rtype: int, buf: bytearray, offset: int, place: int, target: _Target, rela_addend: int | None
) -> None:
    """Patch one relocation of type `rtype` at `buf[offset]` (address `place`)."""
    where = f"{place:#x}"
    s, t, p = target.value, target.thumb, place
    name = RELOCATION_NAMES[rtype]
    if rtype in (R_ARM_ABS32, R_ARM_REL32, R_ARM_PREL31):
        (word,) = struct.unpack_from("<I", buf, offset)
        if rtype == R_ARM_PREL31:
            a = _sign_extend(word, 31) if rela_addend is None else rela_addend
            x = ((s + a) | t) - p
            _check_range(name, x, 31, where)
            word = (word & 0x8000_0000) | (x & 0x7FFF_FFFF)
        else:
            a = _sign_extend(word, 32) if rela_addend is None else rela_addend
            x = (s + a) | t
            if rtype == R_ARM_REL32:
                x -= p
            word = x & 0xFFFF_FFFF
        struct.pack_into("<I", buf, offset, word)
        return
    if rtype == R_ARM_THM_JUMP11:
        (hw,) = struct.unpack_from("<H", buf, offset)
        a = _sign_extend((hw & 0x7FF) << 1, 12) if rela_addend is None else rela_addend
        x = (s + a) - p
        _check_range(name, x, 12, where)
        struct.pack_into("<H", buf, offset, (hw & 0xF800) | ((x >> 1) & 0x7FF))
        return
    if rtype == R_ARM_THM_JUMP8:
        (hw,) = struct.unpack_from("<H", buf, offset)
        a = _sign_extend((hw & 0xFF) << 1, 9) if rela_addend is None else rela_addend
        x = (s + a) - p
        _check_range(name, x, 9, where)
        struct.pack_into("<H", buf, offset, (hw & 0xFF00) | ((x >> 1) & 0xFF))
        return
    hw1, hw2 = _read_thumb32(buf, offset)
    if rtype in (R_ARM_THM_CALL, R_ARM_THM_JUMP24):
        a = _bl_offset(hw1, hw2) if rela_addend is None else rela_addend
        # M-profile has no ARM state: every code target is Thumb, so a BL stays a BL.
        x = (s + a) - p
        _check_range(name, x, 25, where)
        hw1, hw2 = _set_bl_offset(hw1, hw2, x)
    elif rtype == R_ARM_THM_JUMP19:
        a = _bcond_offset(hw1, hw2) if rela_addend is None else rela_addend
        x = (s + a) - p
        _check_range(name, x, 21, where)
        hw1, hw2 = _set_bcond_offset(hw1, hw2, x)
    elif rtype in (
        R_ARM_THM_MOVW_ABS_NC,
        R_ARM_THM_MOVT_ABS,
        R_ARM_THM_MOVW_PREL_NC,
        R_ARM_THM_MOVT_PREL,
    ):
        a = _sign_extend(_mov_imm16(hw1, hw2), 16) if rela_addend is None else rela_addend
        if rtype == R_ARM_THM_MOVW_ABS_NC:
            imm = (s + a) | t
        elif rtype == R_ARM_THM_MOVT_ABS:
            imm = (s + a) >> 16
        elif rtype == R_ARM_THM_MOVW_PREL_NC:
            imm = ((s + a) | t) - p
        else:
            imm = (s + a - p) >> 16
        hw1, hw2 = _set_mov_imm16(hw1, hw2, imm & 0xFFFF)
    else:  # pragma: no cover - guarded by RELOCATION_NAMES
        raise UnsupportedRelocationError(f"relocation {name} at {where}")
    _write_thumb32(buf, offset, hw1, hw2)


def load_elf(
    obj: bytes, *, flash_base: int = FLASH_BASE, sram_base: int = SRAM_BASE
) -> LoadedImage:
    """Lay out the allocatable sections of relocatable ARM ELF `obj` and relocate them.

    Flash gets SHF_ALLOC sections that are not writable (.text*, .rodata*), SRAM the writable
    ones (.data*, .bss*), each at its alignment, in section-table order. Unwind tables
    (.ARM.exidx/.ARM.extab) are not loaded and their relocations are not applied.
    """
    try:
        elf = ELFFile(io.BytesIO(obj))
    except ELFError as exc:
        raise ElfLoadError(f"not an ELF file: {exc}") from exc
    if elf.elfclass != 32 or not elf.little_endian or elf["e_machine"] != "EM_ARM":
        raise ElfLoadError("expected a 32-bit little-endian ARM ELF object")
    if elf["e_type"] != "ET_REL":
        raise ElfLoadError(f"expected a relocatable object (ET_REL), got {elf['e_type']}")

    # 1. Place the sections.
    cursor = {"flash": flash_base, "sram": sram_base}
    placed: dict[int, tuple[str, Region, int, bytearray, bool, bool]] = {}
    for index, section in enumerate(elf.iter_sections()):
        name = section.name
        region = _section_region(section, name)
        if region is None:
            continue
        header = section.header
        address = _align(cursor[region], max(1, header["sh_addralign"]))
        data = (
            bytearray(header["sh_size"])
            if header["sh_type"] == "SHT_NOBITS"
            else bytearray(section.data())
        )
        cursor[region] = address + len(data)
        executable = bool(header["sh_flags"] & SH_FLAGS.SHF_EXECINSTR)
        writable = bool(header["sh_flags"] & SH_FLAGS.SHF_WRITE)
        placed[index] = (name, region, address, data, executable, writable)

    symtab = elf.get_section_by_name(".symtab")
    raw_symbols = list(symtab.iter_symbols()) if symtab is not None else []

    def resolve(sym_index: int) -> _Target | None:
        """Final address of symbol `sym_index`; None when undefined."""
        sym = raw_symbols[sym_index]
        shndx = sym["st_shndx"]
        if shndx == "SHN_UNDEF":
            return None
        value = sym["st_value"]
        thumb = int(sym["st_info"]["type"] == "STT_FUNC" and value & 1)
        value &= ~1 if thumb else ~0
        if shndx == "SHN_ABS":
            return _Target(value, thumb)
        if not isinstance(shndx, int) or shndx not in placed:
            where = shndx if not isinstance(shndx, int) else elf.get_section(shndx).name
            raise ElfLoadError(
                f"symbol '{sym.name or '(section)'}' lies in section {where}, which is not loaded"
            )
        return _Target(placed[shndx][2] + value, thumb)

    # 2. Relocate the placed sections.
    applied: Counter[str] = Counter()
    undefined: list[str] = []
    for section in elf.iter_sections():
        if not isinstance(section, RelocationSection):
            continue
        target_index = section.header["sh_info"]
        if target_index not in placed:
            continue  # e.g. .rel.ARM.exidx, debug info
        tname, _region, base, data, _x, _w = placed[target_index]
        is_rela = section.is_RELA()
        for reloc in section.iter_relocations():
            rtype = reloc["r_info_type"]
            offset = reloc["r_offset"]
            if rtype == R_ARM_NONE:
                continue
            if rtype not in RELOCATION_NAMES:
                sym_name = raw_symbols[reloc["r_info_sym"]].name or "(section)"
                label = _OTHER_RELOCATION_NAMES.get(rtype, "unknown")
                raise UnsupportedRelocationError(
                    f"unsupported relocation {label} (type {rtype}) in {tname} at offset "
                    f"{offset:#x} against '{sym_name}'"
                )
            target = resolve(reloc["r_info_sym"])
            if target is None:
                undefined.append(raw_symbols[reloc["r_info_sym"]].name)
                continue
            addend = reloc["r_addend"] if is_rela else None
            _apply(rtype, data, offset, base + offset, target, addend)
            applied[RELOCATION_NAMES[rtype]] += 1
    if undefined:
        raise UndefinedSymbolError(undefined)

    # 3. Export the named symbols (mapping symbols $t/$d and section symbols are noise).
    symbols: dict[str, Symbol] = {}
    for sym_index, sym in enumerate(raw_symbols):
        name = sym.name
        kind_raw = sym["st_info"]["type"]
        shndx = sym["st_shndx"]
        if (
            not name
            or name.startswith("$")
            or kind_raw not in ("STT_FUNC", "STT_OBJECT", "STT_NOTYPE")
        ):
            continue
        if not isinstance(shndx, int) or shndx not in placed:
            continue
        target = resolve(sym_index)
        assert target is not None  # defined: its section is placed
        is_global = sym["st_info"]["bind"] != "STB_LOCAL"
        if name in symbols and (symbols[name].is_global or not is_global):
            continue  # keep the first definition, preferring a global one
        kind: Literal["func", "object", "notype"] = (
            "func" if kind_raw == "STT_FUNC" else "object" if kind_raw == "STT_OBJECT" else "notype"
        )
        symbols[name] = Symbol(
            name=name,
            address=target.value,
            size=sym["st_size"],
            kind=kind,
            section=placed[shndx][0],
            thumb=bool(target.thumb),
            is_global=is_global,
        )

    sections = tuple(
        LoadedSection(name, region, address, bytes(data), executable, writable)
        for name, region, address, data, executable, writable in placed.values()
    )
    return LoadedImage(
        sections=sections,
        symbols=symbols,
        flash_base=flash_base,
        flash_end=cursor["flash"],
        sram_base=sram_base,
        sram_end=cursor["sram"],
        relocations=applied,
    )
