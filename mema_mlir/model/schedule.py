"""Schedules: what the generator can emit for one matmul, and which of those a target can run.

Output-stationary schedules keep each mr x nr block of C in registers for the whole K (kr = K):
C is read and written once. Within a k-group, one operand's slice is kept in registers while
the other's lines stream through (`kept`). Weight-stationary schedules keep an mr x kr block of
A in registers and stream every column of B past it (nr = 1); input-stationary ones keep a
kr x nr block of B and stream every row of A (mr = 1): partial sums go through C once per
k-slice (stationary.py).

The optimiser works on a grid for each family: (mr, nr) over (M, N) for output-stationary
kernels, (lines, k-groups) over (M or N, ceil(K / group)) for the other two (`grid_extent`,
`grid_tile`, `schedule_at`), so one closed form and one staircase argument serve all three.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from mema_mlir.model.errors import ScheduleError
from mema_mlir.model.kernels import A_FORMS, B_FORMS, KEPT, KERNELS, group_k
from mema_mlir.model.microkernel import (
    MAX_OFFSET,
    max_offset,
    panel_row_bytes,
    requant_offsets_fit,
    tile_sides,
)
from mema_mlir.model.problem import Problem
from mema_mlir.model.registers import (
    LOOP_AND_ADDRESS_REGISTERS,
    Family,
    mla_offsets_fit,
    registers_needed,
    staging_registers,
)
from mema_mlir.model.stationary import (
    KERNEL_STATIONARITY,
    MAX_LDRD_OFFSET,
    group_values,
    pair_words,
)
from mema_mlir.model.target import Target

# The unrolls of the SMLAD micro-kernel's k loop (every group moves its own pointers, so ku
# changes only the loop control and never the registers or the legality of a tile).
K_UNROLLS = (1, 2, 4, 8)
MLA_UNROLLS = K_UNROLLS  # the MLA micro-kernel unrolls like the SMLAD ones
LOOP_ORDERS = ("ij", "ji")
STATIONARITIES = ("output", "weight", "input")
STREAM_UNROLLS = (1,)  # the stationary kernels loop over lines, not over k

# Every (kernel, a_form, b_form, kept) the generator emits, in tie-break order (DSP first).
FAMILIES: tuple[Family, ...] = tuple(
    ("smlad", a_form, b_form, kept)
    for a_form in ("bytes", "pairs", "halves")
    for b_form in ("words", "strided", "packed")
    for kept in KEPT
) + tuple(
    (kernel, a_form, "words", kept)
    for kernel, kept in (("smlad-ws", "a"), ("smlad-is", "b"))
    for a_form in ("pairs", "halves")
) + tuple(("mla", "elements", "elements", kept) for kept in KEPT)
FAMILY_RANK = {family: rank for rank, family in enumerate(FAMILIES)}


@dataclass(frozen=True)
class Schedule:
    """One emitted kernel: register tile mr x nr, k-unroll ku, operand forms, which operand's
    k-slice is kept in registers, and the loop order.

    The loop order ("ij": rows of tiles outside; "ji": columns outside) does not change any
    load/store or data-instruction count, only which block loop is the outer one; a packed B
    needs "ji" (each column block is packed once, then every row block reads it).
    """

    mr: int
    nr: int
    ku: int
    kernel: str  # "smlad" | "mla"
    a_form: str  # "bytes" | "pairs" (i8 constant) | "halves" (i16) | "elements" (mla)
    b_form: str  # "words" | "strided" | "packed" | "elements" (mla)
    kept: str = "b"  # "b": B's slice stays in registers and A's rows stream; "a": the reverse; "ab": both
    loop_order: str = "ij"
    stationarity: str = "output"
    kr: int | None = None  # None or K: partial sums never leave the registers

    def __post_init__(self) -> None:
        for name in ("mr", "nr"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ScheduleError(f"{name} must be a positive integer, got {value!r}")
        unrolls = unrolls_of(self.kernel)
        if self.ku not in unrolls:
            raise ScheduleError(f"ku must be one of {unrolls} for {self.kernel}, got {self.ku!r}")
        if self.kernel not in KERNELS:
            raise ScheduleError(f"kernel must be one of {', '.join(KERNELS)}, got {self.kernel!r}")
        if self.a_form not in A_FORMS or self.b_form not in B_FORMS:
            raise ScheduleError(f"unknown operand forms A {self.a_form!r} / B {self.b_form!r}")
        if self.family not in FAMILY_RANK:
            raise ScheduleError(f"{self.kernel} has no form A {self.a_form} / B {self.b_form} "
                                f"kept {self.kept}")
        if self.loop_order not in LOOP_ORDERS:
            raise ScheduleError(f"loop_order must be ij or ji, got {self.loop_order!r}")
        if self.b_form == "packed" and self.loop_order != "ji":
            raise ScheduleError("a packed B is packed once per column block: loop_order must be ji")
        if self.stationarity not in STATIONARITIES:
            raise ScheduleError(f"stationarity must be one of {', '.join(STATIONARITIES)}, got {self.stationarity!r}")
        expected = KERNEL_STATIONARITY.get(self.kernel, "output")
        if self.stationarity != expected:
            raise ScheduleError(f"the {self.kernel} kernel is {expected}-stationary, not {self.stationarity}")
        if self.kr is not None and (not isinstance(self.kr, int) or isinstance(self.kr, bool) or self.kr < 1):
            raise ScheduleError(f"kr must be a positive integer, got {self.kr!r}")
        if expected != "output" and (self.kr is None or (self.mr if expected == "input" else self.nr) != 1):
            raise ScheduleError(f"a {expected}-stationary schedule has "
                                + ("mr = 1" if expected == "input" else "nr = 1") + " and a kr")

    @property
    def family(self) -> Family:
        return (self.kernel, self.a_form, self.b_form, self.kept)

    def registers(self, elem: str) -> int:
        """Registers the kernel needs for `elem` operands (see registers.py)."""
        return registers_needed(elem, self.family, *self.grid(elem))

    def grid(self, elem: str) -> tuple[int, int]:
        """The tile on the optimiser's grid: (mr, nr), or a stationary block's (lines, groups)."""
        if self.stationarity == "output":
            return self.mr, self.nr
        lines = self.mr if self.stationarity == "weight" else self.nr
        assert self.kr is not None
        return lines, -(-self.kr // group_values(elem))


def is_stream(family: Family) -> bool:
    """A weight- or input-stationary family (its grid is lines x k-groups)."""
    return family[0] in KERNEL_STATIONARITY


def grid_extent(problem: Problem, family: Family) -> tuple[int, int]:
    """The grid a family's tiles cover: (M, N), or (M or N, ceil(K / group)) for the kept
    lines and k-groups of a weight- (input-) stationary block."""
    stationarity = KERNEL_STATIONARITY.get(family[0])
    if stationarity is None:
        return problem.m, problem.n
    groups = -(-problem.k // group_values(problem.elem))
    return (problem.m if stationarity == "weight" else problem.n), groups


def schedule_at(problem: Problem, family: Family, a: int, b: int, ku: int, loop_order: str) -> Schedule:
    """The Schedule of grid tile (a, b) of `family`."""
    stationarity = KERNEL_STATIONARITY.get(family[0])
    if stationarity is None:
        return Schedule(a, b, ku, *family, loop_order, "output", problem.k)
    kr = min(b * group_values(problem.elem), problem.k)
    mr, nr = (a, 1) if stationarity == "weight" else (1, a)
    return Schedule(mr, nr, ku, *family, loop_order, stationarity, kr)


def families(problem: Problem, target: Target) -> tuple[Family, ...]:
    """The kernel/form combinations this problem allows on this target, in FAMILIES order."""
    return tuple(family for family in kernel_families(problem, target)
                 if unroll_fits(problem, family, max(unrolls(family))))


def kernel_families(problem: Problem, target: Target) -> tuple[Family, ...]:
    """families() before the limit on a tile's k-loop trips."""
    allowed: list[Family] = []
    if target.has_dsp:
        pairs = problem.a_constant and problem.a_expandable
        a_forms = (["bytes", "pairs"] if pairs else ["bytes"]) if problem.elem == "i8" else ["halves"]
        b_forms = ["words" if problem.b_contiguous else "strided", "packed"] if problem.b_in_place else ["packed"]
        allowed += [("smlad", a, b, kept) for a in a_forms for b in b_forms for kept in KEPT]
        if stream_applies(problem):
            form = "pairs" if problem.elem == "i8" else "halves"
            allowed += [("smlad-ws", form, "words", "a"), ("smlad-is", form, "words", "b")]
    if problem.b_in_place and not problem.requant:  # the MLA kernel reads B where it is
        allowed += [("mla", "elements", "elements", kept) for kept in KEPT]
    return tuple(sorted(allowed, key=FAMILY_RANK.__getitem__))


# A strip's step resets the tile's trip counter with one MOVW (microkernel._step_moves).
MAX_STRIP_TRIPS = 0xFFFF


def unroll_fits(problem: Problem, family: Family, ku: int) -> bool:
    """The tile's k loop has at most MAX_STRIP_TRIPS trips at this unroll (output-stationary
    tiles, which run in strips); fewer trips at a larger ku, so the largest ku fits if any does."""
    if family[0] not in ("smlad", "mla"):
        return True
    return -(-problem.k // group_k(problem.elem, family[0])) // ku <= MAX_STRIP_TRIPS


def stream_applies(problem: Problem) -> bool:
    """The weight- and input-stationary kernels read a constant A (pre-laid out at compile time),
    a K-contiguous B where it is and a row-major int32 C, with K at least one group (the last
    group is the word that ends at K)."""
    return (problem.a_constant and problem.b_in_place and problem.b_contiguous and not problem.requant
            and problem.c_strides == (4 * problem.n, 4) and problem.k >= group_values(problem.elem)
            and (problem.a_expandable or problem.elem == "i16"))  # int8: A's panel is int16 pairs


def unrolls_of(kernel: str) -> tuple[int, ...]:
    if kernel == "smlad":
        return K_UNROLLS
    return STREAM_UNROLLS if kernel in KERNEL_STATIONARITY else MLA_UNROLLS


def unrolls(family: Family) -> tuple[int, ...]:
    return unrolls_of(family[0])


def loop_orders(family: Family) -> tuple[str, ...]:
    if is_stream(family):
        return ("ij",)  # blocks of lines outside, k-slices inside
    return ("ji",) if family[2] == "packed" else LOOP_ORDERS


def stream_offsets_fit(problem: Problem, family: Family, lines: int, groups: int) -> bool:
    """Every immediate of a stationary block's statement is encodable (stationary.py)."""
    e = problem.elem_bytes
    c_row = 4 * problem.n
    if KERNEL_STATIONARITY[family[0]] == "weight":
        return ((lines - 1) * c_row <= MAX_OFFSET and problem.k * e <= MAX_OFFSET
                and (groups * lines - 1) * 4 * pair_words(problem.elem) <= MAX_LDRD_OFFSET)
    a_row = grid_extent(problem, family)[1] * 4 * pair_words(problem.elem)
    return ((lines - 1) * problem.k * e + 4 * (groups - 1) <= MAX_OFFSET and a_row <= MAX_OFFSET
            and c_row <= MAX_OFFSET and (groups - 1) * 4 * pair_words(problem.elem) <= MAX_LDRD_OFFSET)


def buffer_bytes(problem: Problem, family: Family, nr: int) -> int:
    """SRAM the run-time packing buffer of one column block takes (0 unless B is packed)."""
    if family[2] != "packed":
        return 0
    return nr * panel_row_bytes(problem.elem, problem.k, "packed")


def _offsets_fit(problem: Problem, family: Family, mr: int, nr: int) -> bool:
    kernel, a_form, b_form, _ = family
    if kernel == "mla":
        return mla_offsets_fit(mr, nr, problem.k, problem.elem_bytes, problem.b_contiguous)
    a_lines, b_lines = side_line_limits(problem.elem, problem.k, problem.n, a_form, b_form, problem.a_constant)
    if mr > a_lines or nr > b_lines:
        return False
    return not problem.requant or requant_offsets_fit(mr, nr, *problem.c_strides)


_LINES_CHECKED = 256  # more lines than any tile of any target has


@lru_cache(maxsize=4096)
def side_line_limits(elem: str, k: int, n: int, a_form: str, b_form: str, a_panel: bool) -> tuple[int, int]:
    """The most rows (A) and columns (B) a tile may have with every offset in LDR's immediate
    range: each side depends on its own lines only, and its farthest offset grows with them."""
    def most(index: int) -> int:
        # max_offset is linear in a side's lines (microkernel.max_offset): two points give it.
        one, two = (max_offset(tile_sides(elem, k, n, a_form, b_form, a_panel, lines, lines)[index])
                    for lines in (1, 2))
        if one > MAX_OFFSET:
            return 0
        slope = two - one
        return _LINES_CHECKED if slope <= 0 else min(_LINES_CHECKED, (MAX_OFFSET - one) // slope + 1)
    return most(0), most(1)


def tile_fits(problem: Problem, target: Target, family: Family, mr: int, nr: int) -> bool:
    """The tile is no larger than the problem, fits the registers, reaches its operands by
    immediates, and its packing buffer fits the scratch budget. Monotone: if (mr, nr) fits,
    every smaller tile fits."""
    if is_stream(family):  # (mr, nr) are the block's (lines, groups)
        lines_extent, groups_extent = grid_extent(problem, family)
        return (mr <= lines_extent and nr <= groups_extent
                and registers_needed(problem.elem, family, mr, nr) <= target.registers
                and stream_offsets_fit(problem, family, mr, nr))
    if mr > problem.m or nr > problem.n:
        return False
    if registers_needed(problem.elem, family, mr, nr) > target.registers:
        return False
    if buffer_bytes(problem, family, nr) > target.scratch_bytes:
        return False
    return _offsets_fit(problem, family, mr, nr)


def legality_problems(problem: Problem, target: Target, schedule: Schedule) -> list[str]:
    """Why `schedule` cannot run for `problem` on `target` (empty when it can)."""
    if schedule.stationarity != "output":
        return _stream_problems(problem, target, schedule)
    reasons: list[str] = []
    family = schedule.family
    mr, nr = schedule.mr, schedule.nr
    if schedule.kernel == "smlad" and not target.has_dsp:
        reasons.append(f"target '{target.name}' has no DSP extension (SMLAD/SXTB16)")
    elif family not in families(problem, target):
        reasons.append(f"{schedule.kernel} with A {schedule.a_form} / B {schedule.b_form} does not "
                       f"apply to this {problem.elem} problem (allowed: "
                       + ", ".join(sorted({f"{k} {a}/{b}" for k, a, b, _ in families(problem, target)}))
                       + ")")
    if schedule.kr is not None and schedule.kr != problem.k:
        reasons.append(f"kr={schedule.kr}: only kr = K = {problem.k} is emitted")
    if mr > problem.m or nr > problem.n:
        reasons.append(f"tile {mr}x{nr} is larger than the {problem.m}x{problem.n} output")
    needed = registers_needed(problem.elem, family, mr, nr)
    if needed > target.registers:
        staging = staging_registers(problem.elem, family, mr, nr)
        reasons.append(f"tile {mr}x{nr} needs {needed} registers ({mr * nr} "
                       f"accumulators + {staging} staging + {LOOP_AND_ADDRESS_REGISTERS} loop/address), "
                       f"the target has {target.registers}")
    if buffer_bytes(problem, family, nr) > target.scratch_bytes:
        reasons.append(f"the packing buffer of {nr} columns takes {buffer_bytes(problem, family, nr)} "
                       f"bytes, more than the target's scratch_bytes ({target.scratch_bytes})")
    if family in FAMILY_RANK and not _offsets_fit(problem, family, mr, nr):
        reasons.append(f"tile {mr}x{nr} with K={problem.k}: operand offsets exceed the LDR "
                       "immediate range (4095 bytes)")
    if schedule.b_form == "packed" and schedule.loop_order != "ji":
        reasons.append("a packed B needs loop_order ji")
    if not unroll_fits(problem, family, schedule.ku):
        reasons.append(f"ku={schedule.ku} with K={problem.k}: more than {MAX_STRIP_TRIPS} k-loop trips per tile "
                       "(a strip resets its counter with one MOVW)")
    return reasons


def _stream_problems(problem: Problem, target: Target, schedule: Schedule) -> list[str]:
    """Why a weight- or input-stationary schedule cannot run (empty when it can)."""
    name = schedule.stationarity
    if not target.has_dsp:
        return [f"target '{target.name}' has no DSP extension (SMLAD/SXTB16)"]
    if problem.elem == "i8" and problem.a_constant and not problem.a_expandable:
        return [f"int8 {name}-stationary blocks read the weights pre-expanded to int16 pairs, which "
                "expand-weights=false rules out"]
    if not stream_applies(problem):
        return [f"{name}-stationary kernels need a constant A, a K-contiguous B read where it is, a "
                f"row-major int32 C (no fused requantization) and K >= {group_values(problem.elem)}"]
    if schedule.family not in families(problem, target):
        return [f"{name}-stationary kernels read A as "
                + ("pairs" if problem.elem == "i8" else "halves") + " and B as words"]
    reasons: list[str] = []
    if schedule.loop_order != "ij":
        reasons.append(f"a {name}-stationary schedule has blocks of lines outside and k-slices inside: "
                       "loop_order ij")
    lines, groups = schedule.grid(problem.elem)
    lines_extent, groups_extent = grid_extent(problem, schedule.family)
    what = "rows of A" if name == "weight" else "columns of B"
    if lines > lines_extent:
        reasons.append(f"{lines} {what} kept, the problem has {lines_extent}")
    assert schedule.kr is not None
    if schedule.kr > problem.k:
        reasons.append(f"kr={schedule.kr} is larger than K = {problem.k}")
    elif schedule.kr != problem.k and schedule.kr % group_values(problem.elem):
        reasons.append(f"kr={schedule.kr} is not a multiple of {group_values(problem.elem)} (or K)")
    needed = registers_needed(problem.elem, schedule.family, lines, groups)
    if needed > target.registers:
        reasons.append(f"a {lines} x {schedule.kr} block needs {needed} registers ({lines * groups * pair_words(problem.elem)} "
                       f"kept + {lines} partial sums + staging, pointers and counter), the target has {target.registers}")
    if not reasons and not stream_offsets_fit(problem, schedule.family, lines, groups):
        reasons.append(f"a {lines} x {schedule.kr} block with M x N x K = {problem.m}x{problem.n}x{problem.k}: "
                       "an offset or stride exceeds its immediate's range")
    return reasons


def check_schedule(problem: Problem, target: Target, schedule: Schedule) -> None:
    """Raise ScheduleError with every reason the schedule is illegal."""
    reasons = legality_problems(problem, target, schedule)
    if reasons:
        raise ScheduleError("; ".join(reasons))


def schedule_space(problem: Problem, target: Target) -> Iterator[Schedule]:
    """Every legal schedule: tiles in 1..registers on each family's grid (and within the
    problem), every legal family, every unroll, every loop order the family allows."""
    for family in families(problem, target):
        rows_extent, cols_extent = grid_extent(problem, family)
        for a in range(1, min(target.registers, rows_extent) + 1):
            for b in range(1, min(target.registers, cols_extent) + 1):
                if not tile_fits(problem, target, family, a, b):
                    continue
                for ku in unrolls(family):
                    if not unroll_fits(problem, family, ku):
                        continue
                    for order in loop_orders(family):
                        yield schedule_at(problem, family, a, b, ku, order)
