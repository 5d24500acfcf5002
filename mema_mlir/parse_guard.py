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
    """The first block label defined twice within one region, as the parser's error. A label is
    defined where `^name` (with its arguments, if any) is followed by `:`, wherever it stands on
    its line; regions are tracked by braces (an attribute dictionary's are harmless)."""
    code = "\n".join(_code(line) for line in text.splitlines())
    regions: list[set[str]] = [set()]
    line, line_start, i = 1, 0, 0
    while i < len(code):
        char = code[i]
        if char == "\n":
            line, line_start = line + 1, i + 1
        elif char == "{":
            regions.append(set())
        elif char == "}" and len(regions) > 1:
            regions.pop()
        elif char == "^":
            match = _LABEL.match(code, i)
            if match:
                end = _after_arguments(code, match.end())
                if end < len(code) and code[end] == ":":
                    label = match.group(0)
                    if label in regions[-1]:
                        return Diagnostic("error", f"redefinition of block '{label}'", line, i - line_start + 1)
                    regions[-1].add(label)
                i = match.end() - 1
        i += 1
    return None


def _after_arguments(code: str, i: int) -> int:
    """The position after a label's argument list (balanced parentheses) and blanks, if any."""
    while i < len(code) and code[i] in " \t\n":
        i += 1
    if i < len(code) and code[i] == "(":
        depth = 0
        while i < len(code):
            depth += {"(": 1, ")": -1}.get(code[i], 0)
            i += 1
            if depth == 0:
                break
        while i < len(code) and code[i] in " \t\n":
            i += 1
    return i
