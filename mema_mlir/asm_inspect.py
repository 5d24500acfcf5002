"""Read llc's Thumb-2 assembly: find innermost loops, count their instructions and stack traffic.

llc annotates every loop header ("This Inner Loop Header" for innermost loops); a loop's body runs
from its header label to the last branch back to it. The DSP micro-kernels are inline assembly
(between llc's @APP and @NO_APP markers), whose loops llc does not annotate: a label there with
a later branch back to it is a loop too, and the llc loop around it is then not innermost (nor
is an inline-asm loop around another: a strip's loop over its tiles).
Tests and `mema-opt` use this to check that the inner loop holds exactly the expected SMLADs and
never touches the stack (no spill).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_LABEL = re.compile(r"^(\.?[\w$.]+):")
_BRANCH = re.compile(r"^\s*(b\w*|cbn?z)(\.w|\.n)?\s+(?:\w+,\s*)?(\.?[\w$.]+)\s*$")


@dataclass(frozen=True)
class Loop:
    """One innermost loop of one function."""

    function: str
    header: str
    instructions: tuple[str, ...]
    mnemonics: dict[str, int] = field(default_factory=dict)

    def count(self, mnemonic: str) -> int:
        """How many instructions of this mnemonic (without size suffix) the loop body holds."""
        return self.mnemonics.get(mnemonic, 0)

    @property
    def stack_accesses(self) -> tuple[str, ...]:
        """Instructions that address the stack: spills, reloads, push/pop."""
        return tuple(i for i in self.instructions if re.search(r"\bsp\b|push|pop", i))


def _clean(line: str) -> str:
    return line.split("@", 1)[0].rstrip()


def _body(lines: list[str], start: int, header: str, stop: str) -> list[str] | None:
    """The instructions from line `start` to the last branch back to `header` (before a line
    starting with `stop`), or None when nothing branches back."""
    last_back_edge = None
    for offset, candidate in enumerate(lines[start:]):
        text = _clean(candidate).strip()
        if text.startswith(stop):
            break
        branch = _BRANCH.match(text)
        if branch and branch.group(3) == header:
            last_back_edge = offset
    if last_back_edge is None:
        return None
    body = []
    for candidate in lines[start : start + 1 + last_back_edge]:
        text = _clean(candidate).strip()
        if not text or text.endswith(":") or text.startswith("."):
            continue
        body.append(text)
    return body


def _loop(function: str, header: str, body: list[str]) -> Loop:
    counts: dict[str, int] = {}
    for instruction in body:
        mnemonic = instruction.split()[0].split(".")[0]
        counts[mnemonic] = counts.get(mnemonic, 0) + 1
    return Loop(function, header, tuple(body), counts)


def innermost_loops(asm: str) -> list[Loop]:
    """Every innermost loop in the assembly text, with its body's instructions."""
    lines = asm.splitlines()
    llc_loops: list[Loop] = []
    asm_loops: list[Loop] = []
    function = ""
    in_app = False
    for index, line in enumerate(lines):
        label = _LABEL.match(line)
        if label and not label.group(1).startswith(".L") and not line.startswith("\t"):
            function = label.group(1)
        text = _clean(line).strip() if "@APP" not in line and "@NO_APP" not in line else line.strip()
        if text.startswith("@APP"):
            in_app = True
        elif text.startswith("@NO_APP"):
            in_app = False
        elif in_app and label:
            body = _body(lines, index + 1, label.group(1), "@NO_APP")
            if body is not None:
                asm_loops.append(_loop(function, label.group(1), body))
        if "Inner Loop Header" not in line:
            continue
        header_match = None
        for back in range(index, max(index - 4, -1), -1):  # the label precedes its comments
            header_match = _LABEL.match(lines[back])
            if header_match:
                break
        if header_match is None:
            continue
        body = _body(lines, index + 1, header_match.group(1), ".Lfunc_end")
        if body is not None:
            llc_loops.append(_loop(function, header_match.group(1), body))
    # An llc loop that holds an inline-asm loop is not innermost, nor is an inline-asm loop that
    # holds another (a strip's loop over tiles around a tile's k loop).
    nested = {(loop.function, tuple(loop.instructions)) for loop in llc_loops
              if any(a.function == loop.function and a.instructions[-1] in loop.instructions
                     and _contains(loop.instructions, a.instructions) for a in asm_loops)}
    outer_asm = {id(loop) for loop in asm_loops
                 if any(other is not loop and other.function == loop.function
                        and len(other.instructions) < len(loop.instructions)
                        and _contains(loop.instructions, other.instructions) for other in asm_loops)}
    return ([loop for loop in llc_loops if (loop.function, loop.instructions) not in nested]
            + [loop for loop in asm_loops if id(loop) not in outer_asm])


def _contains(outer: tuple[str, ...], inner: tuple[str, ...]) -> bool:
    """`inner` occurs as a contiguous run of `outer`."""
    n = len(inner)
    return any(outer[i:i + n] == inner for i in range(len(outer) - n + 1))


def summary(asm: str) -> str:
    """One line per innermost loop: function, header, size, SMLAD/SXTB16 counts, stack accesses."""
    lines = []
    for loop in innermost_loops(asm):
        lines.append(
            f"{loop.function} {loop.header}: {len(loop.instructions)} instructions, "
            f"smlad={loop.count('smlad')} sxtb16={loop.count('sxtb16')} "
            f"ldr={sum(loop.count(m) for m in ('ldr', 'ldrsb', 'ldrsh', 'ldrb', 'ldrh', 'ldrd'))} "
            f"stack={len(loop.stack_accesses)}"
        )
    return "\n".join(lines)


def main() -> int:
    """`python -m mema_mlir.asm_inspect [FILE]`: the summary of an assembly file (or stdin)."""
    import sys

    text = open(sys.argv[1]).read() if len(sys.argv) > 1 else sys.stdin.read()
    print(summary(text))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
