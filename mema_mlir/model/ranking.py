"""The one total order on schedules that every search uses, so that searches agree exactly.

A schedule ranks by: the objective; then fewer loads + stores; then fewer est. cycles; then less
est. energy; then fewer registers (for equal counts, the balanced tile with the smallest edge);
then larger mr, larger nr; then family order (DSP kernels first); then larger ku; then "ij".
"""

from __future__ import annotations

from mema_mlir.model.costs import Rates, Vector, access_cost, dot, energy_nj, schedule_monomials
from mema_mlir.model.problem import Problem
from mema_mlir.model.schedule import FAMILY_RANK, LOOP_ORDERS, Schedule
from mema_mlir.model.target import Target

OBJECTIVES = ("cycles", "accesses", "energy")

RankKey = tuple[float, ...]


def rank_key(problem: Problem, target: Target, objective: str, r: Rates, schedule: Schedule) -> RankKey:
    """The sort key of `schedule` (whose closed-form rates are `r`); smaller is better."""
    x = schedule_monomials(problem, schedule)
    return key_at(problem, target, objective, r, x, schedule)


def key_at(problem: Problem, target: Target, objective: str, r: Rates, x: Vector,
           schedule: Schedule) -> RankKey:
    traffic = r.traffic(x)
    cycles = dot(r.cycles, x)
    energy = energy_nj(problem, target, cycles, traffic)
    value = {"cycles": cycles, "energy": energy}.get(objective)
    if value is None:
        value = access_cost(problem, target, traffic)
    return (value, sum(traffic), cycles, energy, schedule.registers(problem.elem), -schedule.mr,
            -schedule.nr, FAMILY_RANK[schedule.family], -schedule.ku,
            LOOP_ORDERS.index(schedule.loop_order))
