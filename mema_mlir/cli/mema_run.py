"""`mema-run FILE.mlir`: compile, run on the emulated Cortex-M4, compare with numpy and the model.
`mema-run MODEL.tflite`: import, compile and run a TFLite model, compare with the LiteRT
interpreter bit for bit."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from mema_mlir import api, model
from mema_mlir.emulator import EmulatorError
from mema_mlir.planning import OBJECTIVES


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # type: ignore[override]
        self.exit(1, f"mema-run: error: {message}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; exit status 1 on any mismatch or error."""
    from mema_mlir.run import check_file, format_table, to_json

    parser = _Parser(prog="mema-run", description=__doc__)
    parser.add_argument("input", help=".mlir file whose public functions take memrefs, or a .tflite model")
    parser.add_argument("--mema-target", default="cortex-m4")
    parser.add_argument("--mema-objective", choices=OBJECTIVES, default="cycles")
    parser.add_argument("--mema-schedule", default="analytic")
    parser.add_argument("--mema-llvm-opt", choices=("none", "O2"), default="none",
                        help="run LLVM's middle end before llc (as mema-opt --mema-llvm-opt)")
    parser.add_argument("--seed", type=int, default=0, help="random inputs' seed (default 0)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--inputs", type=int, default=8, help=".tflite: random inputs to compare (default 8)")
    parser.add_argument("--kernels", choices=("reference", "optimized"), default="reference",
                        help=".tflite: the LiteRT kernels to compare with (default reference)")
    args = parser.parse_args(argv)
    if args.input.endswith(".tflite"):
        return _run_tflite(args)
    try:
        with open(args.input, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as err:
        return _fail(f"cannot open input file '{args.input}': {err.strerror}")
    try:
        checks = check_file(text, target=args.mema_target, objective=args.mema_objective,
                            schedule=args.mema_schedule, seed=args.seed, llvm_opt=args.mema_llvm_opt)
    except api.CompileError as err:
        sys.stderr.write(str(err).replace("<input>", args.input) + "\n")
        return 1
    except (model.TargetError, EmulatorError, ValueError) as err:
        return _fail(str(err))
    print(format_table(checks))
    print("est. cycles: from the Cortex-M4 timing table over the emulated trace (no silicon here)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            out.write(to_json(checks))
    return 0 if all(c.ok for c in checks) else 1


def _run_tflite(args: argparse.Namespace) -> int:
    import dataclasses
    import json
    from pathlib import Path

    from mema_mlir.tflite_check import check_model, format_check
    from mema_mlir.tflite_import import TFLiteImportError

    try:
        check = check_model(Path(args.input), inputs=args.inputs, seed=args.seed, kernels=args.kernels,
                            target=args.mema_target, objective=args.mema_objective, schedule=args.mema_schedule,
                            llvm_opt=args.mema_llvm_opt)
    except api.CompileError as err:
        sys.stderr.write(str(err).replace("<input>", args.input) + "\n")
        return 1
    except (TFLiteImportError, model.TargetError, EmulatorError, ValueError) as err:
        return _fail(str(err))
    print(format_check(check))
    if args.json:
        payload = dataclasses.asdict(dataclasses.replace(check, decisions=[]))
        payload["decisions"] = [d.report_entry() for d in check.decisions]
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(payload, out, indent=2)
    return 0 if check.ok else 1


def _fail(message: str) -> int:
    sys.stderr.write(f"mema-run: error: {message}\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
