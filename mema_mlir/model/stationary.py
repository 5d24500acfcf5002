"""Weight- and input-stationary micro-kernels: one operand's k-slice stays in registers while
the other operand's lines stream past it, and partial sums leave the registers every line.

Weight-stationary ("weight"): an L x kr block of A (L rows, g = kr/group k-groups, int16 pairs)
is loaded once; the statement then loops over all N columns of B: per column, C's L partial
sums are loaded, the column's g words of B are loaded (and split by SXTB16 for int8) and
multiplied into them, and the sums are stored back. A is read once in all, B once per row block,
C once per k-slice: 2*M*N*ceil(K/kr) accesses, against output-stationary's 2*M*N.

Input-stationary ("input") is the mirror image: an L x kr block of B (L columns, split once in
the prologue) stays, and the statement loops over all M rows of A (int16 pairs from the
compile-time panel), C's row of L partial sums loaded and stored per row.

The K % group rest needs no element loads: the last group of a row is the group that *ends* at
K (B's word at byte K*e - 4, inside the row), and A's copy of that group, laid out at compile time
(relayout.stationary_panel), has zeros where it overlaps the previous group. So every group is a
full group and the counts are affine in (L, g), as the optimiser's closed forms need. That needs
K >= group (one whole word per row of B).

Registers: L*g*w (the kept block, w = 2 words per int8 group, 1 per int16 group), L partial
sums, the streamed word(s) (2 for int8: the word and its odd half; 1 for int16 A, 2 for the
int16 pair of an input-stationary A row read by LDRD... see `stream_registers`), and the
streamed pointer, C's pointer and the trip counter.
"""

from __future__ import annotations

from dataclasses import dataclass

from mema_mlir.model.microkernel import MAX_OFFSET, MIN_OFFSET, Insn, Program

STATIONARITY_KERNELS = {"weight": "smlad-ws", "input": "smlad-is"}
KERNEL_STATIONARITY = {kernel: name for name, kernel in STATIONARITY_KERNELS.items()}
# LDRD's immediate: a multiple of 4 up to 1020.
MAX_LDRD_OFFSET = 1020


def group_values(elem: str) -> int:
    """k-values per group (one 32-bit word of B): 4 int8 or 2 int16."""
    return 4 if elem == "i8" else 2


def pair_words(elem: str) -> int:
    """Words of A's int16 pairs per group: 2 for int8 (pre-expanded), 1 for int16."""
    return 2 if elem == "i8" else 1


def stream_registers(elem: str, lines: int, groups: int) -> int:
    """Registers one statement needs: the kept block, the partial sums, the streamed staging
    registers, and three for the streamed pointer, C's pointer and the trip counter."""
    staging = 2 if elem == "i8" else 1
    return lines * groups * pair_words(elem) + lines + staging + 3


@dataclass(frozen=True)
class StreamSpec:
    """One statement: `lines` kept lines (rows of A or columns of B) of `groups` k-groups each,
    looped over `trips` streamed lines."""

    elem: str  # "i8" | "i16"
    stationarity: str  # "weight" | "input"
    lines: int
    groups: int
    trips: int  # N columns (weight) or M rows (input)
    k: int
    c_row_bytes: int  # bytes between C's rows (4 * N)
    group_offsets: tuple[int, ...] = ()  # byte offset in B's row of each group (default 4*g)
    a_row_bytes: int = 0  # input: bytes from one row of A's panel to the next

    def offsets(self) -> tuple[int, ...]:
        return self.group_offsets or tuple(4 * g for g in range(self.groups))


def _weight_program(spec: StreamSpec, check: bool) -> Program:
    """A block in registers (entering address t0), B's columns streamed through pb, C's partial
    sums of the L rows at pc + l * c_row_bytes, pc moving one column per trip."""
    lines, groups, words = spec.lines, spec.groups, pair_words(spec.elem)
    e = 1 if spec.elem == "i8" else 2
    kept = [[[f"{{t{1 + (g * lines + line) * words + w}}}" for w in range(words)] for g in range(groups)]
            for line in range(lines)]
    y0, y1 = "{t0}", f"{{t{1 + lines * groups * words}}}"
    prologue: list[Insn] = []
    for g in range(groups):
        for line in range(lines):
            offset = (g * lines + line) * 4 * words
            if words == 2:
                _check(check, offset <= MAX_LDRD_OFFSET, "A block offset", offset)
                address = f"[{{t0}}, #{offset}]" if offset else "[{t0}]"
                prologue.append(Insn(f"ldrd {kept[line][g][0]}, {kept[line][g][1]}, {address}",
                                     "load_double", "A", 2, 4))
            else:
                address = f"[{{t0}}, #{offset}]" if offset else "[{t0}]"
                prologue.append(Insn(f"ldr {kept[line][g][0]}, {address}", "load", "A", 1, 4))
    body: list[Insn] = []
    for line in range(lines):
        offset = line * spec.c_row_bytes
        _check(check, offset <= MAX_OFFSET, "C row offset", offset)
        address = f"[{{pc}}, #{offset}]" if offset else "[{pc}]"
        body.append(Insn(f"ldr {{c{line}_0}}, {address}", "load", "C", 1, 4))
    for g, offset in enumerate(spec.offsets()):
        _check(check, MIN_OFFSET <= offset <= MAX_OFFSET, "B group offset", offset)
        address = f"[{{pb}}, #{offset}]" if offset else "[{pb}]"
        if spec.elem == "i8":
            body += [Insn(f"ldr {y1}, {address}", "load", "B", 1, 4),
                     Insn(f"sxtb16 {y0}, {y1}", "extend"),
                     Insn(f"sxtb16 {y1}, {y1}, ror #8", "extend")]
            halves = (y0, y1)
        else:
            body.append(Insn(f"ldr {y0}, {address}", "load", "B", 1, 4))
            halves = (y0,)
        for line in range(lines):
            acc = f"{{c{line}_0}}"
            for w, half in enumerate(halves):
                body.append(Insn(f"smlad {acc}, {kept[line][g][w]}, {half}, {acc}", "dsp_mac"))
    for line in reversed(range(1, lines)):
        body.append(Insn(f"str {{c{line}_0}}, [{{pc}}, #{line * spec.c_row_bytes}]", "store", "C", 1, 4))
    body.append(Insn("str {c0_0}, [{pc}], #4", "store", "C", 1, 4))
    _check(check, spec.k * e <= MAX_OFFSET, "B column stride", spec.k * e)
    body.append(Insn(f"add {{pb}}, {{pb}}, #{spec.k * e}", "alu"))
    scratch = 1 + lines * groups * words + (1 if spec.elem == "i8" else 0)  # t0 and y1 stage B
    return _looped(prologue, body, spec.trips, scratch, ("pb", "pc"), (("a", "t0"),))


def _input_program(spec: StreamSpec, check: bool) -> Program:
    """B block in registers (entering address t0: column c0's slice), A's rows streamed through
    pa (the compile-time panel, one row after another), C's row of L partial sums at pc."""
    lines, groups, words = spec.lines, spec.groups, pair_words(spec.elem)
    e = 1 if spec.elem == "i8" else 2
    kept = [[[f"{{t{1 + (g * lines + line) * words + w}}}" for w in range(words)] for g in range(groups)]
            for line in range(lines)]
    streamed = ["{t0}", f"{{t{1 + lines * groups * words}}}"][:words]
    prologue: list[Insn] = []
    for line in range(lines):
        for g, group_offset in enumerate(spec.offsets()):
            offset = line * spec.k * e + group_offset
            _check(check, MIN_OFFSET <= offset <= MAX_OFFSET, "B block offset", offset)
            address = f"[{{t0}}, #{offset}]" if offset else "[{t0}]"
            if spec.elem == "i8":
                even, odd = kept[line][g]
                prologue += [Insn(f"ldr {odd}, {address}", "load", "B", 1, 4),
                             Insn(f"sxtb16 {even}, {odd}", "extend"),
                             Insn(f"sxtb16 {odd}, {odd}, ror #8", "extend")]
            else:
                prologue.append(Insn(f"ldr {kept[line][g][0]}, {address}", "load", "B", 1, 4))
    body: list[Insn] = []
    for line in range(lines):
        address = f"[{{pc}}, #{4 * line}]" if line else "[{pc}]"
        body.append(Insn(f"ldr {{c0_{line}}}, {address}", "load", "C", 1, 4))
    for g in range(groups):
        offset = 4 * words * g
        address = f"[{{pa}}, #{offset}]" if offset else "[{pa}]"
        if words == 2:
            _check(check, offset <= MAX_LDRD_OFFSET, "A group offset", offset)
            body.append(Insn(f"ldrd {streamed[0]}, {streamed[1]}, {address}", "load_double", "A", 2, 4))
        else:
            body.append(Insn(f"ldr {streamed[0]}, {address}", "load", "A", 1, 4))
        for line in range(lines):
            acc = f"{{c0_{line}}}"
            for w in range(words):
                body.append(Insn(f"smlad {acc}, {kept[line][g][w]}, {streamed[w]}, {acc}", "dsp_mac"))
    for line in range(lines):
        address = f"[{{pc}}, #{4 * line}]" if line else "[{pc}]"
        body.append(Insn(f"str {{c0_{line}}}, {address}", "store", "C", 1, 4))
    for pointer, step, what in (("pa", spec.a_row_bytes, "A row stride"), ("pc", spec.c_row_bytes, "C row stride")):
        _check(check, 0 < step <= MAX_OFFSET, what, step)
        body.append(Insn(f"add {{{pointer}}}, {{{pointer}}}, #{step}", "alu"))
    scratch = 1 + lines * groups * words + (words - 1)
    return _looped(prologue, body, spec.trips, scratch, ("pa", "pc"), (("b", "t0"),))


def _looped(prologue: list[Insn], body: list[Insn], trips: int, scratch: int, pointers: tuple[str, ...],
            preloaded: tuple[tuple[str, str], ...]) -> Program:
    """The statement: prologue, then the body `trips` times (straight-line for one trip)."""
    if trips == 1:
        return Program((), 0, tuple(body), scratch, pointers, prologue=tuple(prologue), preloaded=preloaded)
    return Program(tuple(body), trips, (), scratch, pointers, prologue=tuple(prologue), preloaded=preloaded)


def _check(check: bool, ok: bool, what: str, value: int) -> None:
    if check and not ok:
        raise ValueError(f"{what} {value} is out of its immediate's range")


def stream_program(spec: StreamSpec, check: bool = True) -> Program:
    """The statement of one kept block (ValueError if an immediate cannot be encoded, unless
    `check` is off: counts do not depend on the offsets' values)."""
    if spec.stationarity == "weight":
        return _weight_program(spec, check)
    if spec.stationarity == "input":
        return _input_program(spec, check)
    raise ValueError(f"stationarity {spec.stationarity!r}: expected weight or input")


def last_group_offsets(elem: str, k: int, first_group: int, groups: int) -> tuple[int, ...]:
    """Byte offsets, from the slice's first group, of the slice's groups in a row of B: 4 per
    group, except that the row's last group, when K is not a whole number of groups, is the
    word that ends at K (A's copy of it is zero where it overlaps the group before)."""
    e = 1 if elem == "i8" else 2
    total = -(-k // group_values(elem))
    offsets = []
    for g in range(first_group, first_group + groups):
        natural = 4 * g
        if g == total - 1 and k % group_values(elem):
            natural = k * e - 4
        offsets.append(natural - 4 * first_group)
    return tuple(offsets)
