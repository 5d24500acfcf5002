"""Calibrate the straight-line figures (`straight_line_*` in mema_mlir/model/overhead.py).

A small matmul (one block of rows or columns, at most a full block and an edge block along the
outer dimension) lowers to a function with no loop around its inline-asm statements: the
lowering's canonicalize folds every one-trip loop. Its prediction is the loop nest's minus
model.costs.straight_line_adjustment (loop control and state it does not run, and the PUSH/POP
of the registers llc does not save). This script compiles random small matmuls for the
Cortex-M4 (SMLAD) and the Cortex-M3 (MLA), runs them on the emulator, keeps the straight-line
ones and prints, per group (one statement or several; SMLAD or MLA), the residual (predicted
minus measured, est. cycles and instructions) and the constant that would centre it:

    python benchmarks/calibrate_straight_line.py --cases 600 --seed 7 --json out.json

Cycle figures are estimates from the Cortex-M4 timing table (no silicon here).
"""

from __future__ import annotations

import argparse
import json
import statistics
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from mema_mlir import api
from mema_mlir.model.overhead import OVERHEAD
from mema_mlir.random_matmuls import matmul_text
from mema_mlir.run import check_file


def measure(args: tuple[int, int, int]) -> dict | None:
    seed, index, largest = args
    rng = np.random.default_rng([seed, index])
    m, n, k = (int(v) for v in (rng.integers(1, largest + 1), rng.integers(1, largest + 1), rng.integers(1, 61)))
    elem = str(rng.choice(["i8", "i16"]))
    target = "cortex-m3" if rng.random() < 0.4 else "cortex-m4"
    text = matmul_text(rng, m, n, k, elem, bool(rng.random() < 0.5), bool(rng.random() < 0.5))
    (decision,) = api.compile_module(text, target=target).decisions
    straight = decision.predicted.get("straight_line")
    if straight is None:
        return None
    (check,) = check_file(text, target=target, seed=index)
    if not check.ok:
        raise AssertionError(f"{m}x{n}x{k} {elem} on {target}: {check.problems}")
    return {"case": f"{m}x{n}x{k} {elem}", "target": target, "kernel": decision.schedule["kernel"],
            "statements": len(straight["statement_registers"]),
            "cycles_residual": check.predicted["cycles"] - check.measured["cycles"],
            "instructions_residual": check.predicted["instructions"] - check.measured["instructions"],
            "relative_error": (check.predicted["cycles"] - check.measured["cycles"]) / check.measured["cycles"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--largest", type=int, default=10, help="largest M and N drawn")
    parser.add_argument("--json", help="write every case and the fit here")
    args = parser.parse_args()
    with ProcessPoolExecutor(2) as pool:
        rows = [r for r in pool.map(measure, [(args.seed, i, args.largest) for i in range(args.cases)], chunksize=4)
                if r is not None]
    # One statement: one pair of constants for both kernels (None: either kernel).
    groups = {("one", None): ("straight_line_alu", "straight_line_cycles"),
              ("several", False): ("straight_line_multi_alu", "straight_line_multi_cycles"),
              ("several", True): ("straight_line_multi_alu_mla", "straight_line_multi_cycles_mla")}
    fit = {}
    print(f"{len(rows)} straight-line functions of {args.cases} draws")
    print(f"{'group':<16} {'n':>4} {'cycles res. median':>19} {'min..max':>10} {'within 5%':>10}  suggested")
    for (count, mla), (alu_name, cycles_name) in groups.items():
        members = [r for r in rows if (r["statements"] > 1) == (count == "several")
                   and (mla is None or (r["kernel"] == "mla") == mla)]
        if not members:
            continue
        cycles = statistics.median(r["cycles_residual"] for r in members)
        alu = statistics.median(r["instructions_residual"] for r in members)
        # The adjustment subtracts these constants: a positive residual wants a larger one.
        suggestion = {alu_name: getattr(OVERHEAD, alu_name) + round(alu),
                      cycles_name: getattr(OVERHEAD, cycles_name) + round(cycles)}
        name = count if mla is None else f"{count}, {'MLA' if mla else 'SMLAD'}"
        within = sum(abs(r["relative_error"]) <= 0.05 for r in members) / len(members)
        spread = f"{min(r['cycles_residual'] for r in members)}..{max(r['cycles_residual'] for r in members)}"
        print(f"{name:<16} {len(members):>4} {cycles:>19} {spread:>10} {within:>10.1%}  {suggestion}")
        fit[name] = {"cases": len(members), "cycles_residual_median": cycles, "instructions_residual_median": alu,
                     "within_5_percent": within, "suggested": suggestion}
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"arguments": vars(args), "fit": fit, "cases": rows}, out, indent=1)


if __name__ == "__main__":
    main()
