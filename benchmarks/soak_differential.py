"""Soak: many random matmuls through the whole pipeline on the emulated Cortex-M4, checked
against numpy bit for bit and against the model's predicted loads/stores. Not run in CI.

    python benchmarks/soak_differential.py --cases 10000 --json benchmarks/out/soak.json
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from mema_mlir.random_matmuls import draw_case, matmul_text
from mema_mlir.run import check_file


def one(args: tuple[int, int, int | None]) -> dict:
    seed, index, max_macs = args
    rng = np.random.default_rng([seed, index])
    m, n, k, elem, b_kn, a_constant, target = draw_case(rng, max_macs)
    case = {"index": index, "m": m, "n": n, "k": k, "elem": elem, "b_kn": b_kn,
            "a_constant": a_constant, "target": target}
    try:
        (check,) = check_file(matmul_text(rng, m, n, k, elem, b_kn, a_constant), target=target, seed=index)
        case.update(ok=check.ok, problems=check.problems,
                    cycles_error=(check.predicted["cycles"] - check.measured["cycles"]) / check.measured["cycles"],
                    stack_reads=check.stack["reads"])
    except Exception as err:
        case.update(ok=False, problems=[f"{type(err).__name__}: {err}"])
    return case


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-macs", type=int, default=200_000, help="cap on M*N*K (0: none)")
    parser.add_argument("--json", help="write every case and the summary here")
    args = parser.parse_args()
    started = time.perf_counter()
    results = []
    jobs = [(args.seed, i, args.max_macs or None) for i in range(args.cases)]
    with ProcessPoolExecutor() as pool:
        for done, case in enumerate(pool.map(one, jobs, chunksize=4), 1):
            results.append(case)
            if done % 100 == 0 or done == args.cases:
                failed = sum(not c["ok"] for c in results)
                print(f"\r{done}/{args.cases} cases, {failed} failed, {time.perf_counter() - started:.0f} s",
                      end="", flush=True)
    print()
    failures = [c for c in results if not c["ok"]]
    errors = [abs(c["cycles_error"]) for c in results if "cycles_error" in c]
    summary = {
        "cases": args.cases, "seed": args.seed, "max_macs": args.max_macs, "failures": len(failures),
        "seconds": round(time.perf_counter() - started, 1),
        "cycles_error_median": float(np.median(errors)) if errors else None,
        "cycles_error_p90": float(np.percentile(errors, 90)) if errors else None,
        "cycles_error_p99": float(np.percentile(errors, 99)) if errors else None,
        "cycles_error_max": float(max(errors)) if errors else None,
    }
    for key, value in summary.items():
        print(f"{key}: {value}")
    for case in failures[:20]:
        print("FAILED:", case)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"summary": summary, "cases": results}, out, indent=1)


if __name__ == "__main__":
    main()
