"""Soak: many random matmuls, quantized convolutions and depthwise convolutions through the
whole pipeline on the emulated Cortex-M4, checked bit for bit (matmuls against numpy, the
convolutions against upstream MLIR's lowering of the same op) and against the model's
predicted loads/stores. Not run in CI.

    python benchmarks/soak_differential.py --cases 10000 --json benchmarks/out/soak.json

`--conv-share` and `--depthwise-share` set the fraction of cases of each kind (0.1 each by
default; half of each with a bias fill and a requantization that mema-tile fuses),
`--stationary-share` the fraction of matmuls forced to a random weight- or input-stationary
block (0 by default); the summary gives the cycle-prediction error per kind.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from mema_mlir.random_matmuls import (
    conv_text,
    depthwise_text,
    draw_case,
    draw_conv,
    draw_depthwise,
    draw_stationary,
    matmul_text,
    requantized_conv_text,
    requantized_depthwise_text,
)
from mema_mlir.run import check_file


def one(args: tuple[int, int, int | None, float, float, str, float]) -> dict:
    seed, index, max_macs, conv_share, depthwise_share, llvm_opt, stationary_share = args
    schedule = "analytic"
    rng = np.random.default_rng([seed, index])
    draw = rng.random()
    try:
        # Half the (depthwise) convolutions come with a bias fill and a requantization, which
        # mema-tile fuses into the tiles (kinds "qconv", "qdepthwise").
        if draw < conv_share:
            arguments = draw_conv(rng)
            requant = rng.random() < 0.5
            case = {"index": index, "kind": "qconv" if requant else "conv", "arguments": repr(arguments)}
            text = (requantized_conv_text(rng, *arguments, per_channel=rng.random() < 0.7,
                                          bias_in_body=rng.random() < 0.3)
                    if requant else conv_text(rng, *arguments))
            target = "cortex-m4"
        elif draw < conv_share + depthwise_share:
            arguments = draw_depthwise(rng)
            requant = rng.random() < 0.5
            case = {"index": index, "kind": "qdepthwise" if requant else "depthwise", "arguments": repr(arguments)}
            text = (requantized_depthwise_text(rng, *arguments, per_channel=rng.random() < 0.7,
                                               bias_in_body=rng.random() < 0.7)
                    if requant else depthwise_text(rng, *arguments))
            target = "cortex-m4"
        elif draw < conv_share + depthwise_share + stationary_share:
            m, n, k, elem, stationarity, lines, kr = draw_stationary(rng, max_macs, dims=131)
            schedule = f"{stationarity}:{lines}x{kr}"
            case = {"index": index, "kind": stationarity, "m": m, "n": n, "k": k, "elem": elem, "schedule": schedule}
            text = matmul_text(rng, m, n, k, elem, True, True)
            target = "cortex-m4"
        else:
            m, n, k, elem, b_kn, a_constant, target = draw_case(rng, max_macs)
            case = {"index": index, "kind": "matmul", "m": m, "n": n, "k": k, "elem": elem, "b_kn": b_kn,
                    "a_constant": a_constant, "target": target}
            text = matmul_text(rng, m, n, k, elem, b_kn, a_constant)
        (check,) = check_file(text, target=target, seed=index, llvm_opt=llvm_opt, schedule=schedule)
        problems = list(check.problems)
        if "skipped" in check.matmuls or not check.counts_compared:
            problems.append("not tiled, or counts not compared")
        case.update(ok=not problems, problems=problems,
                    cycles_error=(check.predicted["cycles"] - check.measured["cycles"]) / check.measured["cycles"],
                    stack_reads=check.stack["reads"])
    except Exception as err:
        case = {"index": index, "kind": "error"} if "case" not in locals() else case
        case.update(ok=False, problems=[f"{type(err).__name__}: {err}"])
    return case


def error_summary(errors: list[float]) -> dict[str, float | None]:
    return {"median": float(np.median(errors)) if errors else None,
            "p90": float(np.percentile(errors, 90)) if errors else None,
            "p99": float(np.percentile(errors, 99)) if errors else None,
            "max": float(max(errors)) if errors else None, "count": len(errors)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-macs", type=int, default=200_000, help="cap on M*N*K (0: none)")
    parser.add_argument("--conv-share", type=float, default=0.1, help="fraction of convolution cases")
    parser.add_argument("--depthwise-share", type=float, default=0.1, help="fraction of depthwise cases")
    parser.add_argument("--stationary-share", type=float, default=0.0,
                        help="fraction of matmuls forced to a random weight- or input-stationary block")
    parser.add_argument("--llvm-opt", choices=("none", "O2"), default="none",
                        help="compile as mema-opt --mema-llvm-opt (default none)")
    parser.add_argument("--json", help="write every case and the summary here")
    args = parser.parse_args()
    started = time.perf_counter()
    results = []
    jobs = [(args.seed, i, args.max_macs or None, args.conv_share, args.depthwise_share, args.llvm_opt,
             args.stationary_share)
            for i in range(args.cases)]
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
        "cases": args.cases, "seed": args.seed, "max_macs": args.max_macs, "llvm_opt": args.llvm_opt,
        "failures": len(failures),
        "seconds": round(time.perf_counter() - started, 1), "cycles_error": error_summary(errors),
    }
    groups = {"matmul, cortex-m4": lambda c: c["kind"] == "matmul" and c.get("target") == "cortex-m4",
              "matmul, cortex-m4, K > 7": lambda c: (c["kind"] == "matmul" and c.get("target") == "cortex-m4"
                                                     and c["k"] > 7),
              "matmul, cortex-m3": lambda c: c["kind"] == "matmul" and c.get("target") == "cortex-m3",
              "conv": lambda c: c["kind"] == "conv", "depthwise": lambda c: c["kind"] == "depthwise",
              "conv + requantization": lambda c: c["kind"] == "qconv",
              "depthwise + requantization": lambda c: c["kind"] == "qdepthwise",
              "weight-stationary": lambda c: c["kind"] == "weight", "input-stationary": lambda c: c["kind"] == "input"}
    for name, member in groups.items():
        summary[f"cycles_error {name}"] = error_summary(
            [abs(c["cycles_error"]) for c in results if "cycles_error" in c and member(c)])
    for key, value in summary.items():
        print(f"{key}: {value}")
    for case in failures[:20]:
        print("FAILED:", case)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"summary": summary, "cases": results}, out, indent=1)


if __name__ == "__main__":
    main()
