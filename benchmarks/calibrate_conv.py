"""Calibrate llc's code around a convolution's statements (mema_mlir/model/overhead.py):
`im2col_statement_*` (the packing statement of one output pixel, model/im2col.py) and, with
`--requant`, `requant_tile_*` (what a fused requantization adds per tile statement: a strip or
an edge tile).

Everything inside the statements is counted exactly; this script compiles random quantized
convolutions (the keyword-spotting model's first layer and MobileNet-like ones first), runs them
on the emulated Cortex-M4, and fits the change of each constant that best explains the trace's
residual (measured minus predicted with the current constants), by least squares on the relative
error, instructions first (the ALU constant), then the cycles beyond them (the stack constant):

    python benchmarks/calibrate_conv.py --cases 120 --seed 31000
    python benchmarks/calibrate_conv.py --requant --cases 120 --seed 32000

Run the plain fit first: the requantized convolutions pack their pixels too. Cycle figures are
estimates from the Cortex-M4 timing table (no silicon here).
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from mema_mlir import api
from mema_mlir.model.overhead import OVERHEAD
from mema_mlir.random_matmuls import conv_text, draw_conv, requantized_conv_text
from mema_mlir.run import check_file

# (height, width, channels, filters, filter, strides, zero point, constant filter) of padded
# inputs: the keyword-spotting model's first layer, two MobileNet-like ones; then random ones.
LAYERS = [(58, 13, 1, 64, (10, 4), (2, 2), -128, True), (18, 18, 8, 16, (3, 3), (1, 1), 0, True),
          (12, 12, 16, 32, (1, 1), (1, 1), 5, True)]
FIELDS = {False: ("im2col_statement_alu", "im2col_statement_stack_cycles"),
          True: ("requant_tile_alu", "requant_tile_stack_cycles")}


def statements(decision: api.Decision) -> int:
    """The tile statements of one conv (strips and edge tiles): what requant_tile_* multiply."""
    s = decision.schedule
    rows, cols = (decision.m, s["mr"]), (decision.n, s["nr"])
    (outer, outer_size), (inner, inner_size) = (rows, cols) if s["loop_order"] == "ij" else (cols, rows)
    per_block = (inner // inner_size > 0) + (inner % inner_size > 0)
    return -(-outer // outer_size) * per_block


def measure(args: tuple[int, int, bool]) -> dict:
    seed, index, requant = args
    rng = np.random.default_rng([seed, index])
    arguments = LAYERS[index] if index < len(LAYERS) else draw_conv(rng)
    text = (requantized_conv_text(rng, *arguments, per_channel=True, bias_in_body=False) if requant
            else conv_text(rng, *arguments))
    (check,) = check_file(text, seed=index)
    if not check.ok:
        raise AssertionError(f"{arguments}: {check.problems}")
    (decision,) = [d for d in api.compile_module(text).decisions if not d.skipped]
    return {"case": repr(arguments), "feature": statements(decision) if requant else decision.n,
            "measured_cycles": check.measured["cycles"], "measured_instructions": check.measured["instructions"],
            "predicted_cycles": check.predicted["cycles"],
            "predicted_instructions": check.predicted["instructions"]}


def fitted_change(rows: list[dict], quantity: str) -> float:
    """The change per feature unit that best explains measured - predicted (relative error)."""
    weights = np.array([1.0 / r[f"measured_{quantity}"] for r in rows])
    y = np.array([r[f"measured_{quantity}"] - r[f"predicted_{quantity}"] for r in rows]) * weights
    x = np.array([r["feature"] for r in rows], dtype=float) * weights
    return float(x @ y / (x @ x)) if x @ x else 0.0


def errors(rows: list[dict], change: float) -> list[float]:
    return [abs(r["predicted_cycles"] + change * r["feature"] - r["measured_cycles"]) / r["measured_cycles"]
            for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=120)
    parser.add_argument("--seed", type=int, default=31000)
    parser.add_argument("--requant", action="store_true", help="fit the fused requantization's per-statement code")
    parser.add_argument("--json", help="write the runs and the fit as JSON")
    args = parser.parse_args()
    with ProcessPoolExecutor() as pool:
        rows = list(pool.map(measure, [(args.seed, i, args.requant) for i in range(args.cases)]))
    alu_name, stack_name = FIELDS[args.requant]
    alu_change, cycle_change = fitted_change(rows, "instructions"), fitted_change(rows, "cycles")
    alu = max(0, getattr(OVERHEAD, alu_name) + round(alu_change))
    stack = max(0, getattr(OVERHEAD, stack_name) + round(cycle_change - alu_change))
    print(f"fitted on {len(rows)} runs: {alu_name}={alu} {stack_name}={stack} "
          f"(instructions {alu_change:+.2f}, cycles {cycle_change:+.2f} per unit from the current constants)")
    rounded = (alu - getattr(OVERHEAD, alu_name)) + (stack - getattr(OVERHEAD, stack_name))
    for name, change in (("current constants", 0.0), ("fitted (rounded)", float(rounded))):
        e = errors(rows, change)
        print(f"{name}: est. cycles median |error| {100 * np.median(e):.2f}%, 90th percentile "
              f"{100 * np.percentile(e, 90):.2f}%, worst {100 * max(e):.2f}%, within 5% {np.mean(np.array(e) <= 0.05):.0%}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"rows": rows, alu_name: alu, stack_name: stack}, out, indent=1)


if __name__ == "__main__":
    main()
