"""Weights in external flash: what the weight- and input-stationary blocks buy on the MLPerf Tiny
layer shapes, measured on the emulated Cortex-M4.

    python benchmarks/stationary_blocks.py [JSON_PATH] [--jobs 2] [--no-docs]

Target: examples/targets/cortex-m4-qspi.json (the built-in Cortex-M4 with its weights in a
memory-mapped quad-SPI flash, 12 cycles and 10 nJ per word read: illustrative estimates). For
each layer (int8, constant weights A in that flash, K-contiguous activations B in SRAM) and for
the `accesses` and `energy` objectives: mema's analytic choice over the whole space, against the
best output-stationary schedule for the same objective (the space before the stationary blocks).
Both are compiled, run on the emulator and checked bit for bit against numpy; the table shows
the measured loads, stores, weighted accesses (reads and writes times their memory's cycles) and
est. energy, with the predicted figures checked equal (loads, stores) to the measured ones. It
rewrites the stationary-blocks section of docs/results.md unless --no-docs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from mlir.ir import Context, Module
from results_section import write_section

from mema_mlir import api, model
from mema_mlir.emulator import Buffer, run_function
from mema_mlir.model.costs import counted_energy_nj, rates
from mema_mlir.model.ranking import rank_key
from mema_mlir.planning import cmsis_nn_schedule
from mema_mlir.random_matmuls import matmul_text

sys.path.insert(0, str(Path(__file__).parent))
from mlperf_layers import LAYERS

TARGET = str(Path(__file__).resolve().parent.parent / "examples" / "targets" / "cortex-m4-qspi.json")
OBJECTIVES = ("accesses", "energy")


def schedule_text(schedule: model.Schedule) -> str:
    """The --mema-schedule string that forces `schedule`."""
    if schedule.stationarity == "output":
        return f"fixed:{schedule.mr}x{schedule.nr}:{schedule.a_form}/{schedule.b_form}/{schedule.kept}"
    lines = schedule.mr if schedule.stationarity == "weight" else schedule.nr
    return f"{schedule.stationarity}:{lines}x{schedule.kr}"


def best_output_stationary(problem: model.Problem, target: model.Target, objective: str) -> model.Schedule:
    """The oracle restricted to output-stationary schedules (the same ranking)."""
    space = [s for s in model.schedule_space(problem, target) if s.stationarity == "output"]
    return min(space, key=lambda s: rank_key(problem, target, objective, rates(problem, s.family, s.ku), s))


def measure(job: tuple[str, tuple[int, int, int], str, str, int]) -> dict[str, Any]:
    model_name, shape, objective, which, seed = job
    m, n, k = shape
    target = model.load_target(TARGET)
    problem = model.Problem(m, n, k)
    if which == "cmsis-nn":  # CMSIS-NN's kernel shape, through mema's generator
        search = cmsis_nn_schedule(problem)
        schedule = model.choose(problem, target, objective, search).schedule
    else:
        schedule = (model.choose(problem, target, objective).schedule if which == "mema"
                    else best_output_stationary(problem, target, objective))
    predicted = model.predict(problem, schedule, target)
    rng = np.random.default_rng(seed)
    text = matmul_text(rng, m, n, k, "i8", True, True)
    obj = api.compile_module(text, emit_kind="obj", target=TARGET, objective=objective,
                             schedule=schedule_text(schedule)).output
    with Context():
        weights = np.array(Module.parse(text).body.operations[0].attributes["initial_value"]).astype(np.int64)
    b = rng.integers(-128, 128, (n, k)).astype(np.int8)
    c = rng.integers(-(2**31), 2**31, (m, n), dtype=np.int64).astype(np.int32)
    result = run_function(obj, "f", [Buffer("B", b, "sram"), Buffer("C", c.copy(), "sram")],
                          max_instructions=2_000_000_000)
    expected = ((c.astype(np.int64) + weights @ b.T.astype(np.int64) + 2**31) % 2**32 - 2**31).astype(np.int32)
    data = {name: counts for name, counts in result.traffic.regions.items() if name != "stack"}
    weighted = sum(c.reads * target.memory(name).read_cycles + c.writes * target.memory(name).write_cycles
                   for name, c in data.items())
    loads = sum(c.reads for c in data.values())
    stores = sum(c.writes for c in data.values())
    return {
        "model": model_name, "shape": list(shape), "objective": objective, "which": which,
        "schedule": schedule_text(schedule), "stationarity": schedule.stationarity,
        "bit_exact": bool(np.array_equal(result.outputs["C"], expected)),
        "loads": loads, "stores": stores, "flash_reads": data["flash"].reads if "flash" in data else 0,
        "weighted_accesses": weighted, "cycles": result.cycles,
        "energy_nj": counted_energy_nj(target, result.cycles, {n: (c.reads, c.writes) for n, c in data.items()}),
        "predicted": {"loads": predicted.loads, "stores": predicted.stores, "cycles": predicted.cycles,
                      "weighted_accesses": predicted.access_cost, "energy_nj": predicted.energy_nj},
    }


def markdown(rows: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    by_key = {(tuple(r["shape"]), r["objective"], r["which"]): r for r in rows}
    lines = [
        "Weights in external flash (`examples/targets/cortex-m4-qspi.json`: 12 cycles and 10 nJ per word "
        "read, illustrative estimates), measured on the emulated Cortex-M4 (`python benchmarks/stationary_blocks.py`). "
        "Per layer and objective: the best output-stationary schedule (the space without the stationary blocks) "
        "against mema's analytic choice over the whole space; weighted accesses are the measured reads and writes "
        "times their memory's cycles, energy is estimated from the measured cycles and accesses.",
        "",
        "| layer | objective | output-stationary | weighted | est. energy (uJ) | mema's choice | weighted | "
        "est. energy (uJ) | flash reads | saving | CMSIS-NN's shape: weighted | est. energy (uJ) | saving |",
        "|---|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for model_name, shape in LAYERS:
        for objective in OBJECTIVES:
            base = by_key[(shape, objective, "output")]
            mema = by_key[(shape, objective, "mema")]
            cmsis = by_key[(shape, objective, "cmsis-nn")]
            value = "weighted_accesses" if objective == "accesses" else "energy_nj"
            saving = 1 - mema[value] / base[value]
            lines.append(
                f"| {model_name} {shape[0]}x{shape[1]}x{shape[2]} | {objective} | {base['schedule']} | "
                f"{base['weighted_accesses']:,.0f} | {base['energy_nj'] / 1e3:,.1f} | {mema['schedule']} | "
                f"{mema['weighted_accesses']:,.0f} | {mema['energy_nj'] / 1e3:,.1f} | "
                f"{base['flash_reads']:,} -> {mema['flash_reads']:,} | {100 * saving:.0f}% | "
                f"{cmsis['weighted_accesses']:,.0f} | {cmsis['energy_nj'] / 1e3:,.1f} | "
                f"{100 * (1 - mema[value] / cmsis[value]):.0f}% |")
    lines += [
        "",
        f"- {summary['stationary_choices']} of {summary['decisions']} decisions are a weight- or input-stationary "
        f"block; median saving {100 * summary['median_accesses_saving']:.0f}% of the weighted accesses "
        f"(`accesses`), {100 * summary['median_energy_saving']:.0f}% of the est. energy (`energy`); "
        f"largest {100 * summary['max_accesses_saving']:.0f}% and {100 * summary['max_energy_saving']:.0f}%.",
        f"- Against CMSIS-NN's kernel shape on the same target (`cmsis-nn`, through mema's generator; the last "
        f"column): median {100 * summary['median_accesses_saving_vs_cmsis_nn']:.0f}% fewer weighted accesses "
        f"(`accesses`), {100 * summary['median_energy_saving_vs_cmsis_nn']:.0f}% less est. energy (`energy`).",
        f"- Every run bit-exact: {summary['all_bit_exact']}; measured loads and stores equal to the predicted: "
        f"{summary['all_counts_predicted']}.",
        "",
    ]
    return "\n".join(lines)


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by_key = {(tuple(r["shape"]), r["objective"], r["which"]): r for r in rows}
    savings: dict[str, list[float]] = {objective: [] for objective in OBJECTIVES}
    for _, shape in LAYERS:
        for objective in OBJECTIVES:
            value = "weighted_accesses" if objective == "accesses" else "energy_nj"
            base, mema = by_key[(shape, objective, "output")], by_key[(shape, objective, "mema")]
            savings[objective].append(1 - mema[value] / base[value])
    against_cmsis: dict[str, list[float]] = {objective: [] for objective in OBJECTIVES}
    for _, shape in LAYERS:
        for objective in OBJECTIVES:
            value = "weighted_accesses" if objective == "accesses" else "energy_nj"
            base, mema = by_key[(shape, objective, "cmsis-nn")], by_key[(shape, objective, "mema")]
            against_cmsis[objective].append(1 - mema[value] / base[value])
    mema_rows = [r for r in rows if r["which"] == "mema"]
    return {
        "decisions": len(mema_rows),
        "stationary_choices": sum(r["stationarity"] != "output" for r in mema_rows),
        "median_accesses_saving": statistics.median(savings["accesses"]),
        "median_energy_saving": statistics.median(savings["energy"]),
        "max_accesses_saving": max(savings["accesses"]),
        "max_energy_saving": max(savings["energy"]),
        "median_accesses_saving_vs_cmsis_nn": statistics.median(against_cmsis["accesses"]),
        "median_energy_saving_vs_cmsis_nn": statistics.median(against_cmsis["energy"]),
        "all_bit_exact": all(r["bit_exact"] for r in rows),
        "all_counts_predicted": all(r["loads"] == r["predicted"]["loads"] and r["stores"] == r["predicted"]["stores"]
                                    for r in rows),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json_path", nargs="?", type=Path, default=Path("benchmarks/out/stationary_blocks.json"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    jobs = [(model_name, shape, objective, which, 7 + index)
            for index, (model_name, shape) in enumerate(LAYERS)
            for objective in OBJECTIVES for which in ("output", "mema", "cmsis-nn")]
    with ProcessPoolExecutor(args.jobs) as pool:
        rows = []
        for done, row in enumerate(pool.map(measure, jobs), 1):
            rows.append(row)
            print(f"\r{done}/{len(jobs)} runs", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    summary = summarize(rows)
    text = markdown(rows, summary)
    print(text)
    args.json_path.parent.mkdir(parents=True, exist_ok=True)
    args.json_path.write_text(json.dumps({"target": TARGET.rsplit("/", 1)[-1], "summary": summary, "runs": rows},
                                         indent=1) + "\n")
    if not args.no_docs:
        write_section("stationary-blocks", text, Path("docs/results.md"))
    return 0 if summary["all_bit_exact"] and summary["all_counts_predicted"] else 1


if __name__ == "__main__":
    sys.exit(main())
