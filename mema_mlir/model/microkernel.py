"""The DSP micro-kernels: the k loop of one register tile, and the packing of one B column, as
Thumb-2 assembly whose schedule we write ourselves.

Why assembly: llc's register allocators (greedy, PBQP, basic; any scheduler setting) spill
tiles of more than about six accumulators in a k loop even when the tile needs no more
registers than the core has (measured: docs/results.md). Emitting the k loop as one inline-asm
statement lets llc allocate its operands once (accumulators, two operand pointers, a counter,
the scratch registers below) and leaves the instruction schedule to us, so the model can count
it exactly: this module is the one description of the hot code, read by the model (instruction
classes, accesses, cycles, registers) and by the code generator (the asm text).

Shape of a tile kernel. Per group of k (4 int8 or 2 int16 values) each tile line (row of A,
column of B) gives 16x2 words, one per *step* (2 steps for int8, 1 for int16); an SMLAD per
output and step does two multiply-adds. One operand's lines are *kept* in registers for the
group (or step), the other's are *streamed* one line at a time:

    1:  [kept lines: loads back to back, then their SXTB16/PKHBT]
        [per streamed line: its loads, its SXTB16/PKHBT, one SMLAD per kept line and step]
        ... ku groups ...
        [pointer steps not folded into a post-indexed load]
        subs n, n, #1 ; bne 1b
    [leftover groups, straight-line]   [K % group: element loads and MLA]

Operand forms (how a line is read): w8 = one LDR of 4 int8, split by SXTB16 and SXTB16 ROR #8
into (k0,k2) and (k1,k3); w16 = one LDR of two int16 per step (int8 pre-expanded in that same
pair order, or int16 data); s8 = 4 LDRSB of K-strided int8 packed by 2 PKHBT; s16 = 2 LDRSH of
K-strided int16 packed by PKHBT. Both operands split the same way, so products pair up.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

KINDS = ("w8", "w16", "s8", "s16")
LAYOUTS = ("rows", "panel", "strided")
# Thumb-2 immediate ranges: LDR*/STR* offsets -255..4095, post-index -255..255, ADDW 0..4095,
# STRD post-index multiples of 4 up to 1020.
MAX_OFFSET = 4095
MIN_OFFSET = -255
MAX_POST_INDEX = 255
MAX_ADD_IMMEDIATE = 4095
MAX_STRD_POST_INDEX = 1020
PAIR_POSITION = (0, 2, 1, 3)
# No register tile has more rows or columns than this (a Cortex-M core has 14 registers).
MAX_TILE_LINES = 16  # int16 slot of k % 4 in the SMLAD pair order (k0, k2, k1, k3)


def group_k(elem: str) -> int:
    """k values per group: 4 int8 (one word) or 2 int16 (one word)."""
    return 4 if elem == "i8" else 2


def steps_per_group(elem: str) -> int:
    """SMLADs per output and group: 2 for int8 (pairs (k0,k2), (k1,k3)), 1 for int16."""
    return 2 if elem == "i8" else 1


@dataclass(frozen=True)
class Side:
    """How the lines of one operand (rows of A, columns of B) of a tile are read.

    layout "rows": line l of K contiguous elements at l*line_bytes (a row-major A, a [N, K] B);
    "panel": re-laid out for the tile, group g of line l at g*lines*group_bytes + l*group_bytes
    (constants at compile time, B's packing buffer at run time), padded to whole groups with
    zeros when `padded`, else the K % group rest follows the groups as [lines][rest];
    "strided": element k of line l at k*k_bytes + l*elem_bytes (a [K, N] B).
    """

    role: str  # "A" | "B"
    kind: str  # "w8" | "w16" | "s8" | "s16"
    lines: int
    layout: str
    elem: str  # "i8" | "i16": the operand's element type in memory (pre-expanded pairs: "i16")
    line_bytes: int = 0  # rows layout
    k_bytes: int = 0  # strided layout
    padded: bool = False  # panel layout: K padded with zeros to a whole number of groups
    rest: int = 0  # panel layout, unpadded: K % group elements stored after the groups

    def __post_init__(self) -> None:
        if self.kind not in KINDS or self.layout not in LAYOUTS or self.lines < 1:
            raise ValueError(f"bad side {self}")
        if (self.layout == "strided") != (self.kind in ("s8", "s16")):
            raise ValueError(f"kind {self.kind} does not read layout {self.layout}")
        # Sides key the kernel-block caches the optimiser looks up many times per derivation:
        # their hash is computed once (and again after unpickling: string hashes are per process).
        object.__setattr__(self, "_hash", self._field_hash())

    def _field_hash(self) -> int:
        return hash((self.role, self.kind, self.lines, self.layout, self.elem, self.line_bytes, self.k_bytes,
                     self.padded, self.rest, self.pairs))

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined]

    def __getstate__(self) -> dict:
        return {name: value for name, value in self.__dict__.items() if name != "_hash"}

    def __setstate__(self, state: dict) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_hash", self._field_hash())

    @property
    def elem_bytes(self) -> int:
        return 1 if self.elem == "i8" else 2

    @property
    def words_per_group(self) -> int:
        """Words one line gives per group: 2 for pre-expanded int8 pairs, else 1."""
        return 2 if self.kind == "w16" and self.elem == "i16" and self.pairs else 1

    # "pairs": a w16 line that holds int8 values pre-expanded to int16 in pair order (two words
    # per group of 4 k). Set through the constructor helpers below.
    pairs: bool = False

    @property
    def group_bytes(self) -> int:
        """Bytes of one line's group in a panel."""
        return 4 * self.words_per_group

    def advance(self, group: int) -> int:
        """Bytes the line pointer moves per group."""
        if self.layout == "rows":
            return 4
        if self.layout == "panel":
            return self.lines * self.group_bytes
        return group * self.k_bytes

    def word_offset(self, line: int, g: int, word: int) -> int:
        """Natural byte offset of word `word` of group `g` of `line` (w8/w16 kinds)."""
        if self.layout == "rows":
            return line * self.line_bytes + 4 * g + 4 * word
        return g * self.lines * self.group_bytes + line * self.group_bytes + 4 * word

    def strided_offset(self, line: int, g: int, q: int, group: int) -> int:
        """Natural byte offset of k = g*group + q of `line` (s8/s16 kinds)."""
        return (g * group + q) * self.k_bytes + line * self.elem_bytes

    def element(self, line: int, x: int) -> tuple[str, int]:
        """(load mnemonic, offset) of remainder element x (k = full groups * group + x),
        relative to the pointer once it has passed the full groups."""
        if self.layout == "rows":
            return _ELEMENT_LOAD[self.elem], line * self.line_bytes + x * self.elem_bytes
        if self.layout == "strided":
            return _ELEMENT_LOAD[self.elem], x * self.k_bytes + line * self.elem_bytes
        if self.padded:
            # The partial group is stored whole (zeros after the data), in pair order for int8.
            slot = PAIR_POSITION[x] if self.pairs else x
            return "ldrsh", line * self.group_bytes + 2 * slot
        return _ELEMENT_LOAD[self.elem], line * self.rest * self.elem_bytes + x * self.elem_bytes


_ELEMENT_LOAD = {"i8": "ldrsb", "i16": "ldrsh"}
_LOAD_BYTES = {"ldr": 4, "ldrsb": 1, "ldrsh": 2}


@dataclass(frozen=True)
class Insn:
    """One instruction of a micro-kernel: text with {register} placeholders, and what the model
    counts about it (timing class, data accesses)."""

    text: str
    cls: str  # "load" | "store_double" | "store" | "extend" | "alu" | "dsp_mac" | "mul" | "branch"
    operand: str = ""  # memory instructions: "A" | "B" | "buffer"
    accesses: int = 0
    access_bytes: int = 0  # per access
    # Its address register is the destination of the load right before it: no pipelining.
    address_from_previous: bool = False


@dataclass(frozen=True)
class Execution:
    """What running a micro-kernel once executes: exact counts and est. cycles."""

    by_class: dict[str, int] = field(hash=False)
    loads: dict[str, int] = field(hash=False)  # data reads per operand
    load_bytes: dict[str, int] = field(hash=False)
    stores: dict[str, int] = field(hash=False)
    store_bytes: dict[str, int] = field(hash=False)
    cycles: int = 0

    @property
    def instructions(self) -> int:
        return sum(self.by_class.values())


@dataclass(frozen=True)
class Program:
    """An inline-asm statement: straight-line prologue, an optional counted loop, then
    straight-line code.

    Register placeholders: accumulators `c{row}_{col}`, pointers (`pa`, `pb` for tiles,
    `src`, `dst` for packing), the loop counter `n`, scratch `t0`, `t1`, ..., and read-only
    inputs listed in `inputs`. `preloaded` names values that enter in scratch registers and
    are consumed by the prologue before the scratch registers are used (C's address and row
    stride for a tile: tied inputs of t0 and t1).
    """

    body: tuple[Insn, ...]  # one trip of the loop, without its closing subs/bne
    trips: int  # 0: no loop (body empty)
    tail: tuple[Insn, ...]
    scratch: int
    pointers: tuple[str, ...]
    inputs: tuple[str, ...] = ()
    prologue: tuple[Insn, ...] = ()
    preloaded: tuple[tuple[str, str], ...] = ()  # (value name, scratch register it enters in)
    epilogue: tuple[Insn, ...] = ()

    @property
    def uses_counter(self) -> bool:
        return self.trips > 0

    def ends_single(self, after_single: bool = False) -> bool:
        """Whether the last instruction it executes is a single load or store (`after_single`:
        whether the code before it ended so, for a program with no instruction)."""
        if self.epilogue:
            return _ends_single(self.epilogue, False)
        if self.tail:
            return _ends_single(self.tail, False)
        if self.trips:
            return False  # its BNE
        return _ends_single(self.prologue, after_single)

    def lines(self) -> list[str]:
        """Assembly lines with placeholders (the loop label is the local label 1)."""
        out = [i.text for i in self.prologue]
        if self.trips:
            out.append("1:")
            out += [i.text for i in self.body]
            out += ["subs {n}, {n}, #1", "bne 1b"]
        out += [i.text for i in self.tail]
        out += [i.text for i in self.epilogue]
        return out

    def execution(self, after_single: bool = False) -> Execution:
        """Counts and est. cycles (shared Cortex-M4 table), the code before the statement taken
        to be no single load or store (its first load costs 2 cycles) unless `after_single`."""
        by_class: dict[str, int] = {}
        loads: dict[str, int] = {}
        load_bytes: dict[str, int] = {}
        stores: dict[str, int] = {}
        store_bytes: dict[str, int] = {}
        for insns, times in ((self.prologue, 1), (self.body, self.trips), (self.tail, 1), (self.epilogue, 1)):
            if not times:
                continue
            for insn in insns:
                cls = insn.cls
                by_class[cls] = by_class.get(cls, 0) + times
                if insn.accesses:
                    count = insn.accesses * times
                    table, sizes = (loads, load_bytes) if cls in ("load", "load_double") else (stores, store_bytes)
                    table[insn.operand] = table.get(insn.operand, 0) + count
                    sizes[insn.operand] = sizes.get(insn.operand, 0) + count * insn.access_bytes
        cycles = _cycles(self.prologue, after_single=after_single)
        previous_single = _ends_single(self.prologue, after_single)
        if self.trips:
            # The first trip follows the prologue, the others the taken BNE; SUBS per trip,
            # BNE taken on every trip but the last (1 + 2 cycles), then 1.
            steady = _cycles(self.body, after_single=False)
            first = steady - 1 if previous_single and pipelines(self.body[0]) else steady
            cycles += first + (self.trips - 1) * steady
            by_class["alu"] = by_class.get("alu", 0) + self.trips
            by_class["branch"] = by_class.get("branch", 0) + self.trips
            cycles += self.trips + 3 * (self.trips - 1) + 1
            previous_single = False
        cycles += _cycles(self.tail, after_single=previous_single)
        cycles += _cycles(self.epilogue, after_single=_ends_single(self.tail, previous_single))
        return Execution(by_class, loads, load_bytes, stores, store_bytes, cycles)


def _ends_single(insns: tuple[Insn, ...], default: bool) -> bool:
    """Whether the last instruction of a run is a single load or store."""
    return insns[-1].cls in _SINGLE if insns else default


# PUSH/POP of one register: 1 + 1 cycles. "stack_load" / "stack_store": an LDR / STR of the
# stack (single loads and stores for the timing table, no data access).
_SINGLE = ("load", "store", "stack_load", "stack_store")
_CYCLES = {"load": 2, "store": 2, "stack_load": 2, "stack_store": 2, "load_double": 3, "store_double": 3, "extend": 1, "alu": 1,
           "dsp_mac": 1, "mul": 1, "branch": 1, "store_multiple": 2, "load_multiple": 2}


def pipelines(insn: Insn) -> bool:
    """Whether the instruction costs 1 cycle right after a single load or store."""
    return insn.cls in _SINGLE and not insn.address_from_previous


def stack_save(register: str) -> Insn:
    """Put a register on the stack: STR with writeback, whatever the register (PUSH of one
    register assembles to a 16-bit PUSH for r0-r7 but to this STR for r8-r12 and lr, and the
    two time differently: a single store lets the next load pipeline, a PUSH does not)."""
    return Insn(f"str {{{register}}}, [sp, #-4]!", "stack_store")


def stack_restore(register: str) -> Insn:
    """Take a register back from the stack (LDR with post-increment, see stack_save)."""
    return Insn(f"ldr {{{register}}}, [sp], #4", "stack_load")


def _after_restore(insn: Insn) -> Insn:
    """An access right after stack_restore through the restored register: not pipelined."""
    return dataclasses.replace(insn, address_from_previous=True)


def _cycles(insns: tuple[Insn, ...], *, after_single: bool) -> int:
    """Timing-table cycles of a straight run: a single load/store right after another single
    load/store costs 1 (our addresses never depend on the previous load's destination)."""
    total = 0
    previous_single = after_single
    for insn in insns:
        single = insn.cls in _SINGLE
        total += 1 if single and previous_single and not insn.address_from_previous else _CYCLES[insn.cls]
        previous_single = single
    return total


# ---- register tiles ----------------------------------------------------------------------


@dataclass(frozen=True)
class TileSpec:
    """One register tile's k loop: the two sides, which is kept, the unroll and K."""

    elem: str  # the problem's element type
    a: Side
    b: Side
    kept: str  # "a" | "b": whose lines stay in registers while the other's stream; "ab": both
    ku: int
    k: int
    c_row_bytes: int = 0  # bytes between rows of C; 0: C is loaded and stored by the caller
    c_col_bytes: int = 4  # bytes between columns of C (a convolution's output is C transposed)
    # C is the int8 output of a fused requantization (requant_access): the accumulators start
    # at each row's bias and leave requantized, one byte each; row parameters come from a table.
    requant: bool = False

    @property
    def group(self) -> int:
        return group_k(self.elem)

    @property
    def padded(self) -> bool:
        """Both sides hold whole zero-padded groups: the partial group runs as a group."""
        return self.a.layout == "panel" and self.a.padded and self.b.layout == "panel" and self.b.padded

    @property
    def groups(self) -> int:
        return -(-self.k // self.group) if self.padded else self.k // self.group

    @property
    def rest(self) -> int:
        return 0 if self.padded else self.k % self.group

    @property
    def group_mode(self) -> bool:
        """A side read as int8 words (w8, s8) yields both steps of a group at once."""
        return self.elem == "i8" and (self.a.kind in ("w8", "s8") or self.b.kind in ("w8", "s8"))


def scratch_registers(elem: str, kept: str, a_kind: str, b_kind: str, a_lines: int,
                      b_lines: int) -> int:
    """Scratch registers a tile kernel needs (the peak the generator allocates).

    Step mode (both sides give one word per step): one per kept line, plus the streamed
    line's (1, or 2 for s16 before PKHBT); with kept "ab" one per line of both sides. Group
    mode (int8 with a w8/s8 side): two per kept line (both steps), plus the streamed line's:
    w8 2 (low pair, then the word itself rotated), w16 1, s8 4 (before PKHBT); with "ab" two
    per line of both sides. A kept s8/s16 line packs right after its own loads, so while the
    last one loads it holds 2 (s8) or 1 (s16) registers more (with "ab", within A's share).
    """
    group_mode = elem == "i8" and (a_kind in ("w8", "s8") or b_kind in ("w8", "s8"))
    per_line = 2 if group_mode else 1
    if kept == "ab":
        # B's lines load first; a strided one's transient registers are within A's share.
        return per_line * (a_lines + b_lines)
    kept_kind, stream_kind = (a_kind, b_kind) if kept == "a" else (b_kind, a_kind)
    kept_lines = a_lines if kept == "a" else b_lines
    transient = {"s8": 2, "s16": 1}.get(kept_kind, 0)
    if group_mode:
        stream = {"w8": 2, "w16": 1, "s8": 4, "s16": 2}[stream_kind]
    else:
        stream = {"w16": 1, "s16": 2}[stream_kind]
    return per_line * kept_lines + max(transient, stream)


class _Pool:
    """Scratch registers t0, t1, ...: allocation with a high-water mark."""

    def __init__(self) -> None:
        self.free: list[int] = []
        self.next = 0
        self.peak = 0
        self.live = 0

    def take(self) -> str:
        if self.free:
            index = self.free.pop()
        else:
            index = self.next
            self.next += 1
        self.live += 1
        self.peak = max(self.peak, self.live)
        return f"t{index}"

    def give(self, *names: str) -> None:
        for name in names:
            self.free.append(int(name[1:]))
            self.live -= 1


@dataclass
class _Access:
    """A memory operand before post-indexing is decided."""

    pointer: str
    offset: int


@dataclass
class _Pending:
    """An instruction whose address is still natural (relative to the block start)."""

    fmt: str  # text with {addr} for the memory operand
    cls: str
    operand: str = ""
    accesses: int = 0
    access_bytes: int = 0
    access: _Access | None = None
    post_index_ok: bool = True


def _resolve(block: list[_Pending], advances: dict[str, int], check: bool = True) -> list[Insn]:
    """Turn natural offsets into addressing modes: the first access of a pointer at offset 0
    post-increments it by its advance (when that fits), later accesses subtract the advance;
    otherwise an ADD at the end of the block moves the pointer."""
    first: dict[str, _Pending] = {}
    for p in block:
        if p.access and p.access.pointer not in first:
            first[p.access.pointer] = p
    post = {name for name, p in first.items()
            if p.access and p.access.offset == 0 and p.post_index_ok
            and 0 < advances.get(name, 0) <= MAX_POST_INDEX}
    moved: set[str] = set()
    out: list[Insn] = []
    for p in block:
        address = ""
        if p.access:
            name, offset = p.access.pointer, p.access.offset
            if name in post and name not in moved:
                address = f"[{{{name}}}], #{advances[name]}"
                moved.add(name)
            else:
                if name in moved:
                    offset -= advances[name]
                if check and not MIN_OFFSET <= offset <= MAX_OFFSET:
                    raise ValueError(f"offset {offset} of {name} is out of the LDR immediate range")
                address = f"[{{{name}}}, #{offset}]" if offset else f"[{{{name}}}]"
        out.append(Insn(p.fmt.replace("{addr}", address), p.cls, p.operand, p.accesses, p.access_bytes))
    for name, advance in advances.items():
        if advance and name not in post:
            if check and advance > MAX_ADD_IMMEDIATE:
                raise ValueError(f"pointer step {advance} of {name} does not fit an ADDW immediate")
            out.append(Insn(f"addw {{{name}}}, {{{name}}}, #{advance}", "alu"))
    return out


class _TileWriter:
    """Builds the Program of one TileSpec."""

    def __init__(self, spec: TileSpec, check: bool) -> None:
        self.spec = spec
        self.check = check
        self.pool = _Pool()
        kept_is_a = spec.kept == "a"
        self.kept, self.stream = (spec.a, spec.b) if kept_is_a else (spec.b, spec.a)
        self.kept_pointer, self.stream_pointer = ("pa", "pb") if kept_is_a else ("pb", "pa")
        self.kept_is_a = kept_is_a
        expected = scratch_registers(spec.elem, spec.kept, spec.a.kind, spec.b.kind, spec.a.lines,
                                     spec.b.lines)
        self.expected_scratch = expected

    def acc(self, kept_line: int, stream_line: int) -> str:
        row, col = (kept_line, stream_line) if self.kept_is_a else (stream_line, kept_line)
        return f"{{c{row}_{col}}}"

    def load(self, mnemonic: str, reg: str, side: Side, pointer: str, offset: int) -> _Pending:
        return _Pending(f"{mnemonic} {{{reg}}}, {{addr}}", "load", side.role, 1, _LOAD_BYTES[mnemonic],
                        _Access(pointer, offset))

    # One line's values for a group (group mode) or a step (step mode), as scratch names.
    def line_code(self, side: Side, pointer: str, line: int, g: int, step: int | None,
                  out: list[_Pending]) -> list[str]:
        """Loads (and splits/packs) one line; returns its value registers: [step0, step1] in
        group mode, [value] for one step."""
        group = self.spec.group
        if side.kind == "w8":
            word = self.pool.take()
            out.append(self.load("ldr", word, side, pointer, side.word_offset(line, g, 0)))
            low = self.pool.take()
            out.append(_Pending(f"sxtb16 {{{low}}}, {{{word}}}", "extend"))
            out.append(_Pending(f"sxtb16 {{{word}}}, {{{word}}}, ror #8", "extend"))
            return [low, word]
        if side.kind == "w16":
            words = range(side.words_per_group) if step is None else [step]
            regs = []
            for word in words:
                reg = self.pool.take()
                out.append(self.load("ldr", reg, side, pointer, side.word_offset(line, g, word)))
                regs.append(reg)
            return regs
        if side.kind == "s8":
            q = [self.pool.take() for _ in range(4)]
            for index, reg in enumerate(q):
                out.append(self.load("ldrsb", reg, side, pointer, side.strided_offset(line, g, index, group)))
            out.append(_Pending(f"pkhbt {{{q[0]}}}, {{{q[0]}}}, {{{q[2]}}}, lsl #16", "alu"))
            out.append(_Pending(f"pkhbt {{{q[1]}}}, {{{q[1]}}}, {{{q[3]}}}, lsl #16", "alu"))
            self.pool.give(q[2], q[3])
            return [q[0], q[1]]
        # s16: one step of two int16
        first, second = self.pool.take(), self.pool.take()
        out.append(self.load("ldrsh", first, side, pointer, side.strided_offset(line, g, 0, group)))
        out.append(self.load("ldrsh", second, side, pointer, side.strided_offset(line, g, 1, group)))
        out.append(_Pending(f"pkhbt {{{first}}}, {{{first}}}, {{{second}}}, lsl #16", "alu"))
        self.pool.give(second)
        return [first]

    def side_values(self, side: Side, pointer: str, g: int, step: int | None,
                    out: list[_Pending]) -> list[list[str]]:
        """All lines of one side: loads back to back first, then their splits (w8); s8/s16
        lines pack right after their own loads, to bound the registers."""
        if side.kind in ("s8", "s16"):
            return [self.line_code(side, pointer, line, g, step, out) for line in range(side.lines)]
        loads: list[_Pending] = []
        splits: list[_Pending] = []
        values = []
        for line in range(side.lines):
            code: list[_Pending] = []
            values.append(self.line_code(side, pointer, line, g, step, code))
            loads += [p for p in code if p.cls == "load"]
            splits += [p for p in code if p.cls != "load"]
        out += loads + splits
        return values

    def both_sides(self, g: int, step: int | None, out: list[_Pending]) -> None:
        """kept "ab": every line of both sides in registers, loaded in one burst (B's, then
        A's), then every product."""
        b_code: list[_Pending] = []
        a_code: list[_Pending] = []
        b_values = self.side_values(self.spec.b, "pb", g, step, b_code)
        a_values = self.side_values(self.spec.a, "pa", g, step, a_code)
        if "s" in (self.spec.a.kind[0], self.spec.b.kind[0]):  # packing breaks the burst anyway
            out += b_code + a_code
        else:
            out += [p for p in b_code if p.cls == "load"] + [p for p in a_code if p.cls == "load"]
            out += [p for p in b_code if p.cls != "load"] + [p for p in a_code if p.cls != "load"]
        for index in range(len(a_values[0])):
            for row, a_value in enumerate(a_values):
                for col, b_value in enumerate(b_values):
                    acc = f"{{c{row}_{col}}}"
                    out.append(_Pending(f"smlad {acc}, {{{a_value[index]}}}, {{{b_value[index]}}}, {acc}",
                                        "dsp_mac"))
        for values in a_values + b_values:
            self.pool.give(*values)

    def group_code(self, g: int, out: list[_Pending]) -> None:
        """One group of k at natural group index g (relative to the block's pointers)."""
        spec = self.spec
        steps: list[int | None] = [None] if spec.group_mode else list(range(steps_per_group(spec.elem)))
        for step in steps:
            if spec.kept == "ab":
                self.both_sides(g, step, out)
                continue
            kept = self.side_values(self.kept, self.kept_pointer, g, step, out)
            for line in range(self.stream.lines):
                if spec.group_mode and self.stream.kind == "w16":
                    # One word per step, reloaded into the same register.
                    for word in range(2):
                        reg = self.pool.take()
                        out.append(self.load("ldr", reg, self.stream, self.stream_pointer,
                                             self.stream.word_offset(line, g, word)))
                        self.macs(line, [values[word] for values in kept], reg, out)
                        self.pool.give(reg)
                    continue
                values = self.line_code(self.stream, self.stream_pointer, line, g, step, out)
                for index, value in enumerate(values):
                    self.macs(line, [kv[index] for kv in kept], value, out)
                self.pool.give(*values)
            for values in kept:
                self.pool.give(*values)

    def macs(self, stream_line: int, kept_values: list[str], value: str, out: list[_Pending]) -> None:
        for kept_line, kept_value in enumerate(kept_values):
            acc = self.acc(kept_line, stream_line)
            out.append(_Pending(f"smlad {acc}, {{{value}}}, {{{kept_value}}}, {acc}", "dsp_mac"))

    def remainder(self, out: list[_Pending]) -> None:
        """K % group: element loads (kept lines back to back, then each streamed one) and MLA;
        with kept "ab" as with "b" (one element per line fits either way)."""
        for x in range(self.spec.rest):
            kept = []
            for line in range(self.kept.lines):
                mnemonic, offset = self.kept.element(line, x)
                reg = self.pool.take()
                out.append(self.load(mnemonic, reg, self.kept, self.kept_pointer, offset))
                kept.append(reg)
            for line in range(self.stream.lines):
                mnemonic, offset = self.stream.element(line, x)
                reg = self.pool.take()
                out.append(self.load(mnemonic, reg, self.stream, self.stream_pointer, offset))
                for kept_line, kept_value in enumerate(kept):
                    acc = self.acc(kept_line, line)
                    out.append(_Pending(f"mla {acc}, {{{reg}}}, {{{kept_value}}}, {acc}", "mul"))
                self.pool.give(reg)
            self.pool.give(*kept)

    def advances(self, groups: int) -> dict[str, int]:
        group = self.spec.group
        return {"pa": groups * self.spec.a.advance(group), "pb": groups * self.spec.b.advance(group)}

    def build(self) -> Program:
        """ku groups per loop trip, each group moving the pointers itself (a post-indexed first
        access, or an ADDW), so that ku changes nothing but the loop control."""
        spec = self.spec
        trips, left = divmod(spec.groups, spec.ku)
        group: list[Insn] = []
        if spec.groups:
            block: list[_Pending] = []
            self.group_code(0, block)
            group = _resolve(block, self.advances(1), self.check)
        # Every group is the same code (each moves its own pointers).
        body = group * spec.ku if trips else []
        tail: list[Insn] = []
        if trips == 1:  # a single trip is straight-line code
            tail, body, trips = body, [], 0
        tail += group * left
        block = []
        self.remainder(block)
        tail += _resolve(block, {}, self.check)
        scratch = self.pool.peak
        if spec.requant:
            temps = requant_temporaries(scratch, bool(trips))
            if temps[2] == "t2":  # a third scratch register only when no loop counter is free
                scratch = max(scratch, REQUANT_SCRATCH)
            prologue, epilogue, preloaded = requant_access(spec.a.lines, spec.b.lines, spec.c_row_bytes,
                                                           spec.c_col_bytes, temps, self.check,
                                                           keep=REQUANT_KEPT_POINTERS)
        else:
            prologue, epilogue, preloaded = self.c_access()
        return Program(tuple(body), trips, tuple(tail), scratch, ("pa", "pb"),
                       prologue=tuple(prologue), preloaded=preloaded, epilogue=tuple(epilogue))

    def c_access(self) -> tuple[list[Insn], list[Insn], tuple[tuple[str, str], ...]]:
        spec = self.spec
        if not spec.c_row_bytes:
            return [], [], ()
        return c_access(spec.a.lines, spec.b.lines, spec.c_row_bytes, spec.c_col_bytes)


def c_access(rows: int, cols: int, c_row_bytes: int,
             c_col_bytes: int) -> tuple[list[Insn], list[Insn], tuple[tuple[str, str], ...]]:
    """The accumulators' loads from C and their stores back, around the k loop. C's address
    enters in scratch register t0 and is saved on the stack while the k loop needs every
    register, then restored for the stores. C is walked along its farther-apart dimension
    (rows of a row-major C, columns of a convolution's transposed one); when those lines are
    too far apart for LDR/STR immediates in some tile of this problem, every line is followed
    by an ADD of its stride (set by MOVW/MOVT in t1): decided per problem, not per tile, so
    that counts stay affine in the tile's rows and columns."""
    by_rows = c_row_bytes >= c_col_bytes
    far, near = (c_row_bytes, c_col_bytes) if by_rows else (c_col_bytes, c_row_bytes)
    outer, inner = (rows, cols) if by_rows else (cols, rows)
    step = c_lines_need_steps(far, near)
    prologue = [stack_save("t0")]
    epilogue = [stack_restore("t0")]
    for mnemonic, cls, out in (("ldr", "load", prologue), ("str", "store", epilogue)):
        if step:
            out.append(Insn(f"movw {{t1}}, #{far & 0xFFFF}", "alu"))
            if far > 0xFFFF:
                out.append(Insn(f"movt {{t1}}, #{far >> 16}", "alu"))
        for line in range(outer):
            base = 0 if step else line * far
            for other in range(inner):
                offset = base + other * near
                row, col = (line, other) if by_rows else (other, line)
                address = f"[{{t0}}, #{offset}]" if offset else "[{t0}]"
                out.append(Insn(f"{mnemonic} {{c{row}_{col}}}, {address}", cls, "C", 1, 4))
            if step:  # after every line, the last included: counts stay c0 + c1*lines
                out.append(Insn("add {t0}, {t0}, {t1}", "alu"))
    if not step:  # the first store's address is the register just restored
        epilogue[1] = _after_restore(epilogue[1])
    return prologue, epilogue, (("c", "t0"),)


# ---- the fused requantization epilogue ---------------------------------------------------

# One row of the parameter table (int32 words): bias (the input zero point folded in), the
# multiplier, the rounding-and-output-zero-point addend, the shift past 32.
REQUANT_ROW_BYTES = 16
REQUANT_BIAS, REQUANT_MULTIPLIER, REQUANT_ADDEND, REQUANT_SHIFT = 0, 4, 8, 12
# Scratch the epilogue needs at least when no loop counter is free: t0 (C), t1 (the table),
# and one of the three row parameters (the other two in the dead operand pointers).
REQUANT_SCRATCH = 3


# A requantized tile's epilogue borrows the operand pointers as temps; it saves and restores
# them, so that a strip's next tile continues from them.
REQUANT_KEPT_POINTERS = ("pa", "pb")


def requant_temporaries(scratch: int, has_counter: bool) -> tuple[str, str, str]:
    """Three registers dead after the k loop for a row's multiplier, addend and shift: the two
    operand pointers, then a scratch register past t1 or the spent loop counter. The model's
    register count (registers.py) reserves pa, pb and the counter for every tile, so a tile
    without a loop may take t2 instead without exceeding it."""
    third = "t2" if scratch >= REQUANT_SCRATCH or not has_counter else "n"
    return ("pa", "pb", third)


def _row_major_accumulator(row: int, col: int) -> str:
    return f"{{c{row}_{col}}}"


def requant_access(rows: int, cols: int, c_row_bytes: int, c_col_bytes: int,
                   temps: tuple[str, ...], check: bool = True,
                   accumulator: Callable[[int, int], str] = _row_major_accumulator,
                   keep: tuple[str, ...] = (),
                   ) -> tuple[list[Insn], list[Insn], tuple[tuple[str, str], ...]]:
    """Around the k loop of a tile whose output is requantized in registers. C's address (int8
    output) enters in t0, the tile's first row of the parameter table in t1; both wait on the
    stack during the k loop. Prologue: each accumulator loaded with its row's bias (one LDR per
    accumulator, back to back, rather than one per row and MOVs: every count stays
    non-decreasing in the tile's rows and columns). Epilogue, per row: its multiplier M, addend
    and shift s - 32, then per accumulator
        SMMLA c, c, M, addend   high word of c * M, plus 2^(s-33) + zp_out * 2^(s-32)
        ASR   c, c, shift       = ((c * M + 2^(s-1)) >> s) + zp_out, exactly (model.requant)
        SSAT  c, #8, c          the clamp to [-128, 127]
    and the row's bytes stored back to back (STRB). Rows are output channels (one table row
    each); `accumulator` names the register of (row, column). The registers in `keep` (the
    operand pointers a strip moves on to its next tile, when they serve as temps) are saved on
    the stack for the epilogue and restored at its end. With two `temps` the shift is loaded into
    the multiplier's register once the row's SMMLAs are done (a single load rather than a third
    in the burst: 1 cycle more per row, one register and no stack traffic less)."""
    two_temps = len(temps) == 2
    multiplier, addend, shift = (*temps, temps[0]) if two_temps else temps
    prologue: list[Insn] = []
    for row in range(rows):
        for col in range(cols):
            offset = row * REQUANT_ROW_BYTES + REQUANT_BIAS
            address = f"[{{t1}}, #{offset}]" if offset else "[{t1}]"
            prologue.append(Insn(f"ldr {accumulator(row, col)}, {address}", "load", "Q", 1, 4))
    prologue += [stack_save("t0"), stack_save("t1")]
    epilogue = [stack_restore("t1"), stack_restore("t0")] + [stack_save(register) for register in keep]
    for row in range(rows):
        base = row * REQUANT_ROW_BYTES
        fields = ((multiplier, REQUANT_MULTIPLIER), (addend, REQUANT_ADDEND), (shift, REQUANT_SHIFT))
        for reg, field_offset in fields[:2] if two_temps else fields:
            epilogue.append(Insn(f"ldr {{{reg}}}, [{{t1}}, #{base + field_offset}]", "load", "Q", 1, 4))
        if two_temps:
            accs = [accumulator(row, col) for col in range(cols)]
            epilogue += [Insn(f"smmla {acc}, {acc}, {{{multiplier}}}, {{{addend}}}", "mul") for acc in accs]
            epilogue.append(Insn(f"ldr {{{shift}}}, [{{t1}}, #{base + REQUANT_SHIFT}]", "load", "Q", 1, 4))
            for acc in accs:
                epilogue += [Insn(f"asr {acc}, {acc}, {{{shift}}}", "alu"), Insn(f"ssat {acc}, #8, {acc}", "alu")]
        for col in range(cols if not two_temps else 0):
            acc = accumulator(row, col)
            epilogue += [Insn(f"smmla {acc}, {acc}, {{{multiplier}}}, {{{addend}}}", "mul"),
                         Insn(f"asr {acc}, {acc}, {{{shift}}}", "alu"),
                         Insn(f"ssat {acc}, #8, {acc}", "alu")]
        for col in range(cols):
            offset = row * c_row_bytes + col * c_col_bytes
            if check and offset > MAX_OFFSET:
                raise ValueError(f"output offset {offset} is out of the STRB immediate range")
            address = f"[{{t0}}, #{offset}]" if offset else "[{t0}]"
            epilogue.append(Insn(f"strb {accumulator(row, col)}, {address}", "store", "C", 1, 1))
    epilogue += [stack_restore(register) for register in reversed(keep)]
    return prologue, epilogue, (("c", "t0"), ("q", "t1"))


def requant_offsets_fit(rows: int, cols: int, c_row_bytes: int, c_col_bytes: int) -> bool:
    """The farthest output byte of a rows x cols tile is reachable by an STRB immediate."""
    return (rows - 1) * c_row_bytes + (cols - 1) * c_col_bytes <= MAX_OFFSET


def c_lines_need_steps(far: int, near: int = 4) -> bool:
    """Whether C's lines (`far` bytes apart) are reached by adding their stride rather than by
    LDR/STR immediates: true when some tile of up to MAX_TILE_LINES rows and columns would
    need an offset beyond the immediate range."""
    return (MAX_TILE_LINES - 1) * (far + near) > MAX_OFFSET


def tile_program(spec: TileSpec, check: bool = True) -> Program:
    """The k loop of one register tile. ValueError if an offset cannot be encoded, unless
    `check` is off (for counting: the counts do not depend on the offsets' values)."""
    return _TileWriter(spec, check).build()


# ---- strips: the full tiles of a block row (or column) in one statement ------------------

POINTER_STEP_FORMS = ("none", "imm", "wide16", "wide32")


def pointer_step_form(deltas: Iterable[int]) -> str:
    """How a pointer moves by each of these byte distances with one instruction form (chosen per
    problem, so that every tile's step has the same instructions): not at all when all are 0,
    an ADDW/SUBW immediate up to 4095, else MOVW (and MOVT past 16 bits) into t1 and ADD/SUB."""
    largest = max((abs(d) for d in deltas), default=0)
    if largest == 0:
        return "none"
    if largest <= MAX_ADD_IMMEDIATE:
        return "imm"
    return "wide16" if largest <= 0xFFFF else "wide32"


def _pointer_step(name: str, delta: int, form: str, temp: str) -> list[Insn]:
    """Move a pointer by `delta` bytes in `form` (`temp`: a free register for the wide forms)."""
    if form == "none":
        return []
    add, size = ("add", delta) if delta >= 0 else ("sub", -delta)
    if form == "imm":
        return [Insn(f"{add}w {{{name}}}, {{{name}}}, #{size}", "alu")]
    out = [Insn(f"movw {{{temp}}}, #{size & 0xFFFF}", "alu")]
    if form == "wide32":
        out.append(Insn(f"movt {{{temp}}}, #{size >> 16}", "alu"))
    out.append(Insn(f"{add} {{{name}}}, {{{name}}}, {{{temp}}}", "alu"))
    return out


@dataclass(frozen=True)
class StripSpec:
    """The full tiles of one block row or column, one after another in one statement.

    Each tile is `tile`'s program (C's address in t0, and for a fused requantization the
    parameter table's row in t1, saved on the stack during its k loop); after the tile, the
    step compares t0 with the end address (where t0 is after the last tile: the entry computes it
    from t0 in c0_0 and saves it on the stack for the whole strip), then moves t0, t1, pa and pb from where the
    tile left them to the next tile's start (`deltas`, bytes, with the per-problem `forms` of
    pointer_step_form; the moves keep the flags), resets the loop counter and branches back."""

    tile: TileSpec
    tiles: int
    deltas: tuple[int, int, int, int]  # pa, pb, t0 (from where the tile's stores leave it), t1
    forms: tuple[str, str, str, str]
    entry_form: str = "wide32"  # strip_entry_form of the problem's C extent

    @property
    def tile_end_offset(self) -> int:
        """Where C's stores leave t0, from the tile's C address (strip_end_offset)."""
        spec = self.tile
        return strip_end_offset(spec.c_row_bytes, spec.c_col_bytes, spec.a.lines, spec.b.lines, spec.requant)


# The register the entry computes the end address in (an accumulator: free until the first
# tile's prologue), and the step's temp.
STRIP_END_REGISTER = "c0_0"


@dataclass(frozen=True)
class Strip:
    """An inline-asm statement looping over `tiles` tiles: entry, `2:` tile + step, `bne 2b`,
    exit. Duck-types Program for inline_asm (lines, scratch, preloaded)."""

    tile: Program
    tiles: int
    entry: tuple[Insn, ...]
    step: tuple[Insn, ...]  # after the tile's epilogue, without the closing BNE
    exit: tuple[Insn, ...]

    @property
    def scratch(self) -> int:
        return self.tile.scratch

    @property
    def preloaded(self) -> tuple[tuple[str, str], ...]:
        """The scratch registers that enter with a value: the tile's."""
        return self.tile.preloaded

    @property
    def inputs(self) -> tuple[str, ...]:
        """The read-only inputs: the tile's."""
        return self.tile.inputs

    def lines(self) -> list[str]:
        return ([i.text for i in self.entry] + ["2:"] + self.tile.lines() + [i.text for i in self.step]
                + ["bne 2b"] + [i.text for i in self.exit])

    def step_execution(self) -> Execution:
        """One tile's step (its BNE counted taken): what every tile of a strip adds to its
        program; the strip's last BNE is not taken (2 cycles less, strip_overhead)."""
        return _step_execution(self.step, _ends_single(self.tile.epilogue, _ends_single(self.tile.tail, False)))

    def execution(self) -> Execution:
        """The whole statement: tiles x (program + step), the entry and exit, the last BNE
        not taken."""
        tile, step = self.tile.execution(), self.step_execution()
        by_class: dict[str, int] = {}
        for table, times in ((tile.by_class, self.tiles), (step.by_class, self.tiles)):
            for cls, count in table.items():
                by_class[cls] = by_class.get(cls, 0) + count * times
        for insn in self.entry + self.exit:
            by_class[insn.cls] = by_class.get(insn.cls, 0) + 1
        scaled = [{key: value * self.tiles for key, value in table.items()}
                  for table in (tile.loads, tile.load_bytes, tile.stores, tile.store_bytes)]
        cycles = (self.tiles * (tile.cycles + step.cycles) - TAKEN_BRANCH_PENALTY - self.first_tile_saving
                  + _cycles(self.entry, after_single=False) + _cycles(self.exit, after_single=False))
        return Execution(by_class, *scaled, cycles)

    @property
    def first_tile_saving(self) -> int:
        """1 when the first tile's first instruction pipelines after the entry's store (the
        others follow the BNE)."""
        first = (self.tile.prologue or self.tile.body or self.tile.tail)[0]
        return 1 if _ends_single(self.entry, False) and pipelines(first) else 0


# A taken branch costs its cycle plus the pipeline refill (shared timing table).
TAKEN_BRANCH_PENALTY = 2
STRIP_INNER = {"ji": "rows", "ij": "cols"}  # the loop order's inner dimension: a strip's tiles


def _step_execution(step: tuple[Insn, ...], after_single: bool) -> Execution:
    by_class: dict[str, int] = {"branch": 1}
    for insn in step:
        by_class[insn.cls] = by_class.get(insn.cls, 0) + 1
    return Execution(by_class, {}, {}, {}, {}, _cycles(step, after_single=after_single) + 1 + TAKEN_BRANCH_PENALTY)


def _line_distance(side: Side, elem: str, k: int, form: str) -> int:
    """Bytes from one line of an operand (as its kernel pointer sees it) to the next."""
    if side.layout == "rows":
        return side.line_bytes
    if side.layout == "strided":
        return side.elem_bytes
    return panel_row_bytes(elem, k, form) if side.role == "A" else 0  # B's panel: the buffer


def strip_end_offset(c_row_bytes: int, c_col_bytes: int, rows: int, cols: int, requant: bool) -> int:
    """Where C's stores leave t0, from the tile's C address: past each line when the lines are
    too far apart for immediates (the requantization's stores never move it)."""
    if requant:
        return 0
    by_rows = c_row_bytes >= c_col_bytes
    far, near = (c_row_bytes, c_col_bytes) if by_rows else (c_col_bytes, c_row_bytes)
    return (rows if by_rows else cols) * far if c_lines_need_steps(far, near) else 0


def strip_deltas(elem: str, k: int, n: int, a_form: str, b_form: str, a_panel: bool, c_row_bytes: int,
                 c_col_bytes: int, requant: bool, inner: str, rows: int,
                 cols: int) -> tuple[int, int, int, int]:
    """(pa, pb, t0, t1) bytes from where a rows x cols tile leaves its pointers to the next
    tile's start along `inner` ("rows": the next block of rows, B's pointer back to the tile's
    first column; "cols": the next block of columns, A's back to its first row); t1 is the
    requantization's parameter row (it follows the rows). A panel's pointer moves by its lines'
    groups per group (Side.advance), so one line's sides suffice."""
    parts = _strip_parts(elem, k, n, a_form, b_form, a_panel)
    return _deltas(parts, c_row_bytes, c_col_bytes, requant, inner, rows, cols)


def _strip_parts(elem: str, k: int, n: int, a_form: str, b_form: str,
                 a_panel: bool) -> tuple[int, bool, int, bool, int, int]:
    """Per line of each side: how far its pointer advances over K (and whether that grows with
    the tile's lines: a panel), and the distance to the next line."""
    a, b = tile_sides(elem, k, n, a_form, b_form, a_panel, 1, 1)
    group = group_k(elem)
    padded = a.layout == "panel" and a.padded and b.layout == "panel" and b.padded
    groups = -(-k // group) if padded else k // group  # TileSpec.groups
    return (groups * a.advance(group), a.layout == "panel", groups * b.advance(group), b.layout == "panel",
            _line_distance(a, elem, k, a_form), _line_distance(b, elem, k, b_form))


def _deltas(parts: tuple[int, bool, int, bool, int, int], c_row_bytes: int, c_col_bytes: int, requant: bool,
            inner: str, rows: int, cols: int) -> tuple[int, int, int, int]:
    advance_a, a_grows, advance_b, b_grows, a_line, b_line = parts
    advance_a *= rows if a_grows else 1
    advance_b *= cols if b_grows else 1
    c_net = strip_end_offset(c_row_bytes, c_col_bytes, rows, cols, requant)
    if inner == "rows":
        return (rows * a_line - advance_a, -advance_b, rows * c_row_bytes - c_net,
                rows * REQUANT_ROW_BYTES if requant else 0)
    return (-advance_a, cols * b_line - advance_b, cols * c_col_bytes - c_net, 0)


@lru_cache(maxsize=4096)
def strip_forms(elem: str, k: int, n: int, a_form: str, b_form: str, a_panel: bool, c_row_bytes: int,
                c_col_bytes: int, requant: bool, inner: str) -> tuple[str, str, str, str]:
    """The instruction forms of the step's four pointer moves for every tile of this problem
    and family (pointer_step_form over all tiles of up to MAX_TILE_LINES lines): the same
    instructions in every tile's step keep the counts affine. Each move is affine in the tile's
    rows and columns, so its largest size, and whether it is 0 everywhere, show at the corners."""
    parts = _strip_parts(elem, k, n, a_form, b_form, a_panel)
    corners = (1, MAX_TILE_LINES)
    deltas = [_deltas(parts, c_row_bytes, c_col_bytes, requant, inner, rows, cols) for rows in corners for cols in corners]
    return tuple(pointer_step_form(d[i] for d in deltas) for i in range(4))  # type: ignore[return-value]


def _step_moves(moves: Iterable[tuple[str, int, str]], trips: int) -> list[Insn]:
    """A strip's step after each tile: compare C's address (t0) with the end address kept on the
    stack, then move each pointer (name, bytes, pointer_step_form) and reset the loop counter
    (`trips`: the tile's k-loop trips, 0: none). The compare comes first: the moves (ADDW/SUBW,
    MOVW/MOVT, ADD/SUB) keep the flags and may use the end address's register as their temp."""
    end = STRIP_END_REGISTER
    step = [Insn(f"ldr {{{end}}}, [sp]", "stack_load"), Insn(f"cmp {{t0}}, {{{end}}}", "alu")]
    for name, delta, form in moves:
        step += _pointer_step(name, delta, form, end)
    if trips:
        if trips > 0xFFFF:
            raise ValueError(f"{trips} k-loop trips do not fit the step's MOVW (schedule.unroll_fits)")
        step.append(Insn(f"movw {{n}}, #{trips}", "alu"))
    return step


def _strip_step(deltas: tuple[int, int, int, int], forms: tuple[str, str, str, str], trips: int) -> list[Insn]:
    """A register tile's step (see StripSpec): C, the table row, A, B."""
    return _step_moves(zip(("t0", "t1", "pa", "pb"), (deltas[2], deltas[3], deltas[0], deltas[1]),
                           (forms[2], forms[3], forms[0], forms[1]), strict=True), trips)


_STRIP_EXIT = (Insn("add sp, sp, #4", "alu"),)


def strip_entry_form(c_bytes: int) -> str:
    """How a strip's entry adds the end address's offset to t0, the same for every strip of a
    problem: the offset stays inside C, so C's extent in bytes bounds it (ADDW up to 4095,
    MOVW and ADD up to 16 bits, else MOVW, MOVT and ADD)."""
    return "imm" if c_bytes <= MAX_ADD_IMMEDIATE else "wide16" if c_bytes <= 0xFFFF else "wide32"


def _strip_entry(end_offset: int, form: str) -> tuple[Insn, ...]:
    """The end address, t0 + `end_offset` in `form` (strip_entry_form), saved on the stack for
    the whole strip."""
    end = STRIP_END_REGISTER
    if form == "imm":
        return (Insn(f"addw {{{end}}}, {{t0}}, #{end_offset}", "alu"), stack_save(end))
    out = [Insn(f"movw {{{end}}}, #{end_offset & 0xFFFF}", "alu")]
    if form == "wide32":
        out.append(Insn(f"movt {{{end}}}, #{end_offset >> 16}", "alu"))
    return (*out, Insn(f"add {{{end}}}, {{t0}}, {{{end}}}", "alu"), stack_save(end))


@lru_cache(maxsize=1024)
def strip_step_execution(forms: tuple[str, str, str, str], counter: bool, after_single: bool) -> Execution:
    """One tile's step for these pointer-move forms (its BNE counted taken), what the model adds
    per tile of a strip without building one: `counter` when the tile has a counted k loop,
    `after_single` when the tile's code ends with a single load or store (C's stores unless
    stepped, the requantization's restores)."""
    return _step_execution(tuple(_strip_step((0, 0, 0, 0), forms, 1 if counter else 0)), after_single)


def strip_entry_execution(form: str) -> tuple[int, int]:
    """(cycles of a strip's entry and exit, 1 when its first tile's first access pipelines
    after the entry's store): every strip tile starts by saving C's address, or by loading the
    requantization's biases, either of which pipelines."""
    entry = _strip_entry(0, form)
    cycles = _cycles(entry, after_single=False) + _cycles(_STRIP_EXIT, after_single=False)
    return cycles, 1 if _ends_single(entry, False) and pipelines(stack_save("t0")) else 0


def strip_program(spec: StripSpec, check: bool = True) -> Strip:
    """The statement of a strip of `spec.tiles` tiles (see StripSpec)."""
    return strip_of(tile_program(spec.tile, check), spec.tiles, spec.deltas, spec.forms, spec.entry_form,
                    spec.tile_end_offset, check)


def strip_of(tile: Program, tiles: int, deltas: tuple[int, int, int, int], forms: tuple[str, str, str, str],
             entry_form: str, c_net: int, check: bool = True) -> Strip:
    """`tiles` runs of a tile's program (C's address in t0, and a requantization's table row in
    t1) in one statement, each followed by the step of `deltas` (pa, pb, t0, t1: bytes from where
    the tile leaves each pointer to the next tile's start) in `forms`; `c_net`: where the tile's
    C stores leave t0 from its C address (strip_end_offset)."""
    if tile.preloaded not in ((("c", "t0"),), (("c", "t0"), ("q", "t1"))):
        raise ValueError("a strip needs C's address in t0 (and the requantization's table row in t1)")
    step = _strip_step(deltas, forms, tile.trips)
    # t0 after the last tile: the first tile's C address, tiles - 1 moves on, and where C's stores
    # leave t0 (deltas[2] is a move from there to the next tile's C).
    end_offset = (tiles - 1) * (deltas[2] + c_net) + c_net
    if check and not 0 <= end_offset <= {"imm": MAX_ADD_IMMEDIATE, "wide16": 0xFFFF}.get(entry_form, 1 << 32):
        raise ValueError(f"the strip's end offset {end_offset} does not fit its entry form {entry_form}")
    return Strip(tile, tiles, _strip_entry(end_offset, entry_form), tuple(step), _STRIP_EXIT)


# ---- packing of B at run time ------------------------------------------------------------


@dataclass(frozen=True)
class PackSpec:
    """Pack one column of B into the block's panel buffer (int16 pair order for int8, so that
    the tile kernel reads it as w16; a K-contiguous copy for int16), zero-padding the partial
    group. `columns` is the block width (the panel's line count)."""

    elem: str
    source: str  # "rows" (B [N, K]: the column's K values contiguous) | "strided" (B [K, N])
    columns: int
    k: int
    k_bytes: int = 0  # strided: bytes between consecutive k of a column (N * elem bytes)
    zero_point: int = 0  # subtracted from every value packed (a quantized input's zero point)
    advance: bool = False  # the last group's store moves dst on too (a next segment follows)

    @property
    def group(self) -> int:
        return group_k(self.elem)

    @property
    def word_pairs(self) -> int:
        """Words stored per group: 2 (int8 expanded to int16 pairs) or 1 (int16)."""
        return 2 if self.elem == "i8" else 1


def pack_program(spec: PackSpec) -> Program:
    """The packing loop of one column: `src` walks the column, `dst` the panel (one group of
    this column every columns * group_bytes); strided sources read through the `kstride*`
    inputs (1, 2, 3 and `group` times k_bytes). With a zero point, every packed value is
    value - zero_point (int16: no overflow from int8), through the input `zp2` (the zero point
    in both halfwords, for SSUB16; its high half, ASR #16, for a single value); the padding
    stays 0. With `advance`, the partial group's store moves dst on like the others."""
    groups, rest = divmod(spec.k, spec.group)
    group_bytes = 4 * spec.word_pairs
    dst_step = spec.columns * group_bytes
    if dst_step > MAX_STRD_POST_INDEX:
        raise ValueError(f"panel row of {dst_step} bytes exceeds the post-indexed store range")
    strided = spec.source == "strided"
    e = 1 if spec.elem == "i8" else 2
    load = "ldrsb" if spec.elem == "i8" else "ldrsh"
    inputs = tuple(f"kstride{q}" for q in range(1, spec.group + 1)) if strided else ()
    if spec.zero_point and spec.elem != "i8":
        raise ValueError("only int8 inputs carry a zero point")
    if spec.zero_point:
        inputs += ("zp2",)
    subtract = [Insn("ssub16 {t0}, {t0}, {zp2}", "alu"), Insn("ssub16 {t1}, {t1}, {zp2}", "alu")] \
        if spec.zero_point else []

    def element_loads(count: int) -> list[Insn]:
        loads = []
        for q in range(count):
            if strided:
                address = "[{src}]" if q == 0 else f"[{{src}}, {{kstride{q}}}]"
            else:
                address = f"[{{src}}, #{q * e}]" if q else "[{src}]"
            loads.append(Insn(f"{load} {{t{q}}}, {address}", "load", "B", 1, e))
        return loads

    def store(words: int, post_index: bool) -> Insn:
        suffix = f", #{dst_step}" if post_index else ""
        if words == 2:
            return Insn(f"strd {{t0}}, {{t1}}, [{{dst}}]{suffix}", "store_double", "buffer", 2, 4)
        return Insn(f"str {{t0}}, [{{dst}}]{suffix}", "store", "buffer", 1, 4)

    body: list[Insn] = []
    unrolled: list[Insn] = []  # PACK_UNROLL groups per trip (contiguous sources)
    if spec.elem == "i8" and not strided:
        body = [Insn(f"ldr {{t1}}, [{{src}}], #{spec.group}", "load", "B", 1, 4),
                Insn("sxtb16 {t0}, {t1}", "extend"),
                Insn("sxtb16 {t1}, {t1}, ror #8", "extend"),
                *subtract, store(2, True)]
        unrolled = _unrolled_pack_i8(dst_step, bool(spec.zero_point))
    elif spec.elem == "i8":
        body = element_loads(4) + [
            Insn(f"add {{src}}, {{src}}, {{kstride{spec.group}}}", "alu"),
            Insn("pkhbt {t0}, {t0}, {t2}, lsl #16", "alu"),
            Insn("pkhbt {t1}, {t1}, {t3}, lsl #16", "alu"),
            *subtract, store(2, True)]
    elif not strided:
        body = [Insn(f"ldr {{t0}}, [{{src}}], #{4}", "load", "B", 1, 4), store(1, True)]
        unrolled = _unrolled_copy_i16(dst_step)
    else:
        body = element_loads(2) + [
            Insn(f"add {{src}}, {{src}}, {{kstride{spec.group}}}", "alu"),
            Insn("pkhbt {t0}, {t0}, {t1}, lsl #16", "alu"),
            store(1, True)]
    scratch = 4 if (spec.elem == "i8" and strided) else 2
    tail: list[Insn] = []
    if rest:
        tail = element_loads(rest)
        if spec.zero_point:  # before packing, so that the padding stays 0
            tail += [Insn(f"sub {{t{q}}}, {{t{q}}}, {{zp2}}, asr #16", "alu") for q in range(rest)]
        if spec.elem == "i8":
            # Pair order: word 0 = (k0, k2), word 1 = (k1, k3); missing values are zeros.
            tail.append(Insn("pkhbt {t0}, {t0}, {t2}, lsl #16", "alu") if rest == 3
                        else Insn("uxth {t0}, {t0}", "extend"))
            tail.append(Insn("uxth {t1}, {t1}", "extend") if rest >= 2 else Insn("movs {t1}, #0", "alu"))
            tail.append(store(2, spec.advance))
        else:
            tail.append(Insn("uxth {t0}, {t0}", "extend"))
            tail.append(store(1, spec.advance))
        scratch = max(scratch, rest if spec.elem == "i8" else 1, 2 if spec.elem == "i8" else 1)
    if unrolled and groups >= PACK_UNROLL:
        # PACK_UNROLL groups per trip, the leftover groups one at a time after the loop.
        trips, left = divmod(groups, PACK_UNROLL)
        tail = body * left + tail
        body = unrolled
        scratch = max(scratch, 2 * PACK_UNROLL if spec.elem == "i8" else PACK_UNROLL)
        if trips == 1:  # a single trip is straight-line code
            tail, body, trips = body + tail, [], 0
        return Program(tuple(body), trips, tuple(tail), scratch, ("src", "dst"), inputs)
    if groups <= 1:
        tail, body, groups = (body if groups else []) + tail, [], 0
    return Program(tuple(body), groups, tuple(tail), scratch, ("src", "dst"), inputs)


# Groups a contiguous column's packing loop handles per trip: their loads back to back (1 cycle
# each after the first), then the splits, then the stores back to back, one pointer step each.
# Per int8 word 6.75 cycles instead of 11 (the one-group loop: LDR, 2 SXTB16, STRD, SUBS, BNE).
PACK_UNROLL = 4


def _unrolled_pack_i8(dst_step: int, zero_point: bool) -> list[Insn]:
    """PACK_UNROLL int8 words of a contiguous column: word q in t{q}, split into (k0, k2) in
    t{PACK_UNROLL + q} and (k1, k3) in t{q}, stored at dst + q * dst_step (+ 4)."""
    u = PACK_UNROLL
    out = [Insn(f"ldr {{t0}}, [{{src}}], #{4 * u}", "load", "B", 1, 4)]
    out += [Insn(f"ldr {{t{q}}}, [{{src}}, #{4 * q - 4 * u}]", "load", "B", 1, 4) for q in range(1, u)]
    for q in range(u):
        out += [Insn(f"sxtb16 {{t{u + q}}}, {{t{q}}}", "extend"),
                Insn(f"sxtb16 {{t{q}}}, {{t{q}}}, ror #8", "extend")]
    if zero_point:
        out += [Insn(f"ssub16 {{t{r}}}, {{t{r}}}, {{zp2}}", "alu") for r in range(2 * u)]
    for q in range(u):
        low = f"[{{dst}}, #{q * dst_step}]" if q else "[{dst}]"
        out += [Insn(f"str {{t{u + q}}}, {low}", "store", "buffer", 1, 4),
                Insn(f"str {{t{q}}}, [{{dst}}, #{q * dst_step + 4}]", "store", "buffer", 1, 4)]
    out.append(Insn(f"addw {{dst}}, {{dst}}, #{u * dst_step}", "alu"))
    return out


def _unrolled_copy_i16(dst_step: int) -> list[Insn]:
    """PACK_UNROLL int16 words of a contiguous column, copied to dst + q * dst_step."""
    u = PACK_UNROLL
    out = [Insn(f"ldr {{t0}}, [{{src}}], #{4 * u}", "load", "B", 1, 4)]
    out += [Insn(f"ldr {{t{q}}}, [{{src}}, #{4 * q - 4 * u}]", "load", "B", 1, 4) for q in range(1, u)]
    out += [Insn(f"str {{t{q}}}, [{{dst}}, #{q * dst_step}]" if q else "str {t0}, [{dst}]",
                 "store", "buffer", 1, 4) for q in range(u)]
    out.append(Insn(f"addw {{dst}}, {{dst}}, #{u * dst_step}", "alu"))
    return out


# ---- the operand forms of the model, as sides ----------------------------------------------

A_PANEL_FORMS = ("bytes", "pairs", "halves")  # a constant A is re-laid out in panels


@lru_cache(maxsize=65536)  # pure; the optimiser asks for the same sides many times per problem
def tile_sides(elem: str, k: int, n: int, a_form: str, b_form: str, a_panel: bool,
               rows: int, cols: int) -> tuple[Side, Side]:
    """The two sides of a rows x cols tile for the model's operand forms.

    A: "bytes" (int8, w8), "pairs" (constant int8 pre-expanded to int16 pairs, zero-padded
    panel), "halves" (int16, w16); row-major when A arrives at run time, in panels of the tile's
    rows when it is a constant (`a_panel`). B: "words" (K-contiguous, [N, K]), "strided" ([K, N]),
    "packed" (the run-time packing buffer: a zero-padded panel of int16).
    """
    e = 1 if elem == "i8" else 2
    group = group_k(elem)
    if a_form == "pairs":
        a = Side("A", "w16", rows, "panel", "i16", padded=True, pairs=True)
    elif a_form in ("bytes", "halves"):
        kind = "w8" if a_form == "bytes" else "w16"
        if a_panel:
            a = Side("A", kind, rows, "panel", elem, rest=k % group)
        else:
            a = Side("A", kind, rows, "rows", elem, line_bytes=k * e)
    else:
        raise ValueError(f"A form {a_form!r} has no DSP micro-kernel")
    if b_form == "packed":
        b = Side("B", "w16", cols, "panel", "i16", padded=True, pairs=elem == "i8")
    elif b_form == "words":
        b = Side("B", "w8" if elem == "i8" else "w16", cols, "rows", elem, line_bytes=k * e)
    elif b_form == "strided":
        b = Side("B", "s8" if elem == "i8" else "s16", cols, "strided", elem, k_bytes=n * e)
    else:
        raise ValueError(f"B form {b_form!r} has no DSP micro-kernel")
    return a, b


def side_kind(elem: str, form: str) -> str:
    """The read kind of an operand form (for register counts without building sides)."""
    if form in ("bytes",) or (form == "words" and elem == "i8"):
        return "w8"
    if form == "strided":
        return "s8" if elem == "i8" else "s16"
    return "w16"


def panel_row_bytes(elem: str, k: int, form: str) -> int:
    """Bytes one row of A (or column of B) takes in its panel, so that the panel of a tile
    starting at row r starts at r * this (zero-padded int16 pairs, or the plain row)."""
    group = group_k(elem)
    if form in ("pairs", "packed"):
        return 2 * group * -(-k // group)
    return k * (1 if elem == "i8" else 2)


def max_offset(side: Side) -> int:
    """The largest immediate any access or pointer step of this side needs, whatever ku is
    (each group moves the pointers itself); the generator checks every offset it writes."""
    if side.layout == "rows":
        return (side.lines - 1) * side.line_bytes + 4
    if side.layout == "panel":
        return side.lines * side.group_bytes
    group = group_k(side.elem)
    return group * side.k_bytes + (side.lines - 1) * side.elem_bytes


# ---- depthwise convolutions ----------------------------------------------------------------


@dataclass(frozen=True)
class DepthwiseSpec:
    """One tile of a depthwise convolution: 4 channels (one input word) of `pixels` output
    pixels, summed over the filter's taps, straight-line.

    Per tap: the 4 channels' weights as two int16-pair words (c0, c2), (c1, c3) (pre-expanded
    at compile time, in SXTB16's order, `pw` moving 8 bytes per tap), then per pixel the input
    word at `tap_offsets[t] + p * pixel_offset` from `px`, split into the same pairs, the zero
    point removed, and SMLABB/SMLATT into the pixel's 4 accumulators. Zero point: 0 (nothing),
    -128 (EOR 0x80808080 then UXTB16 gives x + 128 in both halves, no register), anything else
    (SSUB16 of the `zp2` input). C: the tile's outputs, pixel p's 4 channels at
    p * c_pixel_bytes + 4 * channel from C's address (entering in t0, pushed meanwhile).
    """

    tap_offsets: tuple[int, ...]
    pixels: int
    pixel_offset: int
    zero_point: int
    c_pixel_bytes: int
    requant: bool = False  # int8 outputs, requantized in registers (requant_access)
    # One block of a strip (depthwise_strip_program): px and pw live on after the tile.
    in_strip: bool = False

    @property
    def c_element_bytes(self) -> int:
        return 1 if self.requant else 4

    @property
    def scratch(self) -> int:
        """Two weight words and two input halves (C's address reuses one of them)."""
        return 4


def depthwise_registers(pixels: int, zero_point: int) -> int:
    """Accumulators + scratch + the two pointers (+ the zero-point pair when it needs one)."""
    return 4 * pixels + 4 + 2 + (0 if zero_point in (0, -128) else 1)


def depthwise_program(spec: DepthwiseSpec) -> Program:
    """The straight-line code of one depthwise tile (see DepthwiseSpec)."""
    accumulators = [[f"{{c{p}_{c}}}" for c in range(4)] for p in range(spec.pixels)]
    element = spec.c_element_bytes
    c_offsets = [(p, c, p * spec.c_pixel_bytes + element * c) for p in range(spec.pixels) for c in range(4)]
    if max(offset for _, _, offset in c_offsets) > MAX_OFFSET:
        raise ValueError("the tile's outputs are beyond an LDR immediate from its first")
    prologue = [stack_save("t0")]
    for p, c, offset in c_offsets:
        address = f"[{{t0}}, #{offset}]" if offset else "[{t0}]"
        prologue.append(Insn(f"ldr {accumulators[p][c]}, {address}", "load", "C", 1, 4))
    preloaded: tuple[tuple[str, str], ...] = (("c", "t0"),)
    extend = "uxtb16" if spec.zero_point == -128 else "sxtb16"
    body: list[Insn] = []
    for tap, tap_offset in enumerate(spec.tap_offsets):
        body.append(Insn("ldr {t0}, [{pw}], #8", "load", "A", 1, 4))
        body.append(Insn("ldr {t1}, [{pw}, #-4]", "load", "A", 1, 4))
        for p in range(spec.pixels):
            offset = tap_offset + p * spec.pixel_offset
            if not 0 <= offset <= MAX_OFFSET:
                raise ValueError(f"tap {tap} of pixel {p} is {offset} bytes away, beyond an LDR immediate")
            body.append(Insn(f"ldr {{t3}}, [{{px}}, #{offset}]" if offset else "ldr {t3}, [{px}]", "load", "B", 1, 4))
            if spec.zero_point == -128:
                body.append(Insn("eor {t3}, {t3}, #0x80808080", "alu"))
            body.append(Insn(f"{extend} {{t2}}, {{t3}}", "extend"))
            body.append(Insn(f"{extend} {{t3}}, {{t3}}, ror #8", "extend"))
            if spec.zero_point not in (0, -128):
                body.append(Insn("ssub16 {t2}, {t2}, {zp2}", "alu"))
                body.append(Insn("ssub16 {t3}, {t3}, {zp2}", "alu"))
            acc = accumulators[p]
            body.append(Insn(f"smlabb {acc[0]}, {{t2}}, {{t0}}, {acc[0]}", "dsp_mac"))
            body.append(Insn(f"smlatt {acc[2]}, {{t2}}, {{t0}}, {acc[2]}", "dsp_mac"))
            body.append(Insn(f"smlabb {acc[1]}, {{t3}}, {{t1}}, {acc[1]}", "dsp_mac"))
            body.append(Insn(f"smlatt {acc[3]}, {{t3}}, {{t1}}, {acc[3]}", "dsp_mac"))
    epilogue = [stack_restore("t0")]
    for p, c, offset in c_offsets:
        address = f"[{{t0}}, #{offset}]" if offset else "[{t0}]"
        epilogue.append(Insn(f"str {accumulators[p][c]}, {address}", "store", "C", 1, 4))
    epilogue[1] = _after_restore(epilogue[1])
    if spec.requant:  # rows: the 4 channels; columns: the pixels
        prologue, epilogue, preloaded = requant_access(
            4, spec.pixels, 1, spec.c_pixel_bytes, ("t2", "t3") if spec.in_strip else ("px", "pw", "t2"),
            accumulator=lambda channel, pixel: accumulators[pixel][channel])
    inputs = ("zp2",) if spec.zero_point not in (0, -128) else ()
    return Program((), 0, tuple(body), spec.scratch, ("px", "pw"), inputs, tuple(prologue),
                   preloaded, tuple(epilogue))


def depthwise_block_moves(spec: DepthwiseSpec) -> tuple[tuple[str, int, str], ...]:
    """From one block of 4 channels to the next: C's address by 4 outputs, the parameter
    table's row by 4 rows, the input by one word; the filter's pointer is already there (its
    blocks follow each other and each tile's taps step it through its own)."""
    moves = [("t0", 4 * spec.c_element_bytes, "imm")]
    if spec.requant:
        moves.append(("t1", 4 * REQUANT_ROW_BYTES, "imm"))
    moves.append(("px", 4, "imm"))
    return tuple(moves)


def depthwise_strip_program(spec: DepthwiseSpec, blocks: int) -> Strip:
    """Every block of 4 channels of one tile of pixels in one statement: the entry computes
    where C's address is at the last block and keeps it on the stack, each block runs
    depthwise_program then the step of depthwise_block_moves, `bne 2b`. `spec.in_strip` keeps
    the pointers (a fused requantization takes its temps from the free scratch instead)."""
    if not spec.in_strip or blocks < 2:
        raise ValueError("a depthwise strip needs a spec with in_strip and at least 2 blocks")
    moves = depthwise_block_moves(spec)
    end_offset = (blocks - 1) * moves[0][1]
    return Strip(depthwise_program(spec), blocks, _strip_entry(end_offset, strip_entry_form(end_offset)),
                 tuple(_step_moves(moves, 0)), _STRIP_EXIT)
