"""Exceptions of the emulator.

The emulator stands in for silicon, so anything it cannot model exactly is an error with a
message naming the culprit, never a silent approximation.
"""

from __future__ import annotations


class EmulatorError(RuntimeError):
    """Base class of every error the emulator raises on purpose."""


class ElfLoadError(EmulatorError):
    """The object file is not a relocatable little-endian 32-bit ARM ELF we can lay out."""


class UndefinedSymbolError(ElfLoadError):
    """A relocation refers to a symbol the object does not define (e.g. memcpy, __aeabi_*)."""

    def __init__(self, names: list[str]) -> None:
        self.names = sorted(set(names))
        super().__init__(
            "object is not self-contained: undefined symbol(s) referenced: " + ", ".join(self.names)
        )


class UnsupportedRelocationError(ElfLoadError):
    """A relocation type the loader does not implement (it would otherwise be left unpatched)."""


class UnsupportedInstructionError(EmulatorError):
    """An executed instruction the counting model does not cover (class or memory access)."""


class MemoryAccessError(EmulatorError):
    """A data access outside every buffer, section and the stack, or a store to flash."""


class EmulationError(EmulatorError):
    """Unicorn faulted, control flow was inconsistent, or the AAPCS contract was broken."""


class InstructionLimitError(EmulationError):
    """The run executed more instructions than allowed (probably an endless loop)."""
