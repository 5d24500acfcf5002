"""Calibrate the estimated part of the cycle model: llc's code around the DSP micro-kernels.

Everything inside a micro-kernel is counted exactly (mema_mlir/model/microkernel.py); the code
llc writes around it (tile pointers, the loop counter, C's loads and stores, spills of the
loop state the 14-register statement forces out, the tile and block loops, the call) is what
mema_mlir/model/overhead.py estimates. This script compiles matmuls of many shapes with mema's
schedule, runs them on the emulated Cortex-M4, and fits what the model misses, per register
tile, per outer block, per packed column and per call, by least squares over the runs:

    python benchmarks/calibrate_overhead.py --cases 80 --json benchmarks/out/overhead.json
    python benchmarks/calibrate_overhead.py --kernel stream --cases 600 --seed 3

`--kernel stream` fits the weight- and input-stationary figures (costs.stream_overhead: per
statement, per block, per k-slice loop and per statement in it, per register level, and the
one-trip statement). It prints the fitted constants (rounded, as Overhead fields) and the prediction error before
and after. Cycle figures are estimates from the Cortex-M4 timing table (no silicon here).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from mema_mlir import model
from mema_mlir.model.costs import stream_level, stream_trips, tile_spec
from mema_mlir.model.overhead import OVERHEAD, Overhead
from mema_mlir.model.schedule import grid_extent
from mema_mlir.random_matmuls import draw_stationary, matmul_text
from mema_mlir.run import check_file

# Shapes from MLPerf Tiny layers and random ones; int8 weights constant (the common case) or not.
LAYERS = [(64, 125, 40), (12, 1, 64), (8, 2304, 27), (16, 2304, 8), (32, 576, 16), (64, 144, 64),
          (128, 36, 128), (256, 9, 256), (16, 1024, 27), (32, 256, 144), (64, 64, 288),
          (128, 1, 640), (8, 1, 128), (10, 1, 64), (2, 1, 256)]
FEATURES = ("tiles", "outer", "packed_columns", "calls", "edge")
# The weight- and input-stationary statements ("stream") are fitted by fit_stream: per register
# level (costs.STREAM_LEVELS), figures per statement, per block of lines, per block whose
# k-slices loop and per statement in that loop, and a statement figure for a one-line
# streamed operand; the block, call and column figures are the micro-kernels' (--kernel smlad).
# "rest-i8" / "rest-i16": micro-kernel tiles with no k-group (int8 K < 4, int16 K = 1), per tile.
# "mla": the MLA micro-kernel's inner edge tiles (its strips are the DSP kernels').
# "smlad": the full tiles run as strips (one statement per outer block, exact inside); what llc
# adds is fitted per strip ("outer") and per inner edge tile (a statement of its own, "edge"),
# the per-column and per-call figures kept (fitted before strips, when every tile stood alone).
FITTED = {"smlad": ("edge", "outer"), "mla": ("edge",),
          "rest-i8": ("tiles",), "rest-i16": ("tiles",)}
# What the fit replaces (the outer block's taken branch stays: it is certain, not estimated).
ZERO = {
    "smlad": dataclasses.replace(OVERHEAD, asm_tile_alu=0, asm_tile_stack_cycles=0, asm_strip_alu=0,
                                 asm_strip_stack_cycles=0),
    "mla": dataclasses.replace(OVERHEAD, mla_tile_alu=0, mla_tile_stack_cycles=0),
    "stream": dataclasses.replace(OVERHEAD, **{field.name: 0 for field in dataclasses.fields(Overhead)
                                               if field.name.startswith("stream_")}),
    "rest-i8": dataclasses.replace(OVERHEAD, rest_only_tile_alu_i8=0, rest_only_tile_stack_cycles_i8=0),
    "rest-i16": dataclasses.replace(OVERHEAD, rest_only_tile_alu_i16=0, rest_only_tile_stack_cycles_i16=0),
}
NAMES = {  # the Overhead fields the four fitted figures become, per kernel ("smlad": see main)
    "smlad": ("asm_tile_alu", "asm_tile_stack_cycles", None, None),
    "mla": ("mla_tile_alu", "mla_tile_stack_cycles", None, None),
    "rest-i8": ("rest_only_tile_alu_i8", "rest_only_tile_stack_cycles_i8", None, None),
    "rest-i16": ("rest_only_tile_alu_i16", "rest_only_tile_stack_cycles_i16", None, None),
}


def draw(rng: np.random.Generator, index: int, kernel: str = "smlad") -> tuple[int, int, int, str, bool, bool]:
    if kernel.startswith("rest-"):  # below one k-group
        elem = kernel.removeprefix("rest-")
        m, n = (int(rng.integers(1, 97)) for _ in range(2))
        k = int(rng.integers(1, 4 if elem == "i8" else 2))
        return m, n, k, elem, bool(rng.integers(2)), bool(rng.integers(2))
    if index < len(LAYERS):
        m, n, k = LAYERS[index]
        return m, n, k, "i8", True, True
    m, n, k = (int(rng.integers(1, 97)) for _ in range(3))
    return m, n, k, str(rng.choice(["i8", "i16"])), bool(rng.integers(2)), bool(rng.integers(2))


# The parts of llc's code around stationary statements (costs.StreamOverhead), and the
# one-trip statement figure that replaces the statement's when the streamed operand is one line.
STREAM_PARTS = ("statement", "block", "slice_loop", "looped_statement", "one_trip_statement")
LEVEL_SUFFIX = {11: "", 13: "_tight", 14: "_all_registers"}


def measure_stream(seed: int, index: int) -> dict | None:
    """A random shape with a random legal weight- or input-stationary block (one draw in four
    with the streamed operand one line long), with how many of each STREAM_PARTS part its
    code has; None when the function is straight-line (calibrate_straight_line.py)."""
    rng = np.random.default_rng(seed + index)
    target = model.load_target("cortex-m4")
    m, n, k, elem, stationarity, lines, kr = draw_stationary(rng, dims=131, one_trip=index % 4 == 3)
    problem = model.Problem(m, n, k, elem=elem)
    s = model.choose(problem, target, search=("stationary", stationarity, lines, kr)).schedule
    width = s.grid(elem)[1]
    extent, groups = grid_extent(problem, s.family)
    blocks, slices = -(-extent // lines), -(-groups // width)
    if extent // lines <= 1 and slices <= 2:  # every loop one trip: straight-line code
        return None
    (check,) = check_file(matmul_text(rng, m, n, k, elem, True, True), seed=index,
                          schedule=f"{stationarity}:{lines}x{kr}")
    if not check.ok:
        raise AssertionError(f"{m}x{n}x{k} {stationarity}:{lines}x{s.kr}: {check.problems}")
    base = model.predict(problem, s, target, ZERO["stream"])
    looped = slices >= 3
    one_trip = stream_trips(problem, s.family) == 1
    parts = {"statement": 0 if one_trip else blocks * slices, "block": blocks, "slice_loop": blocks * looped,
             "looped_statement": blocks * (slices - 1) * looped, "one_trip_statement": blocks * slices * one_trip}
    return {
        "case": f"{m}x{n}x{k} {elem} {stationarity}:{lines}x{s.kr}",
        "level": stream_level(s.registers(elem)), "parts": parts,
        "measured_cycles": check.measured["cycles"], "measured_instructions": check.measured["instructions"],
        "base_cycles": base.cycles, "base_instructions": base.instructions,
        "predicted_cycles": check.predicted["cycles"],
    }


def non_negative_lstsq(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least squares with every coefficient >= 0: a column whose coefficient comes out
    negative is dropped (0) and the rest refitted."""
    active = [i for i in range(x.shape[1]) if x[:, i].any()]
    coefficients = np.zeros(x.shape[1])
    while active:
        fitted, *_ = np.linalg.lstsq(x[:, active], y, rcond=None)
        if fitted.min() >= 0:
            coefficients[active] = fitted
            break
        active.pop(int(np.argmin(fitted)))
    return coefficients


def fit_stream(rows: list[dict]) -> dict[str, int]:
    """The stationary figures (Overhead fields), fitted on the relative error with every part's
    figure non-decreasing from one register level to the next (the analytic search's
    argument): each part has a figure at the lowest level and non-negative steps above it.
    ALU instructions fit the instruction residual, stack cycles what the cycles add to it."""
    levels = list(LEVEL_SUFFIX)
    columns = [(part, level) for part in STREAM_PARTS for level in levels]
    x = np.array([[row["parts"][part] if row["level"] >= level else 0 for part, level in columns]
                  for row in rows], dtype=float)
    weights = np.array([1.0 / row["measured_cycles"] for row in rows])
    instructions = np.array([row["measured_instructions"] - row["base_instructions"] for row in rows], dtype=float)
    cycles = np.array([row["measured_cycles"] - row["base_cycles"] for row in rows], dtype=float)
    alu_steps = non_negative_lstsq(x * weights[:, None], instructions * weights)
    stack_steps = non_negative_lstsq(x * weights[:, None], (cycles - x @ alu_steps) * weights)
    changes: dict[str, int] = {}
    for part in STREAM_PARTS:
        alu = stack = 0.0
        for level in levels:
            alu += alu_steps[columns.index((part, level))]
            stack += stack_steps[columns.index((part, level))]
            changes[f"stream_{part}{LEVEL_SUFFIX[level]}_alu"] = round(alu)
            changes[f"stream_{part}{LEVEL_SUFFIX[level]}_stack_cycles"] = round(stack)
    return changes


def stream_cycles(row: dict, overhead: Overhead) -> int:
    """A stationary run's est. cycles at these figures: its base plus each part's."""
    figures = 0
    for part, count in row["parts"].items():
        suffix = LEVEL_SUFFIX[row["level"]]
        figures += count * (getattr(overhead, f"stream_{part}{suffix}_alu")
                            + getattr(overhead, f"stream_{part}{suffix}_stack_cycles"))
    return row["base_cycles"] + figures


def measure(args: tuple[int, int, str, str]) -> dict | None:
    seed, index, target_name, kernel = args
    if kernel == "stream":
        return measure_stream(seed, index)
    rng = np.random.default_rng(seed + index)
    m, n, k, elem, b_kn, a_constant = draw(rng, index, kernel)
    (check,) = check_file(matmul_text(rng, m, n, k, elem, b_kn, a_constant), target=target_name, seed=index)
    if not check.ok:
        raise AssertionError(f"{m}x{n}x{k}: {check.problems}")
    target = model.load_target(target_name)
    problem = model.Problem(m, n, k, elem=elem, b_k_contiguous=b_kn, a_constant=a_constant,
                            a_memory="flash" if a_constant else "sram")
    choice = model.choose(problem, target)
    s = choice.schedule
    if s.kernel != ("smlad" if kernel.startswith("rest-") else kernel):
        return None
    has_groups = kernel == "mla" or tile_spec(problem, s.family, s.ku, 1, 1).groups > 0
    if kernel.startswith("rest-") and has_groups:
        return None  # padded panels (A pairs, B packed) run the partial group as a whole one
    if kernel == "smlad" and not has_groups:
        return None  # below one k-group: the rest-only constants (--kernel rest-i8 / rest-i16)
    base = model.predict(problem, s, target, ZERO[kernel])
    p, q = -(-m // s.mr), -(-n // s.nr)
    outer = p if s.loop_order == "ij" else q
    inner_edge = (n % s.nr if s.loop_order == "ij" else m % s.mr) != 0
    return {
        "case": f"{m}x{n}x{k} {elem} {'nk' if b_kn else 'kn'}{' const' if a_constant else ''}",
        "tiles": p * q, "outer": outer, "edge": outer if inner_edge else 0,
        "packed_columns": n if s.b_form == "packed" else 0, "calls": 1,
        "measured_cycles": check.measured["cycles"], "measured_instructions": check.measured["instructions"],
        "base_cycles": base.cycles, "base_instructions": base.instructions,
        "predicted_cycles": check.predicted["cycles"],
    }


def fit(rows: list[dict], measured: str, base: str, kernel: str) -> np.ndarray:
    """Non-negative least squares on the relative error (each run weighted by 1 / its measured
    count, so that small problems, where the overhead matters most, count as much as large
    ones); the features the kernel does not fit get 0."""
    weights = np.array([1.0 / row[measured] for row in rows])
    y = np.array([row[measured] - row[base] for row in rows], dtype=float) * weights
    fitted = [f for f in FEATURES if f in FITTED[kernel]]
    x = np.array([[row[f] for f in fitted] for row in rows], dtype=float) * weights[:, None]
    by_name = dict(zip(fitted, non_negative_lstsq(x, y), strict=True))
    return np.array([by_name.get(f, 0.0) for f in FEATURES])


def report(rows: list[dict], fitted_cycles: list[float], changes: dict[str, int], kernel: str) -> None:
    """The fitted constants and the est. cycles' error before (the current constants) and after."""
    print(f"fitted on {len(rows)} {kernel} runs: " + " ".join(f"{k}={v}" for k, v in changes.items()))
    errors_before = [abs(r["predicted_cycles"] - r["measured_cycles"]) / r["measured_cycles"] for r in rows]
    errors_after = [abs(c - r["measured_cycles"]) / r["measured_cycles"] for r, c in zip(rows, fitted_cycles, strict=True)]
    for name, errors in (("current constants", errors_before), ("fitted", errors_after)):
        within = sum(e <= 0.05 for e in errors) / len(errors)
        print(f"{name}: median |error| {100 * np.median(errors):.2f}%, "
              f"90th percentile {100 * np.percentile(errors, 90):.1f}%, worst {100 * max(errors):.1f}%, "
              f"within 5%: {100 * within:.1f}%")
    worst = sorted(zip(errors_before, [r["case"] for r in rows], strict=True), reverse=True)[:5]
    print(f"worst cases with the current constants: {worst}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=80)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--kernel", choices=("smlad", "mla", "stream", "rest-i8", "rest-i16"),
                        default="smlad",
                        help="the DSP micro-kernels (cortex-m4), the MLA micro-kernel (cortex-m3) or "
                        "random weight- and input-stationary blocks (cortex-m4), or micro-kernel tiles below one "
                        "k-group (rest-i8: K < 4, rest-i16: K = 1)")
    parser.add_argument("--json", help="write the runs and the fit as JSON")
    args = parser.parse_args()
    target = "cortex-m3" if args.kernel == "mla" else "cortex-m4"
    jobs = [(args.seed, i, target, args.kernel) for i in range(args.cases)]
    with ProcessPoolExecutor() as pool:
        rows = [r for r in pool.map(measure, jobs) if r]
    if args.kernel == "stream":
        changes = fit_stream(rows)
        fitted = Overhead(**{**dataclasses.asdict(OVERHEAD), **changes})
        report(rows, [stream_cycles(r, fitted) for r in rows], changes, args.kernel)
    else:
        instructions = fit(rows, "measured_instructions", "base_instructions", args.kernel)
        cycles = fit(rows, "measured_cycles", "base_cycles", args.kernel)
        # ALU instructions per tile/block/column/call; the cycles beyond them per tile are the
        # spill/reload traffic (and load-use stalls) llc adds around the statement.
        tile_alu, outer_alu, column_alu, call_alu, edge_alu = (round(v) for v in instructions)
        stack_cycles = max(0, round(cycles[0] - instructions[0]))
        tile_name, stack_name, outer_name, column_name = NAMES[args.kernel]
        changes = {tile_name: tile_alu, stack_name: stack_cycles}
        if args.kernel == "mla":  # per inner edge tile (the strips' figures are the DSP kernels')
            changes = {"mla_tile_alu": edge_alu, "mla_tile_stack_cycles": max(0, round(cycles[4] - instructions[4]))}
        if args.kernel == "smlad":  # per strip; the edge tile's figure is not taken from this fit
            # (every edge tile comes with a strip, so the two are nearly collinear: overhead.py,
            # asm_tile_alu); the fitted value is printed for reference.
            print(f"(per inner edge tile the fit gives {edge_alu} ALU, {cycles[4]:.1f} cycles: not applied)")
            changes = {"asm_strip_alu": outer_alu, "asm_strip_stack_cycles": max(0, round(cycles[1] - instructions[1]))}
        if outer_name:
            changes.update({outer_name: outer_alu, "call_alu": call_alu})
        if column_name:
            changes[column_name] = column_alu
        fitted = Overhead(**{**dataclasses.asdict(OVERHEAD), **changes})
        report(rows, [r["base_cycles"] + sum(c * r[f] for c, f in zip(cycles, FEATURES, strict=True)) for r in rows],
                     changes, args.kernel)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"runs": rows, "fitted": dataclasses.asdict(fitted)}, out, indent=1)


if __name__ == "__main__":
    main()
