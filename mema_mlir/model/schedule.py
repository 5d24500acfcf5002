"""Schedules: what the generator can emit for one matmul, and which of those a target can run.

Only output-stationary schedules are emitted: each mr x nr block of C stays in registers for
the whole K (kr = K) and is read and written once. Weight- and input-stationary schedules are
discussed in docs/model.md and are not part of the space.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from mema_mlir.model.errors import ScheduleError
from mema_mlir.model.kernels import A_FORMS, B_FORMS, KERNELS
from mema_mlir.model.problem import Problem
from mema_mlir.model.registers import (
    LOOP_AND_ADDRESS_REGISTERS,
    llc_spill_free,
    offsets_fit,
    registers_needed,
    staging_registers,
)
from mema_mlir.model.target import Target

# The unrolls the generator and the cost formulas support.
K_UNROLLS = (1, 2, 4)
# The unrolls the optimiser searches: every unroll > 1 measured here shrinks the tiles llc
# allocates without spilling (benchmarks/calibrate_registers.py, measured at ku = 1 for the
# table in registers.py), so the space holds ku = 1 until the generator controls register
# pressure itself.
SEARCHED_UNROLLS = (1,)
LOOP_ORDERS = ("ij", "ji")
STATIONARITIES = ("output",)

# Every (kernel, a_form, b_form) the generator emits, in tie-break order (DSP kernels first).
FAMILIES: tuple[tuple[str, str, str], ...] = (
    ("smlad", "bytes", "words"),
    ("smlad", "bytes", "strided"),
    ("smlad", "pairs", "words"),
    ("smlad", "pairs", "strided"),
    ("smlad", "halves", "words"),
    ("smlad", "halves", "strided"),
    ("mla", "elements", "elements"),
)
FAMILY_RANK = {family: rank for rank, family in enumerate(FAMILIES)}


@dataclass(frozen=True)
class Schedule:
    """One emitted kernel: register tile mr x nr, k-unroll ku, operand forms and loop order.

    The loop order ("ij": rows of tiles outside; "ji": columns outside) does not change any
    load/store or data-instruction count, only which block loop is the outer one.
    """

    mr: int
    nr: int
    ku: int
    kernel: str  # "smlad" | "mla"
    a_form: str  # "bytes" | "pairs" (i8) | "halves" (i16) | "elements" (mla)
    b_form: str  # "words" | "strided" | "elements" (mla)
    loop_order: str = "ij"
    stationarity: str = "output"
    kr: int | None = None  # None or K: partial sums never leave the registers

    def __post_init__(self) -> None:
        for name in ("mr", "nr"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ScheduleError(f"{name} must be a positive integer, got {value!r}")
        if self.ku not in K_UNROLLS:
            raise ScheduleError(f"ku must be one of {K_UNROLLS}, got {self.ku!r}")
        if self.kernel not in KERNELS:
            raise ScheduleError(f"kernel must be one of {', '.join(KERNELS)}, got {self.kernel!r}")
        if self.a_form not in A_FORMS or self.b_form not in B_FORMS:
            raise ScheduleError(f"unknown operand forms A {self.a_form!r} / B {self.b_form!r}")
        if self.loop_order not in LOOP_ORDERS:
            raise ScheduleError(f"loop_order must be ij or ji, got {self.loop_order!r}")
        if self.stationarity not in STATIONARITIES:
            raise ScheduleError(f"only output-stationary schedules are emitted, not {self.stationarity!r}")
        if self.kr is not None and (not isinstance(self.kr, int) or self.kr < 1):
            raise ScheduleError(f"kr must be a positive integer, got {self.kr!r}")

    @property
    def family(self) -> tuple[str, str, str]:
        return (self.kernel, self.a_form, self.b_form)

    @property
    def registers(self) -> int:
        """Registers the kernel needs (see registers.py)."""
        return registers_needed(self.kernel, self.a_form, self.b_form, self.mr, self.nr)


def families(problem: Problem, target: Target) -> tuple[tuple[str, str, str], ...]:
    """The kernel/form combinations this problem allows on this target, in FAMILIES order."""
    b_form = "words" if problem.b_contiguous else "strided"
    allowed: list[tuple[str, str, str]] = []
    if target.has_dsp:
        if problem.elem == "i8":
            allowed.append(("smlad", "bytes", b_form))
            if problem.a_constant:
                allowed.append(("smlad", "pairs", b_form))
        else:
            allowed.append(("smlad", "halves", b_form))
    allowed.append(("mla", "elements", "elements"))
    return tuple(sorted(allowed, key=FAMILY_RANK.__getitem__))


def tile_fits(problem: Problem, target: Target, family: tuple[str, str, str], mr: int, nr: int) -> bool:
    """The tile is no larger than the problem, fits the registers and reaches its operands by
    LDR immediates. Monotone: if (mr, nr) fits, every smaller tile fits."""
    if mr > problem.m or nr > problem.n:
        return False
    kernel, a_form, b_form = family
    if registers_needed(kernel, a_form, b_form, mr, nr) > target.registers:
        return False
    if not llc_spill_free(problem.elem, kernel, a_form, b_form, mr, nr):
        return False
    return offsets_fit(mr, nr, problem.k, problem.elem_bytes, a_form, problem.b_contiguous)


def legality_problems(problem: Problem, target: Target, schedule: Schedule) -> list[str]:
    """Why `schedule` cannot run for `problem` on `target` (empty when it can)."""
    reasons: list[str] = []
    if schedule.kernel == "smlad" and not target.has_dsp:
        reasons.append(f"target '{target.name}' has no DSP extension (SMLAD/SXTB16)")
    elif schedule.family not in families(problem, target):
        reasons.append(f"{schedule.kernel} with A {schedule.a_form} / B {schedule.b_form} does not "
                       f"apply to this {problem.elem} problem (allowed: "
                       + ", ".join(f"{k} {a}/{b}" for k, a, b in families(problem, target)) + ")")
    if schedule.kr is not None and schedule.kr != problem.k:
        reasons.append(f"kr={schedule.kr}: only kr = K = {problem.k} is emitted")
    if schedule.mr > problem.m or schedule.nr > problem.n:
        reasons.append(f"tile {schedule.mr}x{schedule.nr} is larger than the {problem.m}x{problem.n} output")
    needed = schedule.registers
    if needed > target.registers:
        staging = staging_registers(schedule.kernel, schedule.a_form, schedule.b_form, schedule.mr, schedule.nr)
        reasons.append(f"tile {schedule.mr}x{schedule.nr} needs {needed} registers ({schedule.mr * schedule.nr} "
                       f"accumulators + {staging} staging + {LOOP_AND_ADDRESS_REGISTERS} loop/address), "
                       f"the target has {target.registers}")
    elif schedule.family in families(problem, target) and not llc_spill_free(
            problem.elem, *schedule.family, schedule.mr, schedule.nr):
        reasons.append(f"tile {schedule.mr}x{schedule.nr} makes llc spill registers in the inner loop "
                       "(measured, see LLC_SPILL_FREE_TILES in mema_mlir/model/registers.py)")
    if not offsets_fit(schedule.mr, schedule.nr, problem.k, problem.elem_bytes, schedule.a_form,
                       problem.b_contiguous):
        reasons.append(f"tile {schedule.mr}x{schedule.nr} with K={problem.k}: row offsets exceed "
                       "the LDR immediate range (4095 bytes)")
    return reasons


def check_schedule(problem: Problem, target: Target, schedule: Schedule) -> None:
    """Raise ScheduleError with every reason the schedule is illegal."""
    reasons = legality_problems(problem, target, schedule)
    if reasons:
        raise ScheduleError("; ".join(reasons))


def schedule_space(problem: Problem, target: Target) -> Iterator[Schedule]:
    """Every legal schedule: tiles in 1..registers (and within the problem), every legal family,
    ku in (1, 2, 4), both loop orders."""
    kr = problem.k
    for family in families(problem, target):
        kernel, a_form, b_form = family
        for mr in range(1, min(target.registers, problem.m) + 1):
            for nr in range(1, min(target.registers, problem.n) + 1):
                if not tile_fits(problem, target, family, mr, nr):
                    continue
                for ku in SEARCHED_UNROLLS:
                    for order in LOOP_ORDERS:
                        yield Schedule(mr, nr, ku, kernel, a_form, b_form, order, "output", kr)
