"""Which rewritten functions are straight-line: one kernel, no loop around its statements.

The lowering's canonicalize folds every one-trip loop, so a small matmul (one block of rows or
columns, at most one full block plus an edge block) becomes PUSH, a few moves, its inline-asm
statements and POP. The loop nest's cost figures do not describe that code; the model's
straight_line_adjustment does, from the registers each statement takes, read here off the IR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlir.ir import Operation, WalkResult

_CONSTANT_MAP = re.compile(r"^affine_map<\(\) -> \((-?\d+)\)>$")
# What a rewritten kernel's function may hold besides its statements and one-trip loops: address
# arithmetic, constants, globals' addresses. Anything else (a linalg op, a load or store, an
# allocation, a call, another loop) is code of its own that takes registers or loops.
_KERNEL_DIALECTS = ("arith.", "llvm.", "builtin.")
_KERNEL_OPS = ("func.func", "func.return", "affine.apply", "affine.yield", "memref.get_global",
               "memref.extract_aligned_pointer_as_index", "memref.extract_strided_metadata",
               "memref.subview", "memref.reinterpret_cast")


def statement_registers(constraints: str) -> int:
    """Registers an inline-asm statement takes: its outputs and untied inputs (a tied input
    shares its output's register; clobbers take none)."""
    return sum(1 for entry in constraints.split(",") if entry in ("=&r", "=r", "r"))


def _trips(op: Operation) -> int | None:
    bounds = []
    for name in ("lowerBoundMap", "upperBoundMap"):
        match = _CONSTANT_MAP.match(str(op.attributes[name]))
        if match is None:
            return None
        bounds.append(int(match.group(1)))
    step = int(str(op.attributes["step"]).split(":")[0])
    return max(0, -(-(bounds[1] - bounds[0]) // step))


@dataclass(frozen=True)
class StraightLine:
    """A straight-line function: the registers each statement takes, and how many globals'
    addresses it materialises (a MOVW/MOVT pair each: constants, tables, buffers)."""

    statement_registers: list[int]
    globals: int


def straight_line_statements(function: Operation) -> StraightLine | None:
    """The registers of each inline-asm statement of `function`, or None when it runs anything
    but them and their addresses (an affine.for of more than one trip, a linalg op, a load, a
    call: see _KERNEL_OPS)."""
    registers: list[int] = []
    globals_used: set[str] = set()
    loops = False

    def visit(op: Operation) -> WalkResult:
        nonlocal loops
        name = op.name
        if name == "affine.for":
            trips = _trips(op)
            if trips != 1:  # unknown, several, or none (its statements would not run): not priced
                loops = True
        elif name == "memref.get_global":
            globals_used.add(str(op.attributes["name"]))
        elif name == "llvm.inline_asm":
            registers.append(statement_registers(str(op.attributes["constraints"]).strip('"')))
        elif not name.startswith(_KERNEL_DIALECTS) and name not in _KERNEL_OPS:
            loops = True
        return WalkResult.INTERRUPT if loops else WalkResult.ADVANCE

    function.walk(visit)
    return None if loops or not registers else StraightLine(registers, len(globals_used))
