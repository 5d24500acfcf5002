"""Refuse, before parsing, the inputs MLIR's parser is known to abort on.

MLIR 22.1.8's parser reports a block label defined twice in one region ("redefinition of block
'^bb0'") and then aborts the process while it destroys the half-built region when an op of the
dropped block still has users ("operation destroyed but still has uses"; mlir-opt aborts the
same way). Found by benchmarks/fuzz_mema_opt.py. A lexical scan finds the redefinition first,
so the user gets the parser's own located error and exit 1 instead of a crash.
"""

from __future__ import annotations

import re

from mema_mlir.diagnostics import Diagnostic

_LABEL = re.compile(r"\^[\w$.-]+")


def _code(line: str) -> str:
    """The line without string literals (kept as empty quotes) and without a // comment."""
    out = []
    i = 0
    while i < len(line):
        char = line[i]
        if char == '"':
            i += 1
            while i < len(line) and line[i] != '"':
                i += 2 if line[i] == "\\" else 1
            out.append('""')
        elif line.startswith("//", i):
            break
        else:
            out.append(char)
        i += 1
    return "".join(out)


def redefined_block(text: str) -> Diagnostic | None:
    """The first block label defined twice within one region, as the parser's error."""
    regions: list[set[str]] = [set()]
    for number, line in enumerate(text.splitlines(), 1):
        code = _code(line)
        stripped = code.lstrip()
        if stripped.startswith("^"):
            match = _LABEL.match(stripped)
            if match:
                label = match.group(0)
                if label in regions[-1]:
                    column = len(code) - len(stripped) + 1
                    return Diagnostic("error", f"redefinition of block '{label}'", number, column)
                regions[-1].add(label)
        for char in code:
            if char == "{":
                regions.append(set())
            elif char == "}" and len(regions) > 1:
                regions.pop()
    return None
