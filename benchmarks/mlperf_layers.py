"""MLPerf Tiny layer shapes on the emulated Cortex-M4: mema's schedules next to fixed-tile
baselines, upstream MLIR's own lowering and the limits, all measured in one run.

    bash benchmarks/run                      # set-up, then this script with its defaults
    python benchmarks/mlperf_layers.py [--layers kws,ad] [--no-upstream] [--jobs 2]

Each layer is one int8 matmul C[M,N] += A[M,K] . B[K,N] (M output channels, N pixels or batch,
K reduction depth) with A constant weights in flash and B activations [N, K] (NHWC im2col rows)
in SRAM, C int32 in SRAM. For every layer and schedule the script compiles the function with
mema (timing mema's pass, the MLIR lowering, mlir-translate and llc apart), runs the object on
the emulated Cortex-M4 against numpy (bit for bit) and records what the emulator counted: loads
and stores per memory, instructions, est. cycles (the shared Cortex-M4 timing table over the
trace: no silicon is measured), est. energy (the target's per-cycle and per-access figures over
the measured counts), code size and the flash/SRAM footprint. It writes
benchmarks/out/mlperf_layers.json, the markdown tables into docs/results.md (between the
mlperf-layers markers) and two plots into docs/img/.

Schedules: mema's analytic choice for each objective; CMSIS-NN's kernel shape through mema's own
generator (2x2 tile, int8 weights split by SXTB16, activations packed to int16 like CMSIS-NN's
q15 im2col buffer; 2x1 with int8 activations for N = 1, like its fully-connected kernel); the
2x2 tile with mema's best operand forms; the 4x4 tile IREE's heuristic picks; upstream MLIR's
lowering of the same linalg.matmul (linalg to loops, llc -O3). Limits: one SMLAD per cycle
(2 MACs/cycle) and the I/O lower bound on loads + stores (docs/model.md).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from mlir.ir import Context, MLIRError, Module
from mlir.passmanager import PassManager
from results_section import write_section

from mema_mlir import api, emit, model
from mema_mlir.emulator import Buffer, RunResult, run_function
from mema_mlir.lowering.stages import lowering_passes
from mema_mlir.model.costs import counted_energy_nj
from mema_mlir.random_matmuls import matmul_text
from mema_mlir.run import REFERENCE_PIPELINE

ROOT = Path(__file__).resolve().parents[1]
LAYERS: tuple[tuple[str, tuple[int, int, int]], ...] = (
    ("KWS DS-CNN", (64, 125, 40)), ("KWS DS-CNN", (64, 125, 64)), ("KWS DS-CNN", (12, 1, 64)),
    ("VWW MobileNet", (8, 2304, 27)), ("VWW MobileNet", (16, 2304, 8)), ("VWW MobileNet", (32, 576, 16)),
    ("VWW MobileNet", (32, 576, 32)), ("VWW MobileNet", (64, 144, 64)), ("VWW MobileNet", (128, 36, 128)),
    ("VWW MobileNet", (256, 9, 256)), ("VWW MobileNet", (2, 1, 256)),
    ("ResNet-8", (16, 1024, 27)), ("ResNet-8", (16, 1024, 144)), ("ResNet-8", (32, 256, 144)),
    ("ResNet-8", (32, 256, 288)), ("ResNet-8", (64, 64, 288)), ("ResNet-8", (64, 64, 576)),
    ("ResNet-8", (10, 1, 64)),
    ("AD autoencoder", (128, 1, 640)), ("AD autoencoder", (128, 1, 128)), ("AD autoencoder", (8, 1, 128)),
    ("AD autoencoder", (640, 1, 128)),
)
# (label, --mema-schedule, objective); "cmsis-nn" is CMSIS-NN's kernel shape, resolved per layer
# by the pass (planning.cmsis_nn_schedule).
SCHEDULES: tuple[tuple[str, str, str], ...] = (
    ("mema-cycles", "analytic", "cycles"),
    ("mema-energy", "analytic", "energy"),
    ("mema-accesses", "analytic", "accesses"),
    ("cmsis-nn", "cmsis-nn", "cycles"),
    ("2x2", "fixed:2x2", "cycles"),
    ("4x4", "fixed:4x4", "cycles"),
)
UPSTREAM = "upstream"
TARGET = "cortex-m4"


@dataclass
class Run:
    """One layer under one schedule, as measured (or why it could not run)."""

    model: str
    shape: tuple[int, int, int]
    label: str
    schedule: str
    objective: str
    ok: bool = False
    skipped: str = ""
    tile: str = ""
    measured: dict[str, Any] = field(default_factory=dict)
    predicted: dict[str, Any] = field(default_factory=dict)
    compile_seconds: dict[str, float] = field(default_factory=dict)
    footprint: dict[str, int] = field(default_factory=dict)

    @property
    def macs(self) -> int:
        m, n, k = self.shape
        return m * n * k


def compile_staged(text: str, schedule: str, objective: str) -> tuple[bytes, list, dict[str, float]]:
    """mema's pipeline stage by stage, timed: (object, decisions, seconds per stage)."""
    target = model.load_target(TARGET)
    seconds: dict[str, float] = {}
    with Context():
        module = Module.parse(text)
        started = time.perf_counter()
        pm = PassManager("builtin.module")
        tile = api.add_pass(pm, "mema-tile", target=TARGET, objective=objective, schedule=schedule)
        pm.run(module.operation)
        seconds["mema_tile"] = time.perf_counter() - started
        started = time.perf_counter()
        lowering = PassManager("builtin.module")
        lowering.add(",".join(lowering_passes()))
        lowering.run(module.operation)
        seconds["lowering"] = time.perf_counter() - started
        emit.mark_no_unwind(module)
        started = time.perf_counter()
        llvm_ir = emit.translate_to_llvm_ir(str(module))
        seconds["mlir_translate"] = time.perf_counter() - started
        started = time.perf_counter()
        obj = emit.compile_llvm_ir(llvm_ir, target, "obj")
        seconds["llc"] = time.perf_counter() - started
        return obj, list(tile.decisions), seconds


def upstream_object(text: str) -> bytes:
    with Context():
        module = Module.parse(text)
        PassManager.parse(REFERENCE_PIPELINE).run(module.operation)
        return emit.emit_lowered(module, model.load_target(TARGET), "obj")


def measured(result: RunResult, target: model.Target) -> dict[str, Any]:
    regions = result.traffic.regions
    data = {name: counts for name, counts in regions.items() if name != "stack"}
    energy = counted_energy_nj(target, result.cycles, {name: (c.reads, c.writes) for name, c in data.items()})
    return {
        "loads": sum(c.reads for c in data.values()), "stores": sum(c.writes for c in data.values()),
        "memory": {name: {"reads": c.reads, "writes": c.writes, "read_bytes": c.read_bytes,
                          "write_bytes": c.write_bytes} for name, c in data.items()},
        "stack": {"reads": regions["stack"].reads, "writes": regions["stack"].writes},
        "instructions": result.instructions, "cycles": result.cycles, "energy_nj": energy,
    }


def footprint(result: RunResult) -> dict[str, int]:
    """Bytes of code, of flash (code and constants) and of SRAM (data, buffers, stack used)."""
    sections = result.image.sections
    return {
        "text": sum(s.size for s in sections if s.executable),
        "flash": sum(s.size for s in sections if s.region == "flash"),
        "sram": sum(s.size for s in sections if s.region == "sram") + result.stack_bytes_used,
    }


def measure(job: tuple[str, tuple[int, int, int], str, str, str, int]) -> Run:
    model_name, shape, label, schedule, objective, seed = job
    m, n, k = shape
    run = Run(model_name, shape, label, schedule, objective)
    rng = np.random.default_rng(seed)
    text = matmul_text(rng, m, n, k, "i8", True, True)
    target = model.load_target(TARGET)
    if label == UPSTREAM:
        obj = upstream_object(text)
    else:
        try:
            obj, decisions, run.compile_seconds = compile_staged(text, schedule, objective)
        except MLIRError as err:  # a forced tile that cannot run: reported, not measured
            run.skipped = "; ".join(d.message for d in err.error_diagnostics) or str(err)
            return run
        decision = decisions[0]
        s = decision.schedule
        if s.get("stationarity", "output") != "output":  # a weight- or input-stationary block
            lines = s["mr"] if s["stationarity"] == "weight" else s["nr"]
            run.tile = f"{s['stationarity']}:{lines}x{s['kr']} {s['a_form']}/{s['b_form']}"
        else:
            run.tile = f"{s['mr']}x{s['nr']} {s['a_form']}/{s['b_form']}/{s['kept']}"
        run.predicted = {key: decision.predicted[key] for key in ("loads", "stores", "instructions", "cycles",
                                                                 "energy_nj")}
    with Context():
        weights = np.array(Module.parse(text).body.operations[0].attributes["initial_value"]).astype(np.int64)
    b = rng.integers(-128, 128, (n, k)).astype(np.int8)
    b.flat[0] = -128
    c = rng.integers(-(2**31), 2**31, (m, n), dtype=np.int64).astype(np.int32)
    result = run_function(obj, "f", [Buffer("B", b, "sram"), Buffer("C", c.copy(), "sram")],
                          max_instructions=2_000_000_000)
    expected = ((c.astype(np.int64) + weights @ b.T.astype(np.int64) + 2**31) % 2**32 - 2**31).astype(np.int32)
    run.ok = bool(np.array_equal(result.outputs["C"], expected))
    run.measured = measured(result, target)
    run.footprint = footprint(result)
    return run


def _progress(total: int) -> Any:
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="run", desc="layers x schedules")


def run_all(layers: list[tuple[str, tuple[int, int, int]]], upstream: bool, jobs: int) -> list[Run]:
    work = [(name, shape, label, schedule, objective, 1000 + i)
            for i, (name, shape) in enumerate(layers) for label, schedule, objective in SCHEDULES]
    if upstream:
        work += [(name, shape, UPSTREAM, "", "", 1000 + i) for i, (name, shape) in enumerate(layers)]
    # The slowest first (upstream's scalar loops, then the biggest layers) to balance the pool.
    work.sort(key=lambda job: (job[2] != UPSTREAM, -job[1][0] * job[1][1] * job[1][2]))
    progress = _progress(len(work))
    runs: list[Run] = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for run in pool.map(measure, work):
            runs.append(run)
            if progress is not None:
                progress.update()
    if progress is not None:
        progress.close()
    order = {(name, shape): i for i, (name, shape) in enumerate(layers)}
    labels = [label for label, _, _ in SCHEDULES] + [UPSTREAM]
    runs.sort(key=lambda r: (order[(r.model, r.shape)], labels.index(r.label)))
    return runs


def _by_layer(runs: list[Run]) -> dict[tuple[str, tuple[int, int, int]], dict[str, Run]]:
    table: dict[tuple[str, tuple[int, int, int]], dict[str, Run]] = {}
    for run in runs:
        table.setdefault((run.model, run.shape), {})[run.label] = run
    return table


def summary(runs: list[Run]) -> dict[str, Any]:
    """The goals of the benchmark issue, as measured ratios (medians over the layers)."""
    target = model.load_target(TARGET)
    speedups, fc_speedups, energy_savings, bound_ratios, vs_upstream, vs_2x2 = [], [], [], [], [], []
    for (_, shape), row in _by_layer(runs).items():
        mema = row.get("mema-cycles")
        if mema is None or not mema.measured:
            continue
        base = row.get("cmsis-nn")
        if base is not None and base.measured:
            ratio = base.measured["cycles"] / mema.measured["cycles"]
            (fc_speedups if shape[1] == 1 else speedups).append(ratio)
            energy = row.get("mema-energy")
            if energy is not None and energy.measured:
                energy_savings.append(1 - energy.measured["energy_nj"] / base.measured["energy_nj"])
        plain = row.get("2x2")
        if plain is not None and plain.measured:
            vs_2x2.append(plain.measured["cycles"] / mema.measured["cycles"])
        if shape[2] >= 64:
            accesses = row.get("mema-accesses", mema)
            bound = model.lower_bound(model.Problem(*shape), target)
            bound_ratios.append((accesses.measured["loads"] + accesses.measured["stores"]) / bound.total)
        up = row.get(UPSTREAM)
        if up is not None and up.measured:
            vs_upstream.append(up.measured["cycles"] / mema.measured["cycles"])

    def median(values: list[float]) -> float | None:
        return statistics.median(values) if values else None

    conv = next((r for r in runs if r.shape == (64, 64, 576) and r.label == "mema-cycles" and r.measured), None)
    return {
        "median_speedup_vs_cmsis_nn_shape_2x2": median(speedups),
        "median_speedup_vs_cmsis_nn_shape_fc_2x1": median(fc_speedups),
        "median_speedup_vs_2x2_best_forms": median(vs_2x2),
        "median_energy_saving_vs_cmsis_nn_shape": median(energy_savings),
        "worst_accesses_over_io_bound_k_ge_64": max(bound_ratios) if bound_ratios else None,
        "median_speedup_vs_upstream": median(vs_upstream),
        "mac_per_cycle_64x64x576": conv.macs / conv.measured["cycles"] if conv else None,
        "all_bit_exact": all(r.ok for r in runs if r.measured),
        "max_compile_seconds": max((sum(r.compile_seconds.values()) for r in runs if r.compile_seconds), default=None),
    }


def markdown(runs: list[Run], facts: dict[str, Any]) -> str:
    """The results as markdown: one performance table, one footprint/compile-time table."""
    target = model.load_target(TARGET)
    lines = [
        f"Measured {facts['date']} on {facts['machine']}; {facts['command']}",
        "",
        "| layer | MxNxK | schedule | tile (A/B/kept) | exact | loads | stores | flash reads | "
        "est. cycles | MAC/cycle | est. energy uJ | vs CMSIS-NN shape | vs upstream | / SMLAD bound | / I/O bound |",
        "| --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for (name, shape), row in _by_layer(runs).items():
        macs = shape[0] * shape[1] * shape[2]
        bound = model.lower_bound(model.Problem(*shape), target).total
        base = row.get("cmsis-nn")
        up = row.get(UPSTREAM)
        for label, run in row.items():
            if run.skipped or not run.measured:
                lines.append(f"| {name} | {'x'.join(map(str, shape))} | {label} | does not fit: "
                             f"{run.skipped[:90]} | | | | | | | | | | | |")
                continue
            ms = run.measured
            vs_base = (f"{base.measured['cycles'] / ms['cycles']:.2f}x"
                       if base is not None and base.measured and label != "cmsis-nn" else "")
            vs_up = f"{up.measured['cycles'] / ms['cycles']:.1f}x" if up is not None and up.measured and label != UPSTREAM else ""
            lines.append(
                f"| {name} | {'x'.join(map(str, shape))} | {label} | {run.tile or '-'} | "
                f"{'yes' if run.ok else 'NO'} | {ms['loads']} | {ms['stores']} | "
                f"{ms['memory'].get('flash', {}).get('reads', 0)} | {ms['cycles']} | {macs / ms['cycles']:.3f} | "
                f"{ms['energy_nj'] / 1000:.1f} | {vs_base} | {vs_up} | {ms['cycles'] / (macs / 2):.2f} | "
                f"{(ms['loads'] + ms['stores']) / bound:.2f} |")
    lines += ["", "| layer | MxNxK | schedule | .text bytes | flash bytes | SRAM bytes | compile s (pass / lowering / translate / llc) | pred. cycles error |",
              "| --- | --- | --- | ---: | ---: | ---: | --- | ---: |"]
    for (name, shape), row in _by_layer(runs).items():
        for label, run in row.items():
            if not run.measured:
                continue
            seconds = run.compile_seconds
            split = " / ".join(f"{seconds[key]:.2f}" for key in ("mema_tile", "lowering", "mlir_translate", "llc")) if seconds else "-"
            error = (f"{100 * (run.predicted['cycles'] - run.measured['cycles']) / run.measured['cycles']:+.1f}%"
                     if run.predicted else "")
            lines.append(f"| {name} | {'x'.join(map(str, shape))} | {label} | {run.footprint['text']} | "
                         f"{run.footprint['flash']} | {run.footprint['sram']} | {split} | {error} |")
    return "\n".join(lines) + "\n"


def plots(runs: list[Run], out: Path) -> list[Path]:
    """Cycles per MAC per layer and schedule; predicted against measured cycles."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    table = _by_layer(runs)
    layers = list(table)
    labels = [label for label, _, _ in SCHEDULES] + [UPSTREAM]
    figure, axis = plt.subplots(figsize=(12, 5))
    for label in labels:
        xs, ys = [], []
        for i, key in enumerate(layers):
            run = table[key].get(label)
            if run is not None and run.measured:
                xs.append(i)
                ys.append(run.measured["cycles"] / run.macs)
        axis.plot(xs, ys, marker="o", linestyle="-" if label.startswith("mema") else "--", label=label)
    axis.axhline(0.5, color="grey", linewidth=0.8, label="one SMLAD per cycle")
    axis.set_yscale("log")
    axis.set_xticks(range(len(layers)), [f"{'x'.join(map(str, s))}" for _, s in layers], rotation=60, fontsize=7)
    axis.set_ylabel("est. cycles per MAC (log)")
    axis.set_title("MLPerf Tiny layers on the emulated Cortex-M4 (est. cycles, timing table)")
    axis.legend(fontsize=7, ncol=4)
    figure.tight_layout()
    first = out / "mlperf-cycles-per-mac.png"
    figure.savefig(first, dpi=110)
    plt.close(figure)
    figure, axis = plt.subplots(figsize=(5, 5))
    pairs = [(r.predicted["cycles"], r.measured["cycles"]) for r in runs if r.predicted and r.measured]
    if pairs:
        axis.scatter(*zip(*pairs, strict=True), s=10)
        top = max(max(p) for p in pairs)
        axis.plot([1, top], [1, top], color="grey", linewidth=0.8)
        axis.set_xscale("log")
        axis.set_yscale("log")
    axis.set_xlabel("predicted est. cycles (model)")
    axis.set_ylabel("measured est. cycles (emulator trace)")
    axis.set_title("Predicted vs measured, every mema run")
    figure.tight_layout()
    second = out / "mlperf-predicted-vs-measured.png"
    figure.savefig(second, dpi=110)
    plt.close(figure)
    return [first, second]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--layers", help="comma-separated model names to keep (kws, vww, resnet, ad)")
    parser.add_argument("--no-upstream", action="store_true", help="skip upstream MLIR's lowering (the slowest runs)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--json", default=str(ROOT / "benchmarks/out/mlperf_layers.json"))
    parser.add_argument("--results", default=str(ROOT / "docs/results.md"),
                        help="markdown file whose mlperf-layers section is rewritten ('' to skip)")
    args = parser.parse_args()
    layers = list(LAYERS)
    if args.layers:
        keep = [word.strip().lower() for word in args.layers.split(",")]
        layers = [(name, shape) for name, shape in layers if any(word in name.lower() for word in keep)]
    started = time.perf_counter()
    runs = run_all(layers, not args.no_upstream, args.jobs)
    command = "python benchmarks/mlperf_layers.py" + (f" --layers {args.layers}" if args.layers else "") + (
        " --no-upstream" if args.no_upstream else "")
    facts = {"date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, {args.jobs} worker(s), "
             f"Python {platform.python_version()}, LLVM/MLIR 22.1.8", "command": f"`{command}` "
             f"({time.perf_counter() - started:.0f} s)"}
    result = summary(runs)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps({"facts": facts, "summary": result, "runs": [asdict(r) for r in runs]},
                                          indent=1) + "\n")
    text = markdown(runs, facts)
    images = plots(runs, ROOT / "docs/img")
    text += "\n" + "\n".join(f"![{p.stem}](img/{p.name})" for p in images) + "\n"
    text += "\nSummary (medians over the layers; est. cycles and energy):\n\n" + "\n".join(
        f"- {key}: {value:.3f}" if isinstance(value, float) else f"- {key}: {value}" for key, value in result.items()) + "\n"
    if args.results:
        write_section("mlperf-layers", text, Path(args.results))
    print(text)


if __name__ == "__main__":
    main()
