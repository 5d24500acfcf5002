"""`mema-opt`: an mlir-opt for MEMA's passes. Thin: argparse, then mema_mlir.driver."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from mema_mlir import __version__, emit, llvm_opt, model, registry
from mema_mlir.driver import Driver, DriverConfig
from mema_mlir.planning import OBJECTIVES


def _bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("true", "1", "on"):
        return True
    if lowered in ("false", "0", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got '{text}'")


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad flag exits 1 with one line, as every other mema-opt error does."""

    def error(self, message: str) -> NoReturn:  # type: ignore[override]
        self.exit(1, f"mema-opt: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The command line, mirroring mlir-opt's flags plus MEMA's."""
    parser = _Parser(
        prog="mema-opt",
        description="Tile int8/int16 linalg.matmul with MEMA's analytical schedules and lower it "
        "to Armv7E-M DSP code.",
    )
    parser.add_argument("input", nargs="?", default="-", help="input .mlir file ('-' or none: stdin)")
    parser.add_argument("-o", dest="output", default="-", metavar="FILE",
                        help="output file (default stdout); written only if everything succeeds")
    parser.add_argument("--pass-pipeline", metavar="PIPELINE",
                        help="e.g. 'builtin.module(mema-tile{target=cortex-m4},canonicalize)': "
                        "upstream passes by name, mema passes from `--list-passes`")
    parser.add_argument("--split-input-file", action="store_true",
                        help="process each '// -----' chunk separately, in a fresh context")
    parser.add_argument("--verify-each", type=_bool, default=True, metavar="BOOL",
                        help="verify the IR after each pass (default true)")
    parser.add_argument("--mlir-print-ir-after-all", action="store_true",
                        help="print the IR after every pass, to stderr")
    parser.add_argument("--allow-unregistered-dialect", action="store_true",
                        help="accept ops of dialects MLIR does not know")
    parser.add_argument("--emit", choices=emit.EMIT_FORMATS, default="mlir",
                        help="mlir (default), llvm (LLVM IR), asm, obj (ELF), header (C prototypes), "
                        "transform (a transform-dialect script with MEMA's tile sizes)")
    parser.add_argument("--mema-target", default="cortex-m4", metavar="NAME|PATH",
                        help=f"target description: {', '.join(model.builtin_target_names())} or a JSON file")
    parser.add_argument("--mema-objective", choices=OBJECTIVES, default="cycles",
                        help="what the schedule minimises (default cycles)")
    parser.add_argument("--mema-schedule", default="analytic",
                        metavar="analytic|exhaustive|cmsis-nn|fixed:MRxNR[:A/B[/KEPT]]|weight:LxKR|input:LxKR",
                        help="how the tile is chosen (default analytic); weight:LxKR / input:LxKR force a "
                        "weight- / input-stationary block of L rows of A / columns of B by KR k-values")
    parser.add_argument("--mema-report", metavar="PATH", help="write the decisions as JSON")
    parser.add_argument("--mema-llvm-opt", choices=llvm_opt.LEVELS, default="none",
                        help="none (default): llc alone, as the model's cycle estimates are calibrated; O2: LLVM's "
                        "middle end before llc, loops around micro-kernels kept rolled (faster element-wise code "
                        "for more code: keyword spotting -3%% est. cycles, +20%% code)")
    parser.add_argument("--mema-remarks", action="store_true",
                        help="print one remark per matmul, convolution or depthwise convolution at its location")
    parser.add_argument("--list-passes", action="store_true", help="list mema's passes and options")
    parser.add_argument("--version", action="version", version=f"mema-opt {__version__} (MLIR 22)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.list_passes:
        print("mema passes (use them in --pass-pipeline next to upstream passes):")
        print(registry.describe_passes())
        return 0
    from mema_mlir.planning import parse_schedule_option

    try:
        parse_schedule_option(args.mema_schedule)
    except ValueError as err:
        parser.error(f"--mema-schedule: {err}")
    config = DriverConfig(
        input_path=args.input,
        output_path=args.output,
        pass_pipeline=args.pass_pipeline,
        split_input_file=args.split_input_file,
        verify_each=args.verify_each,
        print_ir_after_all=args.mlir_print_ir_after_all,
        allow_unregistered_dialect=args.allow_unregistered_dialect,
        emit=args.emit,
        target=args.mema_target,
        objective=args.mema_objective,
        schedule=args.mema_schedule,
        report_path=args.mema_report,
        remarks=args.mema_remarks,
        llvm_opt=args.mema_llvm_opt,
    )
    try:
        return Driver(config, sys.stdout.buffer, sys.stderr).run()
    except KeyboardInterrupt:
        sys.stderr.write("mema-opt: interrupted\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
