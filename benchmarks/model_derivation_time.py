"""Per-op derivation time of the analytic choice next to the exhaustive search, MLPerf Tiny shapes.

    python benchmarks/model_derivation_time.py [JSON_PATH] [--target cortex-m4]
        [--objective cycles] [--b-strided] [--repeat 20]

Each layer is a matmul (M = output channels, N = pixels or batch, K = reduction depth) with
constant int8 weights A in the weights memory and activations B in the activations memory,
K-contiguous by default (NHWC im2col rows; --b-strided for [K, N] activations). Times are the
median of --repeat runs, with every problem-specific cache cleared before each run (a cold
derivation, as for an op the compile has not seen; only the tables of the target's kernel blocks
stay, which no problem's sizes enter: model/kernel_counts.py). Goal: analytic < 1 ms per op.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from mema_mlir.model import Choice, Problem, choose, load_target
from mema_mlir.model.costs import clear_problem_caches

LAYERS: tuple[tuple[str, tuple[int, int, int]], ...] = (
    ("KWS", (64, 125, 40)), ("KWS", (64, 125, 64)), ("KWS", (12, 1, 64)),
    ("VWW", (8, 2304, 27)), ("VWW", (16, 2304, 8)), ("VWW", (32, 576, 16)), ("VWW", (32, 576, 32)),
    ("VWW", (64, 144, 64)), ("VWW", (128, 36, 128)), ("VWW", (256, 9, 256)), ("VWW", (2, 1, 256)),
    ("ResNet-8", (16, 1024, 27)), ("ResNet-8", (16, 1024, 144)), ("ResNet-8", (32, 256, 144)),
    ("ResNet-8", (32, 256, 288)), ("ResNet-8", (64, 64, 288)), ("ResNet-8", (64, 64, 576)),
    ("ResNet-8", (10, 1, 64)),
    ("AD", (128, 1, 640)), ("AD", (128, 1, 128)), ("AD", (8, 1, 128)), ("AD", (640, 1, 128)),
)


def timed(problem: Problem, target_name: str, objective: str, search: str,
          repeat: int) -> tuple[float, Choice]:
    """(median seconds, last choice), each run cold."""
    target = load_target(target_name)
    seconds = []
    choice = choose(problem, target, objective, search)
    for _ in range(repeat):
        clear_problem_caches()
        started = time.perf_counter()
        choice = choose(problem, target, objective, search)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), choice


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json_path", nargs="?", type=Path, default=Path("benchmarks/out/model_derivation_time.json"))
    parser.add_argument("--target", default="cortex-m4")
    parser.add_argument("--objective", default="cycles", choices=("cycles", "accesses", "energy"))
    parser.add_argument("--b-strided", action="store_true")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    target = load_target(args.target)
    rows = []
    header = (f"{'model':9} {'M':>4} {'N':>5} {'K':>4}  {'tile':>5} {'kernel':18} {'est. cycles':>11} "
              f"{'LB ratio':>8} {'analytic us':>11} {'cands':>5} {'exhaustive us':>13} {'cands':>5} same")
    print(f"target {target.name}, objective {args.objective}, B "
          f"{'strided [K,N]' if args.b_strided else 'K-contiguous [N,K]'}; est. cycles from the shared timing table")
    print(header)
    for model_name, (m, n, k) in LAYERS:
        problem = Problem(m, n, k, "i8", b_k_contiguous=not args.b_strided, a_constant=True,
                          a_memory=target.placement["weights"], b_memory=target.placement["activations"],
                          c_memory=target.placement["outputs"])
        analytic_s, analytic = timed(problem, args.target, args.objective, "analytic", args.repeat)
        exhaustive_s, oracle = timed(problem, args.target, args.objective, "exhaustive", max(3, args.repeat // 4))
        s = analytic.schedule
        ratio = (analytic.cost.loads + analytic.cost.stores) / analytic.lower_bound.total
        same = analytic.schedule == oracle.schedule
        rows.append({
            "model": model_name, "m": m, "n": n, "k": k, "mr": s.mr, "nr": s.nr, "ku": s.ku,
            "kernel": s.kernel, "a_form": s.a_form, "b_form": s.b_form, "loop_order": s.loop_order,
            "loads": analytic.cost.loads, "stores": analytic.cost.stores, "est_cycles": analytic.cost.cycles,
            "lower_bound_loads_stores": analytic.lower_bound.total, "ratio_to_lower_bound": round(ratio, 3),
            "analytic_us": round(analytic_s * 1e6, 1), "analytic_candidates": analytic.candidates_evaluated,
            "exhaustive_us": round(exhaustive_s * 1e6, 1), "exhaustive_candidates": oracle.candidates_evaluated,
            "same_choice": same,
        })
        print(f"{model_name:9} {m:>4} {n:>5} {k:>4}  {s.mr:>2}x{s.nr:<2} "
              f"{s.kernel + ' ' + s.a_form + '/' + s.b_form:18} {analytic.cost.cycles:>11} {ratio:>8.2f} "
              f"{analytic_s * 1e6:>11.0f} {analytic.candidates_evaluated:>5} {exhaustive_s * 1e6:>13.0f} "
              f"{oracle.candidates_evaluated:>5} {'yes' if same else 'NO'}")
    worst = max(r["analytic_us"] for r in rows)
    print(f"analytic: median of medians {statistics.median(r['analytic_us'] for r in rows):.0f} us, "
          f"worst {worst:.0f} us (goal < 1000 us); exhaustive median "
          f"{statistics.median(r['exhaustive_us'] for r in rows):.0f} us")
    args.json_path.parent.mkdir(parents=True, exist_ok=True)
    args.json_path.write_text(json.dumps({"target": target.name, "objective": args.objective,
                                          "b_strided": args.b_strided, "layers": rows}, indent=2) + "\n")
    print(f"written to {args.json_path}")
    return 0 if all(r["same_choice"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
