"""`mema-import MODEL.tflite -o MODEL.mlir`: a TFLite model as static-shape linalg on tensors.

The output is what `mema-opt MODEL.mlir --emit=obj` compiles: one public function (named after
the model file unless --name says otherwise) taking the input tensors and returning the outputs;
mema-opt bufferizes it into `void name(const int8_t *input, int8_t *output)`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from mema_mlir.output_file import write_output


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # type: ignore[override]
        self.exit(1, f"mema-import: error: {message}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; exit status 1 with one `mema-import: error:` line on failure."""
    from mema_mlir.tflite_import import ROUNDINGS, TFLiteImportError, import_tflite

    parser = _Parser(prog="mema-import", description=__doc__,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", help="a .tflite flatbuffer")
    parser.add_argument("-o", dest="output", default="-", help="output .mlir file (default stdout)")
    parser.add_argument("--name", help="the entry function's name (default: the model file's stem)")
    parser.add_argument("--rounding", choices=ROUNDINGS, default="tflite",
                        help="requantization rounding: tflite (once, as the LiteRT interpreter; default) "
                             "or tosa (DOUBLE_ROUND, as the converter writes it)")
    args = parser.parse_args(argv)
    try:
        text = import_tflite(Path(args.model), args.name, args.rounding)
    except TFLiteImportError as err:
        sys.stderr.write(f"mema-import: error: {err}\n")
        return 1
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    try:
        write_output(args.output, text.encode("utf-8"), ".mema-import-")
    except OSError as err:
        sys.stderr.write(f"mema-import: error: cannot write {args.output}: {err.strerror}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
