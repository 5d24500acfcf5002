"""The analytic choice: continuous optimum, then the few integer tiles that can beat it.

For one kernel family the cost is F(p, q) = c1 + cA*M*q + cB*N*p + cT*p*q + cO*outer with
p = ceil(M/mr), q = ceil(N/nr) and all coefficients >= 0 (costs.py). Relaxed (p = M/mr,
q = N/nr) on a budget of T = mr*nr accumulators it is smallest at mr = sqrt(T*cB/cA),
nr = sqrt(T*cA/cB), clamped by M, N and the registers. The integer answer is settled exactly:

* F only depends on (p, q) and grows with both, and loads + stores grow strictly with both; so
  the best schedule's (p, q) is Pareto-minimal among legal tiles, and such a (p, q) is reached
  by a corner of the legal "staircase" (a tile that cannot grow in mr or nr and stay legal).
* For one (p, q), the tile with the fewest registers is the balanced one,
  (ceil(M/p), ceil(N/q)): the one the shared tie-break prefers.
* ku only changes the per-tile loop overhead, and the loop order only which of p, q counts
  outer-loop iterations: both are settled in closed form.

So the candidates are the balanced staircase corners (at most about 2*sqrt(registers) per
family), visited from the one of lowest relaxed cost (the continuous optimum's neighbour) on;
a corner whose relaxed cost (a lower bound of its exact cost) exceeds the best exact cost found
cannot win and is not evaluated. docs/model.md has the full argument.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from mema_mlir.model.costs import (
    COLS,
    EDGE,
    MONOMIALS,
    OUTER,
    ROWS,
    STREAM_LEVELS,
    STRIP_IJ,
    STRIP_JI,
    Rates,
    monomials,
    objective_value,
    rates,
    schedule_rates,
)
from mema_mlir.model.problem import Problem
from mema_mlir.model.ranking import RankKey, key_at
from mema_mlir.model.registers import Family, registers_needed
from mema_mlir.model.schedule import (
    FAMILY_RANK,
    Schedule,
    families,
    grid_extent,
    is_stream,
    loop_orders,
    schedule_at,
    tile_fits,
    unrolls,
)
from mema_mlir.model.target import Target


@dataclass(frozen=True)
class Continuous:
    """The relaxed optimum of one family for an accumulator budget (reported, not emitted)."""

    family: Family
    budget: int  # T = mr * nr accumulators
    mr: float
    nr: float


def best_ku(problem: Problem, family: Family) -> int:
    """The unroll with the cheapest per-tile loop control: the largest. The only thing ku
    changes is that per-tile term, so this holds for every tile and objective: a micro-kernel
    (the MLA one included) runs the same groups whatever ku is (each moves its own pointers;
    the ones left over after the last trip run straight-line), a larger ku only means fewer
    SUBS/BNE."""
    return max(unrolls(family))


def best_order(problem: Problem, family: Family, r: Rates, mr: int, nr: int) -> str:
    """The loop order with fewer est. cycles for this tile (ties: "ij"); the order changes no
    data access, only the outer loop's iterations, which dimension's edge tiles stand alone and
    the strips' steps, so this is the rank key's choice for every objective. A packed B fixes
    "ji", a stationary block "ij"."""
    orders = loop_orders(family)
    if len(orders) == 1:
        return orders[0]
    # Only the order-dependent monomials differ (monomials(): outer, edge, strip tiles).
    rows, cols = grid_extent(problem, family)
    p, q = -(-rows // mr), -(-cols // nr)
    c = r.cycles
    edge_ij = p if cols % nr else 0
    edge_ji = q if rows % mr else 0
    ij = c[OUTER] * p + c[EDGE] * edge_ij + c[STRIP_IJ] * (p * q - edge_ij)
    ji = c[OUTER] * q + c[EDGE] * edge_ji + c[STRIP_JI] * (p * q - edge_ji)
    return "ji" if ji < ij else "ij"


def balanced(problem: Problem, mr: int, nr: int, family: Family | None = None) -> tuple[int, int]:
    """The smallest tile with the same block counts: ceil(M / ceil(M / mr)), likewise nr (on
    the family's grid)."""
    rows, cols = grid_extent(problem, family) if family is not None else (problem.m, problem.n)
    return -(-rows // -(-rows // mr)), -(-cols // -(-cols // nr))


def _edge_free(extent: int, size: int) -> int:
    """The largest tile size <= `size` that divides `extent`: as many blocks or the fewest more
    that leave no edge tile (the smallest divisor of extent >= ceil(extent / size))."""
    blocks = -(-extent // size)
    while extent % blocks:
        blocks += 1
    return extent // blocks


def _edged(extent: int, size: int) -> int | None:
    """The smallest tile size with as many blocks as `size` that leaves an edge tile (None when
    every such size divides `extent`)."""
    blocks = -(-extent // size)
    for candidate in range(-(-extent // blocks), size + 1):
        if -(-extent // candidate) == blocks and extent % candidate:
            return candidate
    return None


def edge_free_variants(problem: Problem, family: Family, r: Rates, corner: tuple[int, int]) -> list[tuple[int, int]]:
    """The corner's balanced tile (balanced()), and along the inner dimension (M for loop order
    "ji", N for "ij"): where its edge tile costs more than a tile in a strip (r's EDGE against
    STRIP coefficient), the balanced tile shrunk to divide the dimension exactly; where it costs
    less (an MLA tile whose strip step needs MOVW/MOVT moves), the smallest size up to the
    corner's with as many blocks that leaves an edge. More blocks cost more on every other
    monomial, and with as many blocks only the split between strip and edge tiles differs, so
    these candidates keep the analytic choice exact."""
    mr, nr = balanced(problem, *corner, family)
    out = [(mr, nr)]
    rows, cols = grid_extent(problem, family)
    orders = loop_orders(family)
    for order, extent, size, largest, strip in (("ji", rows, mr, corner[0], STRIP_JI),
                                                 ("ij", cols, nr, corner[1], STRIP_IJ)):
        if order not in orders:
            continue
        if r.cycles[EDGE] > r.cycles[strip] and extent % size:
            variant = _edge_free(extent, size)
        elif r.cycles[EDGE] < r.cycles[strip] and not extent % size:
            variant = _edged(extent, largest)
        else:
            continue
        if variant is not None:
            out.append((variant, nr) if order == "ji" else (mr, variant))
    return out


def staircase(problem: Problem, target: Target, family: Family) -> list[tuple[int, int]]:
    """The Pareto corners of the legal tiles: for each width, the tallest legal tile."""
    rows, cols = grid_extent(problem, family)
    widest: list[tuple[int, int]] = []
    nr = min(cols, target.registers)
    for mr in range(1, min(rows, target.registers) + 1):
        # The registers alone bound nr (a table of the kernel's shapes): start the walk there.
        nr = min(nr, _register_widest(problem.elem, family, mr, target.registers))
        while nr >= 1 and not tile_fits(problem, target, family, mr, nr):
            nr -= 1
        if nr == 0:
            break
        widest.append((mr, nr))
    return _corners(widest)


def _corners(widest: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The rows' widest tiles that no taller one is as wide as."""
    return [(mr, nr) for i, (mr, nr) in enumerate(widest) if i + 1 == len(widest) or widest[i + 1][1] < nr]


def staircases(problem: Problem, target: Target, family: Family, caps: tuple[int, ...]) -> list[list[tuple[int, int]]]:
    """staircase() for each register cap (ascending, at most the target's), in one walk: a
    tile's legality is closed downwards in nr, so the widest legal nr under a lower cap is the
    smallest of its register bound, the last row's, and the widest under the target's."""
    rows, cols = grid_extent(problem, family)
    top = target.registers
    widest: list[list[tuple[int, int]]] = [[] for _ in caps]
    nr = min(cols, top)
    capped = [min(cols, cap) for cap in caps]
    for mr in range(1, min(rows, top) + 1):
        # The registers alone bound nr (a table of the kernel's shapes): start the walk there.
        nr = min(nr, _register_widest(problem.elem, family, mr, top))
        while nr >= 1 and not tile_fits(problem, target, family, mr, nr):
            nr -= 1
        if nr == 0:
            break
        for i, cap in enumerate(caps):
            if capped[i] and mr <= cap:
                capped[i] = min(capped[i], _register_widest(problem.elem, family, mr, cap), nr)
                if capped[i]:
                    widest[i].append((mr, capped[i]))
    return [_corners(rows_of_cap) for rows_of_cap in widest]


def _register_levels(target: Target, family: Family) -> list[tuple[int, int]]:
    """(level, register cap) pairs to search: one for a tile family (its rates have no level),
    one per costs.STREAM_LEVELS level for a stationary family, capped at the target's registers."""
    if not is_stream(family):
        return [(STREAM_LEVELS[-1], target.registers)]
    out: list[tuple[int, int]] = []
    for level in STREAM_LEVELS:
        out.append((level, min(level, target.registers)))
        if level >= target.registers:
            break
    return out


@lru_cache(maxsize=4096)
def _register_widest(elem: str, family: Family, mr: int, registers: int) -> int:
    """The widest nr whose tile fits `registers` (registers_needed increases in nr)."""
    nr = registers
    while nr >= 1 and registers_needed(elem, family, mr, nr) > registers:
        nr -= 1
    return nr


def objective_coefficients(problem: Problem, target: Target, objective: str, r: Rates) -> list[float]:
    """The objective's coefficient on each monomial (it is linear in them)."""
    unit = [tuple(1 if j == i else 0 for j in range(MONOMIALS)) for i in range(MONOMIALS)]
    return [objective_value(objective, problem, target, r, x) for x in unit]


def continuous_optimum(problem: Problem, target: Target, objective: str, family: Family,
                       ku: int, budget: int) -> Continuous:
    """mr = sqrt(T*cB/cA), nr = sqrt(T*cA/cB), clamped so that mr <= M and nr <= N."""
    c = objective_coefficients(problem, target, objective, rates(problem, family, ku))
    rows, cols = grid_extent(problem, family)
    c_a, c_b = c[ROWS], c[COLS] + c[OUTER] / cols
    if c_a == 0 and c_b == 0:
        mr = math.sqrt(budget)
    elif c_a == 0:
        mr = float(budget)
    else:
        mr = math.sqrt(budget * c_b / c_a)
    mr = min(max(mr, budget / cols, 1.0), float(rows), float(budget))
    return Continuous(family, budget, mr, budget / mr)


@dataclass(frozen=True)
class AnalyticResult:
    schedule: Schedule
    key: RankKey
    evaluated: int
    continuous: Continuous


def analytic_choice(problem: Problem, target: Target, objective: str) -> AnalyticResult | None:
    """The best schedule, found from the relaxed optimum and the staircase corners only. The MLA
    families are searched after the others, and not at all when the best so far is below what
    any MLA tile must spend (mla_floor): a bound, so the choice is the same."""
    allowed = families(problem, target)
    found = _search(problem, target, objective, [f for f in allowed if f[0] != "mla"])
    mla = tuple(f for f in allowed if f[0] == "mla")
    if mla and not (found[0] is not None and found[0][0][0] < mla_floor(problem, target, objective, mla)):
        more = _search(problem, target, objective, list(mla))
        best = more[0] if found[0] is None or (more[0] is not None and more[0][0] < found[0][0]) else found[0]
        found = (best, found[1] + more[1])
    best, evaluated = found
    if best is None:
        return None
    key, schedule = best
    lines, width = schedule.grid(problem.elem)
    continuous = continuous_optimum(problem, target, objective, schedule.family, schedule.ku, lines * width)
    return AnalyticResult(schedule, key, evaluated, continuous)


def mla_floor(problem: Problem, target: Target, objective: str,
              mla: tuple[Family, ...] | None = None) -> float:
    """A lower bound on the objective of every MLA schedule (of the families `mla`, by default
    the problem's): per k, a tile of mr x nr runs mr*nr MLAs and loads mr + nr elements, each at
    least 1 cycle, so every output costs at least K * min(1 + (mr + nr) / (mr * nr)) cycles over
    the tiles the registers allow (energy: those cycles' energy). 0 for the accesses objective
    (no bound used)."""
    if objective == "accesses":
        return 0.0
    if mla is None:
        mla = tuple(f for f in families(problem, target) if f[0] == "mla")
    cycles = problem.m * problem.n * problem.k * _mla_ratio(problem.elem, target.registers, mla)
    return cycles if objective == "cycles" else cycles * target.energy_per_cycle_nj


@lru_cache(maxsize=256)
def _mla_ratio(elem: str, registers: int, mla: tuple[Family, ...]) -> float:
    """min over the register-legal MLA tiles of (MLAs + element loads) per output and k."""
    return min((1 + (mr + nr) / (mr * nr) for family in mla
                for mr in range(1, registers + 1) for nr in range(1, registers + 1)
                if registers_needed(elem, family, mr, nr) <= registers), default=math.inf)


def _search(problem: Problem, target: Target, objective: str,
            allowed: list[Family]) -> tuple[tuple[RankKey, Schedule] | None, int]:
    """The best (key, schedule) of these families, and how many corners were evaluated.

    Candidates are visited in order of their relaxed bound. A stationary family (one pass per
    register level) enters first as one entry whose bound is below all of its candidates'
    (_family_floor); its candidates are written only when that entry is reached, which on most
    problems it is not."""
    queue: list[tuple[float, int, int, int, int, tuple]] = []
    written = itertools.count()  # ties on bound, rank and tile go by order of writing
    for family in allowed:
        ku = best_ku(problem, family)
        levels = _register_levels(target, family)
        if len(levels) == 1:
            queue.extend(_candidates(problem, target, objective, family, ku, levels, written))
        else:
            floor = _family_floor(problem, target, objective, family, ku, levels[0][0])
            queue.append((floor, FAMILY_RANK[family], 0, 0, next(written), (family, ku, levels)))
    heapq.heapify(queue)
    best: tuple[RankKey, Schedule] | None = None
    evaluated = 0
    while queue:
        bound, _, neg_mr, neg_nr, _, item = heapq.heappop(queue)
        if best is not None and bound > best[0][0] + 1e-9 * max(1.0, abs(best[0][0])):
            # In order of bound: nothing left can beat the best exact cost. (A variant written in
            # a higher level's pass may cost less than its bound there; the pass of its own level
            # holds a candidate at least as good, whose bound is at or below that one's cost.)
            break
        if len(item) == 3:  # a stationary family's floor: its candidates now
            for entry in _candidates(problem, target, objective, *item, written):
                heapq.heappush(queue, entry)
            continue
        family, ku, order, r, _ = item
        # Schedules are built only for the corners evaluated (validation is not free).
        schedule = schedule_at(problem, family, -neg_mr, -neg_nr, ku, order)
        if is_stream(family):
            # Its own level (a smaller variant of the corner may sit lower) and its k-slices'
            # loop, which the level's rates leave out: they bound it from below.
            r = schedule_rates(problem, schedule)
        key = key_at(problem, target, objective, r, monomials(problem, -neg_mr, -neg_nr, order, family=family),
                     schedule)
        evaluated += 1
        if best is None or key < best[0]:
            best = (key, schedule)
    return best, evaluated


def _candidates(problem: Problem, target: Target, objective: str, family: Family, ku: int,
                levels: list[tuple[int, int]], written: Iterator[int]) -> list[tuple[float, int, int, int, int, tuple]]:
    """One family's candidates (staircase corners and their variants, per register level) with
    their relaxed bounds, numbered by `written` (the queue's last tie-break)."""
    out: list[tuple[float, int, int, int, int, tuple]] = []
    rank = FAMILY_RANK[family]
    below = 0
    stairs = (staircases(problem, target, family, tuple(cap for _, cap in levels)) if len(levels) > 1
              else [staircase(problem, target, family)])
    for (level, cap), corners in zip(levels, stairs, strict=True):
        # At one level every block up to `cap` registers is priced as if it took them all and
        # without its k-slices' loop (never negative, evaluated exactly when the candidate is
        # reached): the bounds stay below every candidate's exact cost. A corner within a
        # lower level's cap is priced there, and as well as any block it dominates: it is
        # searched there only.
        r = rates(problem, family, ku, level=level)
        for corner in corners:
            if below and registers_needed(problem.elem, family, *corner) <= below:
                continue
            for mr, nr in edge_free_variants(problem, family, r, corner):
                order = best_order(problem, family, r, mr, nr)
                bound = _relaxed_bound(problem, target, objective, family, r, mr, nr, order)
                out.append((bound, rank, -mr, -nr, next(written), (family, ku, order, r, level)))
        below = cap
    return out


def _relaxed_bound(problem: Problem, target: Target, objective: str, family: Family, r: Rates,
                   mr: int, nr: int, order: str, edges_too: bool = False) -> float:
    """The objective at the continuous relaxation of an mr x nr tile: with every tile in a
    strip, or (where an edge tile is the cheaper, or `edges_too`) the smaller of that and the
    relaxation with one edge tile per outer block."""
    relaxed = monomials(problem, mr, nr, order, exact=False, family=family)
    bound = objective_value(objective, problem, target, r, relaxed)
    if edges_too or r.cycles[EDGE] < r.cycles[STRIP_IJ if order == "ij" else STRIP_JI]:
        edged = monomials(problem, mr, nr, order, exact=False, family=family, relaxed_edges=True)
        bound = min(bound, objective_value(objective, problem, target, r, edged))
    return bound


def _family_floor(problem: Problem, target: Target, objective: str, family: Family, ku: int, lowest: int) -> float:
    """A lower bound of every candidate bound of a stationary family, at every level: the relaxed
    objective decreases as a tile grows (its coefficients are >= 0, its monomials shrink), every
    candidate lies under a corner of the full staircase, and the lowest level's constants are
    the smallest."""
    r = rates(problem, family, ku, level=lowest)
    return min((_relaxed_bound(problem, target, objective, family, r, mr, nr, order, edges_too=True)
                for mr, nr in staircase(problem, target, family) for order in loop_orders(family)),
               default=math.inf)
