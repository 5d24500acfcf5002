"""A micro-kernel Program as one `llvm.inline_asm` operation (MLIR text).

Operands follow LLVM's inline-asm rules: every register the program writes is an output; the
ones that also carry a value in (pointers, the loop counter, the C address a scratch register
starts with) are tied to an input ("0", "1", ...); read-only values are plain "r" inputs.
Every output is early-clobber ("=&r"): the program writes its registers while it still reads
its inputs (a loop), so no input may share an output's register, not even one holding the same
value (found when a packing loop's counter and a stride, both the constant 4, were given one
register). The statement clobbers the flags (SUBS) and memory (it reads buffers that ordinary
stores around it write).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mema_mlir.model.microkernel import Program

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Operand:
    """A register of the program (its placeholder name) with the SSA value it starts with
    (empty for a pure output) and its type."""

    name: str
    value: str
    type: str  # "i32" | "!llvm.ptr"


def _escape(text: str) -> str:
    """MLIR string literal escaping (newlines and tabs as hex escapes)."""
    return text.replace("\\", "\\5C").replace('"', "\\22").replace("\n", "\\0A").replace("\t", "\\09")


def inline_asm(program: Program, registers: Sequence[Operand], inputs: Sequence[Operand],
               fresh: Callable[[str], str], emit: Callable[[str], None],
               results: Sequence[str] = ()) -> dict[str, str]:
    """Emit the statement and extract the results named in `results`.

    `registers`: the program's named registers (accumulators, pointers, counter) and the
    scratch registers that start with a value; an operand with a value is tied to an input.
    Every other scratch register is a plain early-clobber output. `inputs`: read-only values.
    Returns placeholder name -> the SSA value it holds after the statement."""
    named = {operand.name for operand in registers}
    scratch = [Operand(f"t{i}", "", "i32") for i in range(program.scratch) if f"t{i}" not in named]
    outputs = [*registers, *scratch]
    numbers = {operand.name: index for index, operand in enumerate(outputs)}
    tied = [(index, operand) for index, operand in enumerate(outputs) if operand.value]
    first_input = len(outputs) + len(tied)
    numbers.update({operand.name: first_input + i for i, operand in enumerate(inputs)})

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in numbers:
            raise ValueError(f"micro-kernel names register {{{name}}} that is not bound")
        return f"${numbers[name]}"

    text = "\n\t".join(_PLACEHOLDER.sub(substitute, line) for line in program.lines())
    constraints = (["=&r"] * len(outputs) + [str(index) for index, _ in tied]
                   + ["r"] * len(inputs) + ["~{cc}", "~{memory}"])
    struct = f"!llvm.struct<({', '.join(o.type.replace('!llvm.ptr', 'ptr') for o in outputs)})>"
    arguments = [operand for _, operand in tied] + list(inputs)
    result = fresh("asm")
    emit(f'{result} = llvm.inline_asm has_side_effects "{_escape(text)}", "{",".join(constraints)}" '
         f"{', '.join(a.value for a in arguments)} : ({', '.join(a.type for a in arguments)}) -> {struct}")
    values: dict[str, str] = {}
    for index, operand in enumerate(outputs):
        if operand.name not in results:
            continue
        value = fresh(operand.name)
        emit(f"{value} = llvm.extractvalue {result}[{index}] : {struct}")
        values[operand.name] = value
    return values
