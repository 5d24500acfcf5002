"""The bundled TFLite models, whole and layer by layer, on the emulated Cortex-M4: mema's
compile next to the same compile with the requantization left as separate loops
(`mema-tile{fuse-requant=false}`), CMSIS-NN's kernel shapes built by the same generator
(`--mema-schedule=cmsis-nn`: a 2x2 tile with int8 weights and packed int16 activations, 2x1 for
fully-connected layers; requantization fused, as CMSIS-NN's kernels do) and upstream MLIR's
lowering of the same imported IR, all checked bit for bit against LiteRT's optimized kernels,
measured in one run.

    python benchmarks/tflite_models.py [--models kws,ad,tiny] [--seed 0]

Whole network: est. cycles, instructions, data loads and stores counted on the emulator, est.
energy (the target's per-cycle and per-access figures over the counts), code, flash and SRAM of
each object, and the speedups. Per layer: each convolution, fully-connected layer (a 1x1
convolution) and depthwise convolution mema tiled, with its shape, the tile it chose and the
model's prediction (cycles, loads, stores; the CMSIS-NN-shaped tile's cycles beside it; the
model's cycle error on these layers is a few percent, docs/results.md); their sum against the whole network's
measured cycles says how much of the time is the layers mema schedules and how much the rest
(requantization, pooling, softmax: upstream's lowering in both objects). Writes
benchmarks/out/tflite_models.json and the tflite-models section of docs/results.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from results_section import write_section

from mema_mlir.lowering.stages import COMPILE_PIPELINE, UNTILED_PIPELINE
from mema_mlir.tflite_check import ModelCheck, check_model

ROOT = Path(__file__).resolve().parents[1]
MODELS = {"kws": ROOT / "examples/models/kws_ref_model.tflite", "ad": ROOT / "examples/models/ad01_int8.tflite",
          "tiny": ROOT / "examples/models/tiny_resnet.tflite"}


def layer_rows(check: ModelCheck, baseline: ModelCheck) -> list[dict[str, Any]]:
    """One row per op mema considered: kind, shape, tile and the model's prediction, with the
    CMSIS-NN-shaped tile's predicted cycles."""
    rows = []
    for decision, theirs in zip(check.decisions, baseline.decisions, strict=True):
        if decision.skipped:
            rows.append({"op": decision.op, "skipped": decision.skipped})
            continue
        schedule, predicted = decision.schedule, decision.predicted
        if schedule["kernel"] == "depthwise":
            kind = "depthwise"
            shape = f"{decision.m} ch x {decision.n} px x {decision.k} taps"
            tile = f"4 ch x {schedule['nr']} px"
        else:
            kind = "conv" if decision.op.startswith("linalg.conv") else "matmul"
            if decision.n == 1:
                kind = "fully connected"
            shape = f"{decision.m}x{decision.n}x{decision.k}"
            tile = f"{schedule['mr']}x{schedule['nr']} {schedule['a_form']}/{schedule['b_form']}"
        rows.append({"op": decision.op, "kind": kind, "shape": shape, "tile": tile, "macs": decision.m * decision.n
                     * decision.k, "cycles": predicted["cycles"], "loads": predicted["loads"],
                     "stores": predicted["stores"], "cmsis_nn_cycles": theirs.predicted.get("cycles"),
                     "requantization": "fused" if decision.epilogue == "fused" else "separate"})
    return rows


def whole(check: ModelCheck) -> dict[str, Any]:
    (run,) = check.runs
    return {"bit_exact": run.exact, "cycles": run.cycles, "instructions": run.instructions, "loads": run.loads,
            "stores": run.stores, "memory": run.memory, "energy_uj": run.energy_nj / 1000,
            "code_bytes": check.text_bytes,
            "flash_bytes": check.flash_bytes, "sram_bytes": check.sram_bytes}


UNFUSED_PIPELINE = COMPILE_PIPELINE.replace("mema-tile", "mema-tile{fuse-requant=false}")
OBJECTS = (("mema", "analytic", COMPILE_PIPELINE), ("mema, requantization not fused", "analytic", UNFUSED_PIPELINE),
           ("cmsis-nn", "cmsis-nn", COMPILE_PIPELINE), ("upstream", "analytic", UNTILED_PIPELINE))


def measure(name: str, path: Path, seed: int) -> dict[str, Any]:
    checks = {}
    for label, schedule, pipeline in OBJECTS:
        started = time.perf_counter()
        checks[label] = check_model(path, inputs=1, seed=seed, kernels="optimized", schedule=schedule,
                                    pipeline=pipeline)
        print(f"{name}: {label} compiled and run ({time.perf_counter() - started:.0f} s)", flush=True)
    layers = layer_rows(checks["mema"], checks["cmsis-nn"])
    wholes = {label: whole(check) for label, check in checks.items()}
    mema = wholes["mema"]
    return {"model": path.name, **wholes,
            "speedup_vs_upstream": wholes["upstream"]["cycles"] / mema["cycles"],
            "speedup_vs_cmsis_nn": wholes["cmsis-nn"]["cycles"] / mema["cycles"],
            "speedup_of_fusion": wholes["mema, requantization not fused"]["cycles"] / mema["cycles"],
            "energy_saving_vs_cmsis_nn": 1 - mema["energy_uj"] / wholes["cmsis-nn"]["energy_uj"],
            "layers": layers, "tiled_share": sum(row.get("cycles", 0) for row in layers) / mema["cycles"]}


def markdown(results: list[dict[str, Any]], facts: dict[str, str]) -> str:
    lines = [f"Measured {facts['date']} by {facts['command']} on {facts['machine']}; one random input "
             "per model, every object compared bit for bit with LiteRT's optimized kernels. Est. cycles: the "
             "Cortex-M4 timing table over the emulated trace; est. energy: the target's per-cycle and "
             "per-access figures over the counts (no silicon). `cmsis-nn`: CMSIS-NN's kernel shapes through "
             "mema's generator (`--mema-schedule=cmsis-nn`), not the CMSIS-NN library.", "",
             "| model | object | bit-exact | est. cycles | est. energy uJ | instructions | loads | stores | "
             "code B | flash B | SRAM B |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for result in results:
        for label, _, _ in OBJECTS:
            w = result[label]
            lines.append(f"| {result['model']} | {label} | {'yes' if w['bit_exact'] else 'NO'} | {w['cycles']:,} | "
                         f"{w['energy_uj']:,.0f} | {w['instructions']:,} | {w['loads']:,} | {w['stores']:,} | "
                         f"{w['code_bytes']:,} | {w['flash_bytes']:,} | {w['sram_bytes']:,} |")
    lines.append("")
    lines += [f"- {r['model']}: mema {r['speedup_vs_cmsis_nn']:.2f}x faster than the CMSIS-NN-shaped object "
              f"({100 * r['energy_saving_vs_cmsis_nn']:.0f}% less est. energy) and {r['speedup_vs_upstream']:.2f}x "
              f"faster than upstream MLIR's lowering; fusing the requantization into the tiles bought "
              f"{r['speedup_of_fusion']:.2f}x; the layers mema tiles (their fused requantization included) are "
              f"{100 * r['tiled_share']:.0f}% of its network cycles (predicted), the rest is padding, pooling, "
              "softmax, requantizations not fused and the other element-wise ops" for r in results]
    lines.append("- depthwise layers run mema's depthwise kernel in both tiled objects (CMSIS-NN's own "
                 "depthwise kernel is not rebuilt here), so their speedup column reads 1.00x")
    for result in results:
        lines += ["", f"Layers of {result['model']} (the model's predictions per layer):", "",
                  "| # | kind | shape | tile | requantization | MACs | est. cycles | MAC/cycle | loads | stores | "
                  "cmsis-nn cycles | speedup |",
                  "|---:|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
        for index, row in enumerate(result["layers"]):
            if "skipped" in row:
                lines.append(f"| {index} | {row['op']} | left to upstream: {row['skipped']} | | | | | | | | | |")
                continue
            theirs = row["cmsis_nn_cycles"]
            lines.append(f"| {index} | {row['kind']} | {row['shape']} | {row['tile']} | {row['requantization']} | "
                         f"{row['macs']:,} | "
                         f"{row['cycles']:,} | {row['macs'] / row['cycles']:.2f} | {row['loads']:,} | "
                         f"{row['stores']:,} | {theirs:,} | {theirs / row['cycles']:.2f}x |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="kws,ad,tiny", help=f"comma-separated, of {', '.join(MODELS)}")
    parser.add_argument("--seed", type=int, default=0, help="the random input's seed")
    parser.add_argument("--json", default=str(ROOT / "benchmarks/out/tflite_models.json"))
    parser.add_argument("--results", default=str(ROOT / "docs/results.md"),
                        help="markdown file whose tflite-models section is rewritten ('' to skip)")
    args = parser.parse_args()
    names = [word.strip().lower() for word in args.models.split(",") if word.strip()]
    unknown = [name for name in names if name not in MODELS]
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}: expected {', '.join(MODELS)}")
    started = time.perf_counter()
    results = [measure(name, MODELS[name], args.seed) for name in names]
    command = f"python benchmarks/tflite_models.py --models {','.join(names)} --seed {args.seed}"
    facts = {"date": time.strftime("%Y-%m-%d"), "command": f"`{command}` ({time.perf_counter() - started:.0f} s)",
             "machine": f"{platform.machine()}, Python {platform.python_version()}, LLVM/MLIR 22.1.8"}
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps({"facts": facts, "models": results}, indent=1, default=asdict) + "\n")
    text = markdown(results, facts)
    if args.results:
        write_section("tflite-models", text, Path(args.results))
    print(text)


if __name__ == "__main__":
    main()
