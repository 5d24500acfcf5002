"""Soak the analytic choice against the exhaustive oracle on many random cases.

    python benchmarks/model_property_soak.py [--cases 10000] [--seed 1] [--json PATH]

Each case is a random problem (M, N, K in 1..2048, int8/int16, B layout, constness, placement)
on a random target (6..14 registers, DSP or not, random memory costs); every case is compared
for all three objectives. A mismatch is a case where the analytic choice's objective differs
from the exhaustive minimum (expected: 0). Prints a progress line and a summary, and writes the
summary as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from mema_mlir.model import choose, objective_of
from mema_mlir.model.cases import random_case
from mema_mlir.model.ranking import OBJECTIVES


def soak(cases: int, seed: int) -> dict:
    """Run the comparison; returns the summary."""
    rng = random.Random(seed)
    mismatches: list[dict] = []
    different_schedule = bound_violations = 0
    analytic_seconds = exhaustive_seconds = 0.0
    analytic_worst = 0.0
    evaluated_total = evaluated_worst = oracle_evaluated_total = 0
    stationarities: dict[str, int] = {}
    started = time.perf_counter()
    for index in range(cases):
        case = random_case(rng)
        for objective in OBJECTIVES:
            analytic = choose(case.problem, case.target, objective)
            oracle = choose(case.problem, case.target, objective, "exhaustive")
            analytic_seconds += analytic.search_seconds
            analytic_worst = max(analytic_worst, analytic.search_seconds)
            exhaustive_seconds += oracle.search_seconds
            evaluated_total += analytic.candidates_evaluated
            evaluated_worst = max(evaluated_worst, analytic.candidates_evaluated)
            oracle_evaluated_total += oracle.candidates_evaluated
            if objective_of(analytic.cost, objective) != objective_of(oracle.cost, objective):
                mismatches.append({"case": index, "objective": objective, "problem": repr(case.problem),
                                   "analytic": repr(analytic.schedule), "exhaustive": repr(oracle.schedule)})
            different_schedule += analytic.schedule != oracle.schedule
            stationarity = analytic.schedule.stationarity
            stationarities[stationarity] = stationarities.get(stationarity, 0) + 1
            bound_violations += analytic.lower_bound.total > analytic.cost.loads + analytic.cost.stores
        if (index + 1) % max(1, cases // 20) == 0 or index + 1 == cases:
            print(f"\r{index + 1}/{cases} cases, {len(mismatches)} mismatches, "
                  f"{time.perf_counter() - started:.1f} s", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    comparisons = cases * len(OBJECTIVES)
    return {
        "cases": cases,
        "seed": seed,
        "comparisons": comparisons,
        "mismatches": len(mismatches),
        "different_schedules": different_schedule,
        "lower_bound_violations": bound_violations,
        "seconds": round(time.perf_counter() - started, 2),
        "analytic_mean_ms": round(1e3 * analytic_seconds / comparisons, 4),
        "analytic_max_ms": round(1e3 * analytic_worst, 4),
        "exhaustive_mean_ms": round(1e3 * exhaustive_seconds / comparisons, 4),
        "analytic_candidates_mean": round(evaluated_total / comparisons, 3),
        "analytic_candidates_max": evaluated_worst,
        "exhaustive_candidates_mean": round(oracle_evaluated_total / comparisons, 1),
        "choices_by_stationarity": stationarities,
        "first_mismatches": mismatches[:10],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=Path("benchmarks/out/model_soak.json"))
    args = parser.parse_args()
    summary = soak(args.cases, args.seed)
    for key, value in summary.items():
        if key != "first_mismatches":
            print(f"{key}: {value}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"summary written to {args.json}")
    return 1 if summary["mismatches"] else 0


if __name__ == "__main__":
    sys.exit(main())
