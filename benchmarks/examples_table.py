"""Measure the bundled examples on the emulated Cortex-M4: mema's analytic schedule next to a
forced CMSIS-NN-style 2x2 tile through the same generator. Prints a markdown table, writes JSON.

    python benchmarks/examples_table.py --json benchmarks/out/examples.json

Every figure is counted on the emulator (cycles: the Cortex-M4 timing table over the executed
trace, an estimate; no silicon here). Ratios are taken within this one run.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from mema_mlir.api import CompileError
from mema_mlir.run import check_file

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NAMES = ("conv-layer", "first-conv", "fc-layer", "prime-shape")
SCHEDULES = ("analytic", "fixed:2x2")


def measure(name: str, schedule: str) -> dict | None:
    try:
        (check,) = check_file((EXAMPLES / f"{name}.mlir").read_text(), schedule=schedule, seed=1)
    except CompileError:
        return None  # the forced tile does not fit this problem (e.g. 2x2 on N = 1)
    macs = 1
    for dim in check.matmuls[0].split("x"):
        macs *= int(dim)
    return {
        "shape": check.matmuls[0], "ok": check.ok, "macs": macs,
        "loads": check.measured["loads"], "stores": check.measured["stores"],
        "predicted_loads": check.predicted["loads"],
        "cycles": check.measured["cycles"], "predicted_cycles": check.predicted["cycles"],
        "instructions": check.measured["instructions"], "stack_reads": check.stack["reads"],
        "stack_writes": check.stack["writes"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", help="write the measurements here")
    args = parser.parse_args()
    rows = {name: {schedule: measure(name, schedule) for schedule in SCHEDULES} for name in NAMES}
    print("| example | MxNxK | schedule | bit-exact | loads (pred = meas) | stores | stack r/w | "
          "est. cycles (meas) | pred. cycles | MAC/cycle | 2x2 cycles / mema cycles |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, by_schedule in rows.items():
        base = by_schedule["fixed:2x2"]
        for schedule, r in by_schedule.items():
            if r is None:
                print(f"| {name} | | {schedule} | the tile does not fit | | | | | | | |")
                continue
            ratio = f"{base['cycles'] / r['cycles']:.2f}" if base and schedule == "analytic" else ""
            exact = "yes" if r["predicted_loads"] == r["loads"] else f"no ({r['predicted_loads']})"
            print(f"| {name} | {r['shape']} | {schedule} | {'yes' if r['ok'] else 'NO'} | {r['loads']} ({exact}) "
                  f"| {r['stores']} | {r['stack_reads']}/{r['stack_writes']} | {r['cycles']} | "
                  f"{r['predicted_cycles']} | {r['macs'] / r['cycles']:.3f} | {ratio} |")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
