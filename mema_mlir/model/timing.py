"""Cycles per executed instruction class: the shared Cortex-M4 timing table, unchanged.

(After the Cortex-M4 TRM, "Processor instruction timings"; see the shared timing note.) Cycle
figures computed with it are estimates and are labelled "est. cycles" wherever shown.
"""

from __future__ import annotations

# Classes named as the emulator names them, so predicted and measured counts line up.
INSTRUCTION_CLASSES = (
    "load", "store", "extend", "alu", "dsp_mac", "mul", "branch", "load_multiple", "store_multiple",
)

SINGLE_LOAD_STORE = 2  # LDR/LDRSB/LDRSH/STR...
PIPELINED_LOAD_STORE = 1  # ...when the previous executed instruction was a single load/store
ONE_CYCLE = 1  # data processing, extends, PKHBT, MLA, SMLAD
BRANCH_NOT_TAKEN = 1
TAKEN_PENALTY = 2  # pipeline refill of any taken control transfer


def multiple_cycles(registers: int) -> int:
    """LDM/STM/PUSH/POP of `registers` registers (PC counted)."""
    return 1 + registers
