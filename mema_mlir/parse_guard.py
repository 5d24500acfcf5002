"""Refuse, before parsing, the inputs MLIR's parser is known to abort on.

MLIR 22.1.8's parser reports a block label defined twice in one region ("redefinition of block
'^bb0'") and then aborts the process while it destroys the half-built region when an op of the
dropped block still has users ("operation destroyed but still has uses"; mlir-opt aborts the
same way). Found by benchmarks/fuzz_mema_opt.py. A lexical scan finds the redefinition first,
so the user gets the parser's own located error and exit 1 instead of a crash.

It also aborts (a dominance assertion) on a malformed block header in a region that defines a
value used before, elsewhere (a forward reference): found by the fuzzer too (mlir-opt aborts
alike). Which headers are malformed is the parser's business, so when the text has a forward
reference the parse is tried first in a child process (parser_abort); if that dies, its first
located error is the answer.
"""

from __future__ import annotations

import re
import subprocess

from mema_mlir.diagnostics import Diagnostic
from mema_mlir.tools import find_tool

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


_VALUE = re.compile(r"%[\w$.-]+")
_RESULTS = re.compile(r"(\s*:\s*\d+)?(\s*,\s*%[\w$.-]+(\s*:\s*\d+)?)*\s*=(?!=)")
_ARGUMENT = re.compile(r"\s*:")
_OWNER = re.compile(r"[\^@][\w$.\-\"]+\s*$")


def forward_reference(text: str) -> bool:
    """Whether some SSA value is used before it is defined in the text (lexically, erring on
    yes): its first occurrence is neither a result (`%v =`, `%v:2 =`, `%v, %w =`) nor an
    argument of a block or function (`^bb0(%v: i32`, `@f(%v: i32`)."""
    code = "\n".join(_code(line) for line in text.splitlines())
    seen: set[str] = set()
    for match in _VALUE.finditer(code):
        name = match.group(0)
        if name in seen:
            continue
        seen.add(name)
        if _RESULTS.match(code, match.end()):
            continue
        if _ARGUMENT.match(code, match.end()) and _in_argument_list(code, match.start()):
            continue
        return True
    return False


def _in_argument_list(code: str, i: int) -> bool:
    """Whether position i sits in parentheses opened right after a `^label` or `@symbol`."""
    depth = 0
    while i > 0:
        i -= 1
        depth += {")": 1, "(": -1}.get(code[i], 0)
        if depth < 0:
            return _OWNER.search(code, 0, i) is not None
    return False


_ERROR = re.compile(r"^<stdin>:(\d+):(\d+): error: (.*)$")


def parser_abort(text: str, allow_unregistered: bool = False) -> Diagnostic | None:
    """The parser's first located error when parsing `text` aborts the process, else None.
    Only texts with a forward reference (forward_reference) are tried, by upstream's mlir-opt
    in a child process (it prints the error before it aborts; the Python bindings do not)."""
    if not forward_reference(text):
        return None
    # The output goes to stdout, never to a named file: mlir-opt deletes its output file when it
    # fails, and as root that would remove even /dev/null.
    command = [str(find_tool("mlir-opt")), "-"]
    if allow_unregistered:
        command.insert(1, "--allow-unregistered-dialect")
    probe = subprocess.run(command, input=text, capture_output=True, text=True, errors="replace",
                           timeout=300, check=False)
    if probe.returncode >= 0:
        return None
    for line in probe.stderr.splitlines():
        found = _ERROR.match(line)
        if found:
            return Diagnostic("error", found.group(3), int(found.group(1)), int(found.group(2)))
    return Diagnostic("error", "MLIR's parser aborts on this input")
