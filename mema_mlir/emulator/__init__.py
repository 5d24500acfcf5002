"""An emulated Cortex-M4 that runs llc objects and counts their memory traffic exactly.

It is the project's stand-in for silicon: the analytical model's load/store predictions are
checked against what `run_function` measures. Cycle figures are estimates (see timing.py).
"""

from mema_mlir.emulator.accesses import Access, data_accesses, plan_accesses
from mema_mlir.emulator.build import assemble, compile_llvm_ir, disassemble
from mema_mlir.emulator.elf_loader import LoadedImage, LoadedSection, Symbol, load_elf
from mema_mlir.emulator.errors import (
    ElfLoadError,
    EmulationError,
    EmulatorError,
    InstructionLimitError,
    MemoryAccessError,
    UndefinedSymbolError,
    UnsupportedInstructionError,
    UnsupportedRelocationError,
)
from mema_mlir.emulator.machine import (
    AccessCounts,
    Buffer,
    CrossCheckResult,
    MemoryConfig,
    MemoryTraffic,
    Placement,
    RunResult,
    run_function,
    run_function_memory_hooks,
)
from mema_mlir.emulator.timing import InstrClass, instruction_cycles

__all__ = [
    "Access",
    "AccessCounts",
    "Buffer",
    "CrossCheckResult",
    "ElfLoadError",
    "EmulationError",
    "EmulatorError",
    "InstrClass",
    "InstructionLimitError",
    "LoadedImage",
    "LoadedSection",
    "MemoryAccessError",
    "MemoryConfig",
    "MemoryTraffic",
    "Placement",
    "RunResult",
    "Symbol",
    "UndefinedSymbolError",
    "UnsupportedInstructionError",
    "UnsupportedRelocationError",
    "assemble",
    "compile_llvm_ir",
    "data_accesses",
    "disassemble",
    "instruction_cycles",
    "load_elf",
    "plan_accesses",
    "run_function",
    "run_function_memory_hooks",
]
