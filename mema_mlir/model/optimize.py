"""Choose a schedule: analytically (the default), by exhaustive search (the oracle), or fixed.

All three rank schedules with the same key (ranking.py), so the analytic choice and the oracle's
agree exactly whenever the analytic candidates contain the oracle's winner, which
docs/model.md argues and the property tests check.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from mema_mlir.model.analytic import Continuous, analytic_choice
from mema_mlir.model.bounds import LowerBound, lower_bound
from mema_mlir.model.costs import Cost, predict, rates, schedule_rates
from mema_mlir.model.errors import ProblemError, ScheduleError
from mema_mlir.model.problem import Problem
from mema_mlir.model.ranking import OBJECTIVES, RankKey, rank_key
from mema_mlir.model.registers import registers_needed
from mema_mlir.model.schedule import (
    FAMILY_RANK,
    K_UNROLLS,
    MAX_STRIP_TRIPS,
    Schedule,
    check_schedule,
    families,
    is_stream,
    kernel_families,
    legality_problems,
    loop_orders,
    schedule_space,
    tile_fits,
    unroll_fits,
    unrolls,
)
from mema_mlir.model.stationary import STATIONARITY_KERNELS
from mema_mlir.model.target import Target

# "analytic", "exhaustive", ("fixed", mr, nr) or ("fixed", mr, nr, (a_form, b_form, kept or None)).
Search = str | tuple


@dataclass(frozen=True)
class Choice:
    """A chosen schedule, its predicted cost and how it was found."""

    schedule: Schedule
    cost: Cost
    lower_bound: LowerBound
    search: str  # "analytic" | "exhaustive" | "fixed"
    search_seconds: float
    candidates_evaluated: int  # schedules whose exact cost was computed
    objective: str = "cycles"
    continuous: Continuous | None = None  # analytic only: the relaxed optimum of the chosen family


def objective_of(cost: Cost, objective: str) -> float:
    """The number an objective minimises, read from a predicted cost."""
    if objective == "cycles":
        return cost.cycles
    if objective == "accesses":
        return cost.access_cost
    if objective == "energy":
        return cost.energy_nj
    raise ValueError(f"objective '{objective}': expected one of {', '.join(OBJECTIVES)}")


def check_problem(problem: Problem, target: Target) -> None:
    """The operands must live in memories the target has; outputs in a writable one."""
    for role in ("a_memory", "b_memory", "c_memory"):
        where = getattr(problem, role)
        if where not in target.memories:
            raise ProblemError(f"{role} '{where}' is not a memory of target '{target.name}' "
                               f"(it has {', '.join(target.memories)})")
    if not target.memories[problem.c_memory].writable:
        raise ProblemError(f"c_memory '{problem.c_memory}' is not writable on '{target.name}'")


def exhaustive_choice(problem: Problem, target: Target, objective: str) -> tuple[Schedule, RankKey, int]:
    """The oracle: rank every schedule of schedule_space."""
    best: tuple[RankKey, Schedule] | None = None
    evaluated = 0
    for schedule in schedule_space(problem, target):
        key = rank_key(problem, target, objective, schedule_rates(problem, schedule), schedule)
        evaluated += 1
        if best is None or key < best[0]:
            best = (key, schedule)
    if best is None:
        raise _no_schedule(problem, target)
    return best[1], best[0], evaluated


def check_forms(a_form: str, b_form: str, kept: str | None = None) -> None:
    """ValueError unless these name operand forms (and a kept operand) some family has."""
    known = {(k, a, b, kp) for k, a, b, kp in FAMILY_RANK}
    if not any(a == a_form and b == b_form and (kept is None or kp == kept) for _, a, b, kp in known):
        raise ValueError(f"no kernel reads A as {a_form!r} and B as {b_form!r}"
                         + (f" with {kept!r} kept" if kept else "") + " (A: "
                         + ", ".join(sorted({a for _, a, _, _ in known})) + "; B: "
                         + ", ".join(sorted({b for _, _, b, _ in known})) + "; kept: a, b, ab)")


def fixed_choice(problem: Problem, target: Target, objective: str, mr: int, nr: int,
                 forms: tuple[str, str, str | None] | None = None) -> tuple[Schedule, RankKey, int]:
    """The best forms, ku and loop order for a forced mr x nr tile (and, when `forms` is given,
    with those operand forms and that kept operand)."""
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (mr, nr)):
        raise ScheduleError(f"fixed tile {mr!r}x{nr!r}: sizes must be positive integers")
    best: tuple[RankKey, Schedule] | None = None
    evaluated = 0
    reasons: list[str] = []
    allowed = tuple(f for f in families(problem, target) if not is_stream(f))  # mr x nr: output-stationary
    if not families(problem, target):
        raise _no_schedule(problem, target)
    if forms is not None:
        a_form, b_form, kept = forms
        allowed = tuple(f for f in allowed if f[1:3] == (a_form, b_form) and (kept is None or f[3] == kept))
        if not allowed:
            raise ScheduleError(f"A {a_form} / B {b_form}" + (f" / kept {kept}" if kept else "")
                                + f" does not apply to this {problem.elem} problem on '{target.name}' (allowed: "
                                + ", ".join(f"{a}/{b}/{kp}" for _, a, b, kp in families(problem, target)) + ")")
    for family in allowed:
        if not tile_fits(problem, target, family, mr, nr):
            probe = Schedule(mr, nr, 1, *family, loop_orders(family)[0], "output", problem.k)
            reason = f"{family[0]} A {family[1]}/B {family[2]}: " + "; ".join(
                legality_problems(problem, target, probe))
            if reason not in reasons:
                reasons.append(reason)
            continue
        for ku in (ku for ku in unrolls(family) if unroll_fits(problem, family, ku)):
            for order in loop_orders(family):
                schedule = Schedule(mr, nr, ku, *family, order, "output", problem.k)
                key = rank_key(problem, target, objective, rates(problem, family, ku), schedule)
                evaluated += 1
                if best is None or key < best[0]:
                    best = (key, schedule)
    if best is None:
        raise ScheduleError(f"fixed tile {mr}x{nr} cannot run for {problem.m}x{problem.n}x{problem.k} "
                            f"{problem.elem} on '{target.name}': " + " | ".join(reasons))
    return best[1], best[0], evaluated


def stationary_choice(problem: Problem, target: Target, stationarity: str, lines: int,
                      kr: int) -> Schedule:
    """The weight- (input-) stationary schedule keeping `lines` rows of A (columns of B) by kr
    k-values; ScheduleError with every reason it cannot run."""
    kernel = STATIONARITY_KERNELS.get(stationarity)
    if kernel is None:
        raise ScheduleError(f"stationarity {stationarity!r}: expected weight or input")
    form = "pairs" if problem.elem == "i8" else "halves"
    kept = "a" if stationarity == "weight" else "b"
    mr, nr = (lines, 1) if stationarity == "weight" else (1, lines)
    schedule = Schedule(mr, nr, 1, kernel, form, "words", kept, "ij", stationarity, kr)
    check_schedule(problem, target, schedule)
    return schedule


def _no_schedule(problem: Problem, target: Target) -> ScheduleError:
    if kernel_families(problem, target) and not families(problem, target):
        return ScheduleError(f"K={problem.k} is too long for one tile's k loop on '{target.name}': more than "
                             f"{MAX_STRIP_TRIPS} trips even unrolled {max(K_UNROLLS)} times (a strip resets "
                             "its trip counter with one MOVW)")
    if not families(problem, target):
        return ScheduleError(f"no kernel of '{target.name}' applies: B can only be read packed "
                             "(a convolution's input), which needs the DSP kernels (SMLAD/SXTB16)")
    smallest = min(registers_needed(problem.elem, family, 1, 1) for family in families(problem, target))
    return ScheduleError(f"no legal schedule on '{target.name}': the smallest tile needs "
                         f"{smallest} registers, the target has {target.registers}")


def _parse_search(search: Search) -> tuple[str, int, int, tuple | None]:
    if search in ("analytic", "exhaustive"):
        return str(search), 0, 0, None
    if isinstance(search, tuple) and len(search) == 4 and search[0] == "stationary":
        return "stationary", search[2], search[3], (search[1],)
    if isinstance(search, tuple) and len(search) in (3, 4) and search[0] == "fixed":
        return "fixed", search[1], search[2], search[3] if len(search) == 4 else None
    raise ValueError(f"search {search!r}: expected 'analytic', 'exhaustive', ('fixed', mr, nr) "
                     "or ('fixed', mr, nr, (a_form, b_form, kept))")


def choose(problem: Problem, target: Target, objective: str = "cycles",
           search: Search = "analytic") -> Choice:
    """Pick the schedule minimising `objective` ("cycles" | "accesses" | "energy").

    search: "analytic" (closed form plus a few exact evaluations), "exhaustive" (every schedule
    of schedule_space), ("fixed", mr, nr) (best forms for that output-stationary tile;
    ScheduleError if illegal) or ("stationary", "weight" | "input", lines, kr) (that block).
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective '{objective}': expected one of {', '.join(OBJECTIVES)}")
    how, mr, nr, forms = _parse_search(search)
    check_problem(problem, target)
    started = time.perf_counter()
    continuous = None
    if how == "fixed":
        schedule, _, evaluated = fixed_choice(problem, target, objective, mr, nr, forms)
    elif how == "stationary":  # (stationarity,), lines, kr
        assert forms is not None
        schedule, evaluated = stationary_choice(problem, target, forms[0], mr, nr), 1
    elif how == "exhaustive":
        schedule, _, evaluated = exhaustive_choice(problem, target, objective)
    else:
        result = analytic_choice(problem, target, objective)
        if result is None:
            raise _no_schedule(problem, target)
        schedule, evaluated, continuous = result.schedule, result.evaluated, result.continuous
    elapsed = time.perf_counter() - started
    how = "fixed" if how == "stationary" else how
    return Choice(schedule, predict(problem, schedule, target), lower_bound(problem, target), how,
                  elapsed, evaluated, objective, continuous)
