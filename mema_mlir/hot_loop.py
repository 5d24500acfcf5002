"""The hottest loop of an emulated run, timed two ways: from the trace (the Cortex-M4 timing
table, as the emulator charges it) and by llvm-mca's Cortex-M4 model on the same instructions.

The ratio is a cross-check of the timing table against LLVM's own scheduling model; neither is
silicon. The loop is the set of addresses executed most often (an innermost loop body runs as
many times as it iterates).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

from mema_mlir.emulator import RunResult
from mema_mlir.tools import find_tool

_BRANCH = re.compile(r"^(b|bl|bx|cbz|cbnz)(eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al)?(\.w|\.n)?$")


@dataclass(frozen=True)
class HotLoop:
    """One loop of a run and its cycles per iteration."""

    iterations: int
    instructions: tuple[str, ...]
    trace_cycles_per_iteration: float
    mca_cycles_per_iteration: float | None

    @property
    def mca_ratio(self) -> float | None:
        """llvm-mca's cycles per iteration over the trace's."""
        if self.mca_cycles_per_iteration is None or not self.trace_cycles_per_iteration:
            return None
        return self.mca_cycles_per_iteration / self.trace_cycles_per_iteration


def hottest_loop(result: RunResult) -> HotLoop | None:
    """The addresses executed most often, if they ran more than once."""
    if not result.exec_counts:
        return None
    iterations = max(result.exec_counts.values())
    if iterations < 2:
        return None
    addresses = sorted(a for a, n in result.exec_counts.items() if n == iterations)
    cycles = sum(result.cycles_at.get(a, 0) for a in addresses)
    texts = tuple(result.disassembly[a] for a in addresses)
    return HotLoop(iterations, texts, cycles / iterations, mca_cycles_per_iteration(texts))


def mca_source(instructions: tuple[str, ...]) -> str:
    """Assembly llvm-mca reads: branches retargeted to the loop's own label."""
    lines = [".syntax unified", ".thumb", ".Lloop:"]
    for text in instructions:
        mnemonic, _, operands = text.partition(" ")
        if _BRANCH.match(mnemonic):
            if mnemonic.startswith(("cbz", "cbnz")):
                register = operands.split(",")[0]
                lines.append(f"  {mnemonic} {register}, .Lloop")
            else:
                lines.append(f"  {mnemonic} .Lloop")
        else:
            lines.append(f"  {text}")
    return "\n".join(lines) + "\n"


def mca_cycles_per_iteration(instructions: tuple[str, ...], iterations: int = 100) -> float | None:
    """llvm-mca's total cycles over `iterations` of the loop, per iteration (None if it fails)."""
    command = [str(find_tool("llvm-mca")), "-mtriple=thumbv7em-none-eabi", "-mcpu=cortex-m4",
               f"-iterations={iterations}", "-"]
    completed = subprocess.run(command, input=mca_source(instructions), capture_output=True,
                               text=True, check=False)
    match = re.search(r"Total Cycles:\s+(\d+)", completed.stdout)
    if completed.returncode != 0 or match is None:
        return None
    return int(match.group(1)) / iterations
