"""A tile micro-kernel's exact Execution without writing the whole Program.

The optimiser evaluates every kernel family on four small tiles per problem (costs.py), and
writing each Program instruction by instruction for a K of hundreds took most of a derivation.
But a tile's k loop repeats one block, the code of one group of k, whose instructions do not
depend on K (only its offsets do, which the counts never read); K only decides how often it runs
(trips of ku blocks, left-over blocks) and which remainder follows. So the blocks are written
once per kernel shape (cached, like a table of the target's kernels) and combined here with the
same rules Program.execution applies, exactly: `test_kernel_counts.py` checks the result equal
to `tile_program(spec).execution()` on thousands of specs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache

from mema_mlir.model.microkernel import (
    _CYCLES,
    _SINGLE,
    REQUANT_KEPT_POINTERS,
    Execution,
    Insn,
    Side,
    TileSpec,
    _resolve,
    _TileWriter,
    c_lines_need_steps,
    pipelines,
    requant_access,
)


@dataclass(frozen=True)
class Run:
    """What a straight run of instructions executes: counts by key (("class", c), ("load", operand),
    ("load_bytes", operand), ("store", operand), ("store_bytes", operand)) and timing-table
    cycles when the instruction before it is not a single load or store."""

    counts: tuple[tuple[tuple[str, str], int], ...] = ()
    cycles: int = 0
    first_single: bool = False
    last_single: bool = False
    empty: bool = True

    def cycles_after(self, previous_single: bool) -> int:
        """Cycles right after a single load or store (its first access pipelines) or not."""
        return self.cycles - 1 if previous_single and self.first_single else self.cycles


def _merge(*parts: tuple[tuple[tuple[str, str], int], ...], scale: tuple[int, ...] = ()) -> dict:
    total: dict[tuple[str, str], int] = {}
    for index, part in enumerate(parts):
        factor = scale[index] if scale else 1
        for key, value in part:
            total[key] = total.get(key, 0) + value * factor
    return {key: value for key, value in total.items() if value}


def summarize(insns: tuple[Insn, ...] | list[Insn]) -> Run:
    """The Run of a list of instructions (Program.execution's rules)."""
    if not insns:
        return Run()
    counts: dict[tuple[str, str], int] = {}
    cycles = 0
    previous_single = False
    for insn in insns:
        counts[("class", insn.cls)] = counts.get(("class", insn.cls), 0) + 1
        if insn.accesses:
            kind = "load" if insn.cls in ("load", "load_double") else "store"
            counts[(kind, insn.operand)] = counts.get((kind, insn.operand), 0) + insn.accesses
            key = (f"{kind}_bytes", insn.operand)
            counts[key] = counts.get(key, 0) + insn.accesses * insn.access_bytes
        single = insn.cls in _SINGLE
        cycles += 1 if single and previous_single and not insn.address_from_previous else _CYCLES[insn.cls]
        previous_single = single
    return Run(tuple(sorted(counts.items())), cycles, pipelines(insns[0]), insns[-1].cls in _SINGLE, False)


def then(first: Run, second: Run) -> Run:
    """`first` followed by `second`."""
    if first.empty:
        return second
    if second.empty:
        return first
    return Run(tuple(sorted(_merge(first.counts, second.counts).items())),
               first.cycles + second.cycles_after(first.last_single),
               first.first_single, second.last_single, False)


def repeat(run: Run, times: int) -> Run:
    """`run` `times` times in a row."""
    if times <= 0 or run.empty:
        return Run()
    joined = run.cycles_after(run.last_single)
    return Run(tuple(sorted(_merge(run.counts, scale=(times,)).items())),
               run.cycles + (times - 1) * joined, run.first_single, run.last_single, False)


@lru_cache(maxsize=4096)
def _canonical(side: Side) -> Side:
    """The side with what only moves offsets (a row's length in bytes) set aside: the block's
    instructions, post-indexing included, are the same for every K."""
    return dataclasses.replace(side, line_bytes=0) if side.layout == "rows" else side


@lru_cache(maxsize=4096)
def _group_run(elem: str, a: Side, b: Side, kept: str) -> Run:
    """One group of k, moving its own pointers (the block every trip repeats)."""
    spec = TileSpec(elem, a, b, kept, 1, 4 if elem == "i8" else 2)
    writer = _TileWriter(spec, check=False)
    block: list = []
    writer.group_code(0, block)
    return summarize(_resolve(block, writer.advances(1), check=False))


@lru_cache(maxsize=4096)
def _remainder_run(elem: str, a: Side, b: Side, kept: str, rest: int) -> Run:
    """The K mod group elements after the groups (element loads and MLA)."""
    if not rest:
        return Run()
    spec = TileSpec(elem, a, b, kept, 1, rest)  # groups 0 unless padded: only rest matters here
    writer = _TileWriter(spec, check=False)
    block: list = []
    writer.remainder(block)
    return summarize(_resolve(block, {}, check=False))


@lru_cache(maxsize=4096)
def _body_run(elem: str, a: Side, b: Side, kept: str, ku: int) -> Run:
    """One trip of the k loop: ku groups."""
    return repeat(_group_run(elem, a, b, kept), ku)


@lru_cache(maxsize=16384)
def _tail_run(elem: str, a: Side, b: Side, kept: str, straight: int, left: int, rest: int) -> Run:
    """What follows the loop: `straight` + `left` groups, then the remainder."""
    groups = repeat(_group_run(elem, a, b, kept), straight + left) if straight + left else Run()
    return then(groups, _remainder_run(elem, a, b, kept, rest))


@lru_cache(maxsize=4096)
def _c_runs(rows: int, cols: int, c_row_bytes: int, c_col_bytes: int, requant: bool) -> tuple[Run, Run]:
    """The prologue and epilogue around the k loop: C's loads and stores, or the fused
    requantization's."""
    if requant:
        prologue, epilogue, _ = requant_access(rows, cols, c_row_bytes, c_col_bytes, ("pa", "pb", "t2"), False,
                                               keep=REQUANT_KEPT_POINTERS)
        return summarize(prologue), summarize(epilogue)
    a = Side("A", "w16", rows, "panel", "i16")
    b = Side("B", "w16", cols, "panel", "i16")
    writer = _TileWriter(TileSpec("i16", a, b, "a", 1, 2, c_row_bytes, c_col_bytes), check=False)
    prologue, epilogue, _ = writer.c_access()
    return summarize(prologue), summarize(epilogue)


@lru_cache(maxsize=4096)
def _c_counts(rows: int, cols: int, c_row_bytes: int, c_col_bytes: int, requant: bool) -> dict:
    """The prologue's and epilogue's counts together (read-only: callers copy it)."""
    prologue, epilogue = _c_runs(rows, cols, c_row_bytes, c_col_bytes, requant)
    return _merge(prologue.counts, epilogue.counts)


def _c_shape(c_row_bytes: int, c_col_bytes: int, requant: bool) -> tuple[int, int]:
    """Strides standing for every (c_row_bytes, c_col_bytes) whose C code has the same
    instructions: the counts read the lines' order (rows or columns first), whether lines are
    stepped by an ADD of a MOVW (or MOVW/MOVT) stride, and nothing else of the strides' values
    (only the offsets, which no count reads). So the C blocks are tables of the kernel's shape,
    like the k-loop blocks, not of a problem's N."""
    if not c_row_bytes or requant:  # no C code, or the requantization's (offsets only)
        return (c_row_bytes and 1, c_col_bytes and 1)
    by_rows = c_row_bytes >= c_col_bytes
    far, near = (c_row_bytes, c_col_bytes) if by_rows else (c_col_bytes, c_row_bytes)
    if not c_lines_need_steps(far, near):
        far = 8
    elif far <= 0xFFFF:
        far = 4096
    else:
        far = 0x10004
    return (far, 4) if by_rows else (4, far)


def clear_kernel_problem_caches() -> None:
    """Nothing of a problem's sizes is cached here any more: the group, remainder, loop and C
    blocks depend on the kernel's shape alone (kept for callers that clear every cache)."""


def tile_execution(spec: TileSpec) -> tuple[Execution, bool]:
    """(tile_program(spec, check=False).execution(), whether the program has a counted loop),
    from the cached blocks."""
    counts, cycles, loops = tile_counts(spec)
    tables: dict[str, dict[str, int]] = {"class": {}, "load": {}, "load_bytes": {}, "store": {}, "store_bytes": {}}
    for (kind, name), value in counts.items():
        tables[kind][name] = value
    execution = Execution(tables["class"], tables["load"], tables["load_bytes"], tables["store"],
                          tables["store_bytes"], cycles)
    return execution, loops


def tile_counts(spec: TileSpec) -> tuple[dict[tuple[str, str], int], int, bool]:
    """tile_execution's counts as one flat table (("class", c), ("load", operand), ...), its
    cycles and whether it loops: what the optimiser reads, without building the Execution."""
    a, b = _canonical(spec.a), _canonical(spec.b)
    trips, left = divmod(spec.groups, spec.ku)
    body = _body_run(spec.elem, a, b, spec.kept, spec.ku) if trips > 1 else Run()
    tail = _tail_run(spec.elem, a, b, spec.kept, spec.ku if trips == 1 else 0, left, spec.rest)
    if trips == 1:  # a single trip is straight-line code (its groups are in the tail)
        trips = 0
    c_key = (spec.a.lines, spec.b.lines, *_c_shape(spec.c_row_bytes, spec.c_col_bytes, spec.requant),
             spec.requant)
    prologue, epilogue = _c_runs(*c_key)
    cycles = prologue.cycles
    previous_single = prologue.last_single if not prologue.empty else False
    counts = dict(_c_counts(*c_key))
    get = counts.get
    for key, value in tail.counts:
        counts[key] = get(key, 0) + value
    if trips:
        for key, value in body.counts:
            counts[key] = get(key, 0) + value * trips
        steady = body.cycles
        first = steady - 1 if previous_single and body.first_single else steady
        cycles += first + (trips - 1) * steady + trips + 3 * (trips - 1) + 1
        counts[("class", "alu")] = counts.get(("class", "alu"), 0) + trips
        counts[("class", "branch")] = counts.get(("class", "branch"), 0) + trips
        previous_single = False
    cycles += tail.cycles_after(previous_single)
    after_tail = tail.last_single if not tail.empty else previous_single
    cycles += epilogue.cycles_after(after_tail)
    return counts, cycles, trips > 0


Affine = dict[tuple[str, str], tuple[int, int, int, int]]  # key -> (constant, rows, cols, rows*cols)


def _affine_of(samples: tuple[dict[tuple[str, str], int], ...]) -> Affine:
    """Each count's (constant, rows, cols, rows*cols) coefficients from its values at the
    (1, 1), (2, 1), (1, 2), (2, 2) tiles."""
    s11, s21, s12, s22 = samples
    out: Affine = {}
    for key in s11.keys() | s21.keys() | s12.keys() | s22.keys():
        f11, f21, f12, f22 = s11.get(key, 0), s21.get(key, 0), s12.get(key, 0), s22.get(key, 0)
        both = f22 - f21 - f12 + f11
        rows, cols = f21 - f11 - both, f12 - f11 - both
        out[key] = (f11 - rows - cols - both, rows, cols, both)
    return out


def _run_counts(run: Run) -> dict[tuple[str, str], int]:
    return dict(run.counts)


@lru_cache(maxsize=4096)
def _body_affine(elem: str, sides: tuple[tuple[Side, Side], ...], kept: str, ku: int) -> Affine:
    return _affine_of(tuple(_run_counts(_body_run(elem, a, b, kept, ku)) for a, b in sides))


@lru_cache(maxsize=16384)
def _tail_affine(elem: str, sides: tuple[tuple[Side, Side], ...], kept: str, straight: int, left: int,
                 rest: int) -> Affine:
    return _affine_of(tuple(_run_counts(_tail_run(elem, a, b, kept, straight, left, rest)) for a, b in sides))


@lru_cache(maxsize=4096)
def _c_affine(far_near: tuple[int, int], requant: bool) -> Affine:
    return _affine_of(tuple(_c_counts(rows, cols, *far_near, requant) for rows, cols in SAMPLE_TILES))


SAMPLE_TILES = ((1, 1), (2, 1), (1, 2), (2, 2))


def sample_affine(specs: tuple[TileSpec, ...]) -> tuple[Affine, tuple[int, ...], bool]:
    """For the specs of one family's (1, 1), (2, 1), (1, 2), (2, 2) tiles (same K, strides and
    kernel): every count's affine coefficients in the tile's rows and columns, each sample's
    cycles, and whether the tiles loop. The same numbers as tile_counts on each sample, but the
    coefficients are sums of the blocks' own (cached per kernel shape, whatever K is), scaled by
    how often each block runs: a derivation pays a few additions per family, not four merges."""
    first = specs[0]
    sides = tuple((spec.a, spec.b) for spec in specs)
    return family_affine(first.elem, sides, first.kept, first.ku, first.groups, first.rest,
                         first.c_row_bytes, first.c_col_bytes, first.requant)


def family_affine(elem: str, sides: tuple[tuple[Side, Side], ...], kept: str, ku: int, groups: int, rest: int,
                  c_row_bytes: int, c_col_bytes: int, requant: bool) -> tuple[Affine, tuple[int, ...], bool]:
    """sample_affine from the four samples' sides and the kernel's K split (groups, rest)."""
    trips, left = divmod(groups, ku)
    straight = ku if trips == 1 else 0
    loops = trips > 1
    canonical = tuple((_canonical(a), _canonical(b)) for a, b in sides)
    c_shape = _c_shape(c_row_bytes, c_col_bytes, requant)
    total: Affine = dict(_c_affine(c_shape, requant))
    parts: list[tuple[Affine, int]] = [(_tail_affine(elem, canonical, kept, straight, left, rest), 1)]
    if loops:
        parts.append((_body_affine(elem, canonical, kept, ku), trips))
    for part, times in parts:
        for key, (c0, c1, c2, c3) in part.items():
            t0, t1, t2, t3 = total.get(key, (0, 0, 0, 0))
            total[key] = (t0 + times * c0, t1 + times * c1, t2 + times * c2, t3 + times * c3)
    if loops:  # SUBS and BNE per trip, the same for every tile
        for key in (("class", "alu"), ("class", "branch")):
            t0, t1, t2, t3 = total.get(key, (0, 0, 0, 0))
            total[key] = (t0 + trips, t1, t2, t3)
    terms = _cycle_terms(elem, canonical, kept, ku if loops else 0, straight, left, rest, c_shape, requant)
    effective = trips if loops else 0
    return total, tuple(base + per_trip * effective for base, per_trip in terms), loops


@lru_cache(maxsize=16384)
def _cycle_terms(elem: str, sides: tuple[tuple[Side, Side], ...], kept: str, loop_ku: int, straight: int,
                 left: int, rest: int, c_shape: tuple[int, int], requant: bool) -> tuple[tuple[int, int], ...]:
    """Each sample's cycles as base + per_trip * trips (tile_counts' sum with the pipelined-load
    rule: every trip after the first costs the same), for the loop of `loop_ku` groups per trip
    (0: no loop)."""
    terms = []
    for (a, b), (rows, cols) in zip(sides, SAMPLE_TILES, strict=True):
        prologue, epilogue = _c_runs(rows, cols, *c_shape, requant)
        tail = _tail_run(elem, a, b, kept, straight, left, rest)
        base = prologue.cycles
        per_trip = 0
        previous_single = prologue.last_single if not prologue.empty else False
        if loop_ku:
            body = _body_run(elem, a, b, kept, loop_ku)
            steady = body.cycles
            first = steady - 1 if previous_single and body.first_single else steady
            # first + (trips - 1) * steady + trips + 3 * (trips - 1) + 1
            base += first - steady - 3 + 1
            per_trip = steady + 1 + 3
            previous_single = False
        base += tail.cycles_after(previous_single)
        after_tail = tail.last_single if not tail.empty else previous_single
        terms.append((base + epilogue.cycles_after(after_tail), per_trip))
    return tuple(terms)


__all__ = ["SAMPLE_TILES", "Run", "clear_kernel_problem_caches", "repeat", "sample_affine", "summarize", "then",
           "tile_counts", "tile_execution"]
