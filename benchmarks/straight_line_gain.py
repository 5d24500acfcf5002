"""What folding one-trip loops buys small matmuls: the same tiled kernels lowered with and
without the canonicalize that mema-lower-affine runs after lower-affine, side by side in one run
on the emulated cores (bit-exact against each other and numpy), with the prediction of each
straight-line function next to the trace:

    python benchmarks/straight_line_gain.py --json benchmarks/out/straight_line_gain.json

Prints a markdown table. Est. cycles come from the Cortex-M4 timing table (no silicon here).
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from mlir.ir import Context, Module

from mema_mlir import api
from mema_mlir.emulator import Buffer, run_function
from mema_mlir.lowering.stages import COMPILE_PIPELINE, LOWERING_NAME, STAGES
from mema_mlir.random_matmuls import matmul_text
from mema_mlir.run import check_file, memref_arguments, random_inputs

# The compile pipeline with its lowering spelled out, lower-affine without the canonicalize.
LOOPS_KEPT = COMPILE_PIPELINE.replace(LOWERING_NAME, ",".join(
    "lower-affine" if stage.name == "mema-lower-affine" else stage.name for stage in STAGES))

# (M, N, K, elem, target): the smallest shapes, fully-connected-like ones, one block plus an edge.
SHAPES = [(1, 1, 1, "i16", "cortex-m4"), (1, 2, 1, "i16", "cortex-m4"), (2, 1, 8, "i16", "cortex-m4"),
          (1, 1, 33, "i16", "cortex-m4"), (1, 4, 16, "i8", "cortex-m4"), (4, 1, 64, "i8", "cortex-m4"),
          (3, 5, 19, "i8", "cortex-m4"), (4, 4, 32, "i8", "cortex-m4"), (12, 1, 64, "i8", "cortex-m4"),
          (2, 1, 256, "i8", "cortex-m4"), (1, 4, 10, "i8", "cortex-m3"), (3, 3, 7, "i16", "cortex-m3")]


def measure(m: int, n: int, k: int, elem: str, target: str) -> dict:
    text = matmul_text(np.random.default_rng(m * 1000 + n * 100 + k), m, n, k, elem, False, True)
    (check,) = check_file(text, target=target, seed=1)  # the default pipeline, against numpy
    if not check.ok:
        raise AssertionError(f"{m}x{n}x{k}: {check.problems}")
    kept = api.compile_module(text, target=target, pipeline=LOOPS_KEPT)
    folded = api.compile_module(text, target=target)
    with Context():
        (arguments,) = memref_arguments(Module.parse(text)).values()
    inputs = random_inputs(arguments, np.random.default_rng(1))
    runs = [run_function(compiled.output, "f", [Buffer(f"arg{i}", x.copy(), "sram") for i, x in enumerate(inputs)])
            for compiled in (kept, folded)]
    if not all(np.array_equal(runs[0].outputs[name], runs[1].outputs[name]) for name in runs[0].outputs):
        raise AssertionError(f"{m}x{n}x{k}: the two lowerings disagree")
    (decision,) = folded.decisions
    return {"shape": f"{m}x{n}x{k}", "elem": elem, "target": target,
            "schedule": f"{decision.schedule['mr']}x{decision.schedule['nr']} {decision.schedule['kernel']}",
            "loops_kept_cycles": runs[0].cycles, "folded_cycles": runs[1].cycles,
            "speedup": runs[0].cycles / runs[1].cycles, "straight_line": "straight_line" in decision.predicted,
            "predicted_cycles": check.predicted["cycles"], "measured_cycles": check.measured["cycles"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write the rows here")
    args = parser.parse_args()
    rows = [measure(*shape) for shape in SHAPES]
    print("| shape | elem | target | tile | est. cycles, loops kept | folded | speedup | straight-line | predicted |")
    print("| --- | --- | --- | --- | ---: | ---: | ---: | --- | ---: |")
    for r in rows:
        print(f"| {r['shape']} | {r['elem']} | {r['target']} | {r['schedule']} | {r['loops_kept_cycles']} | "
              f"{r['folded_cycles']} | {r['speedup']:.2f}x | {'yes' if r['straight_line'] else 'no'} | "
              f"{r['predicted_cycles']} ({(r['predicted_cycles'] - r['measured_cycles']) / r['measured_cycles']:+.1%}) |")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(rows, out, indent=1)


if __name__ == "__main__":
    main()
