"""Produce objects for the emulator with the bundled LLVM tools (llc, llvm-mc).

LLVM IR goes through mema_mlir.emit's llc call (same target, same flags), so what the emulator
runs in tests is what the compiler's output would be; llvm-mc assembles exact instruction
sequences for the counting tests.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from mema_mlir.tools import find_tool

TRIPLE = "thumbv7em-none-eabi"
CPU = "cortex-m4"


def _run(tool: str, args: list[str], source: str, suffix: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="mema-emu-") as tmp:
        src = Path(tmp) / f"input{suffix}"
        out = Path(tmp) / "output.o"
        src.write_text(source)
        cmd = [str(find_tool(tool)), *args, str(src), "-o", str(out)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"{tool} failed ({proc.returncode}):\n{proc.stderr}")
        return out.read_bytes()


def compile_llvm_ir(ir: str) -> bytes:
    """Compile LLVM IR text to a relocatable Cortex-M4 object with the compiler's own llc call."""
    from mema_mlir import emit
    from mema_mlir.model import load_target

    return emit.compile_llvm_ir(ir, load_target(CPU), "obj")


def assemble(asm: str) -> bytes:
    """Assemble Thumb assembly text to a relocatable Cortex-M4 object with llvm-mc."""
    args = [f"-triple={TRIPLE}", f"-mcpu={CPU}", "-filetype=obj"]
    return _run("llvm-mc", args, asm, ".s")


def disassemble(obj: bytes) -> str:
    """llvm-objdump's disassembly with relocations, for error messages and debugging."""
    with tempfile.TemporaryDirectory(prefix="mema-emu-") as tmp:
        path = Path(tmp) / "input.o"
        path.write_bytes(obj)
        cmd = [
            str(find_tool("llvm-objdump")),
            "-dr",
            f"--triple={TRIPLE}",
            f"--mcpu={CPU}",
            str(path),
        ]
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
