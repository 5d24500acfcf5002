"""Calibrate the straight-line figures (`straight_line_*` in mema_mlir/model/overhead.py).

A small matmul (one block of rows or columns, at most a full block and an edge block along the
outer dimension) lowers to a function with no loop around its inline-asm statements: the
lowering's canonicalize folds every one-trip loop. Its prediction is the loop nest's minus
model.costs.straight_line_adjustment (loop control and state it does not run, and the PUSH/POP
of the registers llc does not save). This script compiles random small matmuls for the
Cortex-M4 (SMLAD) and the Cortex-M3 (MLA), small depthwise convolutions, convolutions of one or
two output pixels (half requantized) and forced stationary blocks, runs them on the emulator, keeps the straight-line ones and prints, per group (kernel kind: SMLAD tiles, MLA tiles, weight-/input-stationary blocks,
depthwise convolutions of one or two output rows; one statement or several) the residual
(predicted minus measured, est. cycles and instructions) and the constants that would centre it:

    python benchmarks/calibrate_straight_line.py --cases 1800 --seed 7 --json out.json

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
from mema_mlir.random_matmuls import (
    conv_text,
    depthwise_text,
    draw_conv,
    draw_depthwise,
    draw_stationary,
    matmul_text,
    requantized_conv_text,
)
from mema_mlir.run import check_file


def kernel_kind(decision: api.Decision) -> str:
    """straight_line_adjustment's kind of a decision."""
    kernel = decision.schedule["kernel"]
    if kernel in ("mla", "depthwise"):
        return kernel
    if kernel.startswith("smlad-"):
        return "stationary"
    return "conv" if decision.op.startswith("linalg.conv") else "tile"


def draw(rng: np.random.Generator, index: int, largest: int) -> tuple[str, str, str]:
    """(text, target, schedule) of a small random op: a matmul for the Cortex-M4 or M3, a
    depthwise convolution of one or two output rows, a weight- or input-stationary block."""
    family = index % 6
    if family in (4, 5):  # a convolution of one or two output pixels, half requantized
        height, width, channels, filters, kernel, strides, zero_point, constant = draw_conv(rng)
        height, width = kernel[0], kernel[1] + int(rng.integers(0, 2))
        arguments = (height, width, channels, filters, kernel, strides, zero_point, constant)
        text = (requantized_conv_text(rng, *arguments, per_channel=True, bias_in_body=False) if family == 5
                else conv_text(rng, *arguments))
        return text, "cortex-m4", "analytic"
    if family == 2:
        height, width, channels, kernel, strides, zero_point = draw_depthwise(rng)
        height = kernel[0] + int(rng.integers(0, 2))
        return depthwise_text(rng, height, width, channels, kernel, strides, zero_point), "cortex-m4", "analytic"
    if family == 3:
        m, n, k, elem, stationarity, lines, kr = draw_stationary(rng, dims=largest)
        return matmul_text(rng, m, n, k, elem, True, True), "cortex-m4", f"{stationarity}:{lines}x{kr}"
    m, n, k = (int(v) for v in (rng.integers(1, largest + 1), rng.integers(1, largest + 1), rng.integers(1, 61)))
    elem = str(rng.choice(["i8", "i16"]))
    text = matmul_text(rng, m, n, k, elem, bool(rng.random() < 0.5), bool(rng.random() < 0.5))
    return text, "cortex-m3" if family == 1 else "cortex-m4", "analytic"


def measure(args: tuple[int, int, int]) -> dict | None:
    seed, index, largest = args
    rng = np.random.default_rng([seed, index])
    text, target, schedule = draw(rng, index, largest)
    (decision,) = api.compile_module(text, target=target, schedule=schedule).decisions
    straight = decision.predicted.get("straight_line")
    if straight is None:
        return None
    (check,) = check_file(text, target=target, seed=index, schedule=schedule)
    if not check.ok:
        raise AssertionError(f"{text}\non {target}, {schedule}: {check.problems}")
    return {"case": f"{decision.m}x{decision.n}x{decision.k} {decision.elem}", "target": target,
            "schedule": schedule, "kind": kernel_kind(decision),
            "statements": len(straight["statement_registers"]),
            "cycles_residual": check.predicted["cycles"] - check.measured["cycles"],
            "instructions_residual": check.predicted["instructions"] - check.measured["instructions"],
            "relative_error": (check.predicted["cycles"] - check.measured["cycles"]) / check.measured["cycles"]}


# (kind, statements: "one", "several" or "any") -> the constants that price that group.
GROUPS = {("tile", "one"): ("straight_line_alu", "straight_line_cycles"),
          ("mla", "one"): ("straight_line_alu", "straight_line_cycles"),
          ("tile", "several"): ("straight_line_multi_alu", "straight_line_multi_cycles"),
          ("mla", "several"): ("straight_line_multi_alu_mla", "straight_line_multi_cycles_mla"),
          ("stationary", "one"): ("straight_line_stationary_alu", "straight_line_stationary_cycles"),
          ("stationary", "several"): ("straight_line_stationary_multi_alu", "straight_line_stationary_multi_cycles"),
          ("depthwise", "any"): ("straight_line_depthwise_alu", "straight_line_depthwise_cycles"),
          ("conv", "any"): ("straight_line_conv_alu", "straight_line_conv_cycles")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1800)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--largest", type=int, default=10, help="largest M and N drawn")
    parser.add_argument("--json", help="write every case and the fit here")
    args = parser.parse_args()
    with ProcessPoolExecutor(2) as pool:
        rows = [r for r in pool.map(measure, [(args.seed, i, args.largest) for i in range(args.cases)], chunksize=4)
                if r is not None]
    fit = {}
    print(f"{len(rows)} straight-line functions of {args.cases} draws")
    print(f"{'group':<22} {'n':>4} {'cycles res. median':>19} {'min..max':>10} {'within 5%':>10}  suggested")
    for (kind, count), (alu_name, cycles_name) in GROUPS.items():
        members = [r for r in rows if r["kind"] == kind
                   and (count == "any" or (r["statements"] > 1) == (count == "several"))]
        if not members:
            continue
        cycles = statistics.median(r["cycles_residual"] for r in members)
        alu = statistics.median(r["instructions_residual"] for r in members)
        # The adjustment subtracts these constants: a positive residual wants a larger one.
        suggestion = {alu_name: getattr(OVERHEAD, alu_name) + round(alu),
                      cycles_name: getattr(OVERHEAD, cycles_name) + round(cycles)}
        within = sum(abs(r["relative_error"]) <= 0.05 for r in members) / len(members)
        spread = f"{min(r['cycles_residual'] for r in members)}..{max(r['cycles_residual'] for r in members)}"
        print(f"{kind + ', ' + count:<22} {len(members):>4} {cycles:>19} {spread:>10} {within:>10.1%}  {suggestion}")
        fit[f"{kind}, {count}"] = {"cases": len(members), "cycles_residual_median": cycles,
                                   "instructions_residual_median": alu, "within_5_percent": within,
                                   "suggested": suggestion}
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"arguments": vars(args), "fit": fit, "cases": rows}, out, indent=1)


if __name__ == "__main__":
    main()
