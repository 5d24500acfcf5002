"""The worked examples of docs/model.md, printed from the code.

    python benchmarks/model_worked_examples.py [--target cortex-m4]

For each example shape (int8, constant weights A in flash, K-contiguous activations B in SRAM):
the staircase corners of every kernel family with their relaxed and exact costs, then the
choice for each objective with its counts, estimates and distance to the I/O lower bound.
"""

from __future__ import annotations

import argparse

from mema_mlir.model import Problem, choose, load_target
from mema_mlir.model.analytic import balanced, best_ku, best_order, continuous_optimum, staircase
from mema_mlir.model.costs import monomials, objective_value, rates
from mema_mlir.model.ranking import OBJECTIVES
from mema_mlir.model.schedule import families, is_stream

EXAMPLES = ((64, 64, 576), (128, 1, 640), (16, 1024, 27))


def show(shape: tuple[int, int, int], target_name: str) -> None:
    target = load_target(target_name)
    problem = Problem(*shape)
    m, n, k = shape
    print(f"## {m} x {n} x {k} (M x N x K), int8, A constant in flash, B K-contiguous in SRAM\n")
    for family in families(problem, target):
        ku = best_ku(problem, family)
        r = rates(problem, family, ku)
        corners = staircase(problem, target, family)
        if not corners:
            print(f"{family[0]} A {family[1]} / B {family[2]} / kept {family[3]}: no legal tile")
            continue
        budget = max(mr * nr for mr, nr in corners)
        c = continuous_optimum(problem, target, "cycles", family, ku, budget)
        print(f"{family[0]} A {family[1]} / B {family[2]} / kept {family[3]}, ku={ku}: "
              f"continuous optimum (cycles) at T={budget}: mr={c.mr:.2f}, nr={c.nr:.2f}")
        for corner in corners:
            mr, nr = balanced(problem, *corner, family)
            order = best_order(problem, family, r, mr, nr)
            relaxed = objective_value("cycles", problem, target, r,
                                      monomials(problem, mr, nr, order, exact=False, family=family))
            exact = objective_value("cycles", problem, target, r, monomials(problem, mr, nr, order, family=family))
            unit = " (lines x k-groups)" if is_stream(family) else ""
            print(f"    corner {corner[0]}x{corner[1]} -> balanced {mr}x{nr}{unit} ({order}): "
                  f"relaxed {relaxed:,.0f}, exact {exact:,.0f} est. cycles")
    print()
    for objective in OBJECTIVES:
        choice = choose(problem, target, objective)
        s, cost, bound = choice.schedule, choice.cost, choice.lower_bound
        ratio = (cost.loads + cost.stores) / bound.total
        block = f", {s.stationarity}-stationary, kr={s.kr}" if s.stationarity != "output" else ""
        print(f"objective {objective}: tile {s.mr}x{s.nr} {s.kernel} A {s.a_form} / B {s.b_form} "
              f"/ kept {s.kept}, ku={s.ku}, {s.loop_order}{block}; "
              f"{choice.candidates_evaluated} candidate(s) evaluated")
        buffer = cost.operand_loads.get("buffer", 0)
        print(f"    loads {cost.loads:,} (A {cost.operand_loads['A']:,}, B {cost.operand_loads['B']:,}, "
              + (f"buffer {buffer:,}, " if buffer else "")
              + f"C {cost.operand_loads['C']:,}), stores {cost.stores:,}, "
              f"bytes read {cost.load_bytes:,}, written {cost.store_bytes:,}")
        print("    per memory: " + ", ".join(
            f"{name} {t.reads:,} reads / {t.writes:,} writes" for name, t in cost.memory.items()))
        print(f"    {cost.instructions:,} instructions, {cost.cycles:,} est. cycles "
              f"({m * n * k / cost.cycles:.3f} MAC/cycle), {cost.energy_nj / 1e3:,.1f} uJ est., "
              f"weighted accesses {cost.access_cost:,.0f}")
        print(f"    I/O lower bound: {bound.loads:,} loads + {bound.stores:,} stores "
              f"(compulsory {bound.compulsory_loads:,} loads, communication {bound.communication_words:,.0f} "
              f"words; S={bound.fast_store_words}, rho={bound.elements_per_word}); ratio {ratio:.2f}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="cortex-m4")
    args = parser.parse_args()
    for shape in EXAMPLES:
        show(shape, args.target)


if __name__ == "__main__":
    main()
