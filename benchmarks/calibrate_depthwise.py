"""Calibrate llc's code around the depthwise statements (the `depthwise_*` constants of
mema_mlir/model/overhead.py).

Each statement (a tile of pixels over every block of 4 channels) is counted exactly by
mema_mlir/model/microkernel.py; what llc writes around it (the three pointers, the loops over
output rows and tiles of pixels, the loop state it reloads after a statement that takes all
registers) is estimated per statement kind and per row (model/depthwise.py: llc_overhead). This
script compiles random depthwise convolutions (the TFLite models' layers first), runs them on
the emulated Cortex-M4 and fits those constants by non-negative least squares on the relative
error, instructions first (the ALU constants), then the cycles beyond them (the stack constants):

    python benchmarks/calibrate_depthwise.py --cases 120 --seed 5000
    python benchmarks/calibrate_depthwise.py --requant --cases 60 --seed 6000
    python benchmarks/calibrate_depthwise.py --one-row --cases 200 --seed 7000

`--requant` fits what a fused requantization adds per statement, on top of the plain constants;
`--one-row` what folding the one-trip loop of a single output row changes around the loop over
its tiles (the lowering's canonicalize folds it).
Cycle figures are estimates from the Cortex-M4 timing table (no silicon here).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from mema_mlir import model
from mema_mlir.model.depthwise import (
    DepthwiseProblem,
    choose_depthwise,
    depthwise_cost,
    llc_overhead,
)
from mema_mlir.model.overhead import OVERHEAD, Overhead
from mema_mlir.random_matmuls import depthwise_text, draw_depthwise, requantized_depthwise_text
from mema_mlir.run import check_file

# (height, width, channels, filter, strides, zero point) of padded inputs: the keyword-spotting
# model's depthwise layer and two MobileNet-like ones, then random small ones.
LAYERS = [(27, 7, 64, (3, 3), (1, 1), -128), (18, 18, 32, (3, 3), (2, 2), 0), (12, 12, 16, (3, 3), (1, 1), 5)]
# (ALU field, stack-cycles field) pairs fitted, per mode.
PAIRS = {
    "plain": [("depthwise_loop_statement_alu", "depthwise_loop_statement_stack_cycles"),
            ("depthwise_loop_statement_all_registers_alu", "depthwise_loop_statement_all_registers_stack_cycles"),
            ("depthwise_single_statement_alu", "depthwise_single_statement_stack_cycles"),
            ("depthwise_single_statement_all_registers_alu",
             "depthwise_single_statement_all_registers_stack_cycles"),
            ("depthwise_row_alu", "depthwise_row_stack_cycles"),
            ("depthwise_pixel_loop_alu", None)],
    "requant": [("depthwise_requant_statement_alu", "depthwise_requant_stack_cycles")],
    "one-row": [("depthwise_one_row_alu", "depthwise_one_row_stack_cycles"),
                ("depthwise_one_row_all_registers_alu", "depthwise_one_row_all_registers_stack_cycles"),
                ("depthwise_one_row_statement_alu", "depthwise_one_row_statement_stack_cycles"),
                ("depthwise_one_row_narrow_statement_alu", None)],
}


def fields(mode: str) -> list[str]:
    return [name for pair in PAIRS[mode] for name in pair if name]


def features(problem: DepthwiseProblem, pixels: int, registers: int, mode: str) -> dict[str, int]:
    """How many times the model counts each fitted constant: llc_overhead's change when the
    constant goes from 0 to 1 (negative for what a folded row loop saves)."""
    zero = dataclasses.replace(OVERHEAD, **dict.fromkeys(fields(mode), 0))
    out = {}
    for name in fields(mode):
        alu, stack = llc_overhead(problem, pixels, registers, dataclasses.replace(zero, **{name: 1}))
        base_alu, base_stack = llc_overhead(problem, pixels, registers, zero)
        out[name] = (alu - base_alu) + (stack - base_stack)
    return out


def measure(args: tuple[int, int, str]) -> dict:
    seed, index, mode = args
    requant = mode == "requant"
    rng = np.random.default_rng(seed + index)
    if mode == "one-row":  # one output row: the row loop folds
        arguments = draw_depthwise(rng)
        arguments = (arguments[3][0], *arguments[1:])
    else:
        arguments = LAYERS[index] if index < len(LAYERS) else draw_depthwise(rng)
    text = (requantized_depthwise_text(rng, *arguments, per_channel=True, bias_in_body=True) if requant
            else depthwise_text(rng, *arguments))
    (check,) = check_file(text, seed=index)
    if not check.ok:
        raise AssertionError(f"{arguments}: {check.problems}")
    height, width, channels, (kh, kw), (sh, sw), zero_point = arguments
    # A fused requantization folds the input zero point into the bias (planning.plan_depthwise).
    problem = DepthwiseProblem(height, width, channels, kh, kw, sh, sw, (height - kh) // sh + 1,
                               (width - kw) // sw + 1, 0 if requant else zero_point, requant=requant)
    target = model.load_target("cortex-m4")
    pixels = choose_depthwise(problem, target).pixels  # mema-tile's choice, with the current constants
    base = depthwise_cost(problem, target, pixels, dataclasses.replace(OVERHEAD, **dict.fromkeys(fields(mode), 0)))
    return {"case": f"{arguments}{' requantized' if requant else ''} P={pixels}",
            "features": features(problem, pixels, target.registers, mode),
            "measured_cycles": check.measured["cycles"], "measured_instructions": check.measured["instructions"],
            "base_cycles": base.cycles, "base_instructions": base.instructions,
            "predicted_cycles": check.predicted["cycles"]}


def nnls(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least squares with every coefficient >= 0: drop the most negative column and refit."""
    active = list(range(x.shape[1]))
    while active:
        coefficients, *_ = np.linalg.lstsq(x[:, active], y, rcond=None)
        if coefficients.min() >= 0:
            out = np.zeros(x.shape[1])
            out[active] = coefficients
            return out
        active.pop(int(np.argmin(coefficients)))
    return np.zeros(x.shape[1])


def fit(rows: list[dict], mode: str) -> dict[str, int]:
    """The ALU constants from the instructions llc adds, then the stack constants from the
    cycles beyond them; each run weighted by 1 / its measured count."""
    alu_names = [alu for alu, _ in PAIRS[mode]]
    stack_names = [stack for _, stack in PAIRS[mode] if stack]
    weights = np.array([1.0 / row["measured_cycles"] for row in rows])

    def matrix(names: list[str]) -> np.ndarray:
        return np.array([[row["features"][n] for n in names] for row in rows], dtype=float) * weights[:, None]

    extra = np.array([row["measured_instructions"] - row["base_instructions"] for row in rows], dtype=float)
    alu = np.rint(nnls(matrix(alu_names), extra * weights))
    spent = matrix(alu_names) @ alu / weights  # cycles of the fitted ALU instructions (1 each)
    cycles = np.array([row["measured_cycles"] - row["base_cycles"] for row in rows], dtype=float) - spent
    stack = np.rint(nnls(matrix(stack_names), cycles * weights))
    return {**dict(zip(alu_names, map(int, alu), strict=True)), **dict(zip(stack_names, map(int, stack), strict=True))}


def errors(rows: list[dict], constants: dict[str, int] | None) -> list[float]:
    """|predicted - measured| / measured: with `constants` in place of the fitted ones, or as
    mema-tile predicted (None: the constants in overhead.py)."""
    out = []
    for row in rows:
        predicted = (row["predicted_cycles"] if constants is None else
                     row["base_cycles"] + sum(value * row["features"][name] for name, value in constants.items()))
        out.append(abs(predicted - row["measured_cycles"]) / row["measured_cycles"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=120)
    parser.add_argument("--seed", type=int, default=5000)
    parser.add_argument("--requant", action="store_true", help="fit the fused requantization's constants")
    parser.add_argument("--one-row", action="store_true",
                        help="fit what folding a one-trip row loop changes (one output row, a loop over its tiles)")
    parser.add_argument("--json", help="write the runs and the fit as JSON")
    args = parser.parse_args()
    mode = "requant" if args.requant else "one-row" if args.one_row else "plain"
    with ProcessPoolExecutor() as pool:
        rows = list(pool.map(measure, [(args.seed, i, mode) for i in range(args.cases)]))
    if mode == "one-row":  # the draws whose row keeps a loop over its tiles
        rows = [row for row in rows if any(row["features"].values())]
    constants = fit(rows, mode)
    print(f"fitted on {len(rows)} runs: " + " ".join(f"{k}={v}" for k, v in constants.items()))
    for name, values in (("current", None), ("fitted", constants)):
        e = errors(rows, values)
        print(f"{name} constants: est. cycles median |error| {100 * np.median(e):.2f}%, 90th percentile "
              f"{100 * np.percentile(e, 90):.2f}%, worst {100 * max(e):.2f}%, within 5% {100 * np.mean(np.array(e) < 0.05):.0f}%")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"runs": rows, "fitted": {**dataclasses.asdict(OVERHEAD), **constants}}, out, indent=1)
    Overhead(**{**dataclasses.asdict(OVERHEAD), **constants})  # the fitted values are valid constants


if __name__ == "__main__":
    main()
