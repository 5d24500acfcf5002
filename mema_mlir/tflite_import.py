"""From a TFLite flatbuffer to static-shape linalg on tensors, the form mema-opt compiles.

    tflite --tosa-converter-for-tflite--> TOSA --pin the batch to 1--> TOSA, static shapes
           --tosa-to-linalg-named, tosa-to-linalg, tosa-to-arith, tosa-to-tensor--> linalg

Convolutions and fully-connected layers arrive as `linalg.conv_2d_nhwc_fhwc_q` (a
fully-connected layer is a 1x1 convolution), depthwise ones as
`linalg.depthwise_conv_2d_nhwc_hwcm_q`, requantization as arithmetic in `linalg.generic` bodies
(`include-apply-rescale`). An operator with no lowering stays in the TOSA dialect and is reported
by name. The converter is the `tosa-converter-for-tflite` package (pip install
'mema-mlir[tflite]').

Rounding of requantization. The converter writes every TFLite requantization as a TOSA rescale
with DOUBLE_ROUND (TFLite's historical MultiplyByQuantizedMultiplier: a rounding doubling high
multiply, then a rounding shift). The LiteRT interpreter (ai-edge-litert 2.3, both its reference
and its optimized kernels) rounds once (TFLITE_SINGLE_ROUNDING). Measured on the MLPerf Tiny
anomaly-detection model: with DOUBLE_ROUND about 20% of the outputs differ by 1 from LiteRT, with
SINGLE_ROUND all match, on both kernel sets (the keyword-spotting model matches either way). So by
default ("tflite") the importer rewrites DOUBLE_ROUND to SINGLE_ROUND; "tosa" keeps the converter's.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from mlir.ir import Context, MLIRError, Module, Operation, StringAttr, WalkResult
from mlir.passmanager import PassManager

CONVERTER = "tosa-converter-for-tflite"
TOSA_TO_LINALG = ("builtin.module(func.func(tosa-to-linalg-named, tosa-to-linalg, "
                  "tosa-to-arith{include-apply-rescale=true}, tosa-to-tensor), canonicalize)")


class TFLiteImportError(Exception):
    """The model cannot be imported; the message says why (and names unsupported operators)."""


def converter_path() -> str:
    """The converter next to this Python (a venv's bin/) or on PATH."""
    beside = Path(sys.executable).parent / CONVERTER
    if beside.is_file():
        return str(beside)
    found = shutil.which(CONVERTER)
    if found is None:
        raise TFLiteImportError(f"{CONVERTER} is not installed: pip install 'mema-mlir[tflite]'")
    return found


def tosa_text(model: Path) -> str:
    """The model as TOSA MLIR text (the converter's output, unmodified)."""
    if not model.is_file():
        raise TFLiteImportError(f"cannot open {model}: no such file")
    completed = subprocess.run([converter_path(), str(model), "--text", "-o", "-"],
                               capture_output=True, text=True, check=False)
    if completed.returncode != 0 or not completed.stdout.strip():
        message = (completed.stderr or completed.stdout).strip().splitlines()
        raise TFLiteImportError(f"{CONVERTER} failed on {model}: " + (message[-1] if message else "no output"))
    return completed.stdout


ROUNDINGS = ("tflite", "tosa")


def set_rounding(tosa: str, rounding: str) -> str:
    """"tflite": requantize with one rounding, as LiteRT does; "tosa": as the converter wrote it."""
    if rounding not in ROUNDINGS:
        raise TFLiteImportError(f"rounding '{rounding}': expected one of {', '.join(ROUNDINGS)}")
    return tosa.replace("rounding_mode = DOUBLE_ROUND", "rounding_mode = SINGLE_ROUND") if rounding == "tflite" else tosa


def pin_batch(tosa: str) -> str:
    """Batch 1 everywhere: the dynamic leading dimension of tensors, and the -1 that reshape
    shape constants put in its place."""
    tosa = tosa.replace("tensor<?x", "tensor<1x")
    return re.sub(r"(tosa\.const_shape\s+\{values = dense<\[)-1,", r"\g<1>1,", tosa)


def symbol_name(stem: str) -> str:
    """A C identifier from a file name: what the entry function is called by default."""
    name = re.sub(r"\W", "_", stem)
    return name if name and not name[0].isdigit() else f"model_{name}"


def _leftover_tosa(module: Module) -> Counter[str]:
    found: Counter[str] = Counter()

    def visit(op: Operation) -> WalkResult:
        if op.name.startswith("tosa."):
            found[op.name] += 1
        return WalkResult.ADVANCE

    module.operation.walk(visit)
    return found


def linalg_from_tosa(tosa: str, name: str) -> str:
    """Lower pinned TOSA text to linalg on tensors; the public function is renamed `name`."""
    with Context():
        try:
            module = Module.parse(tosa)
        except MLIRError as err:
            raise TFLiteImportError(f"the converter's TOSA does not parse: {err}") from None
        try:
            PassManager.parse(TOSA_TO_LINALG).run(module.operation)
        except MLIRError as err:
            details = "; ".join(d.message for d in err.error_diagnostics)
            raise TFLiteImportError(f"lowering TOSA to linalg failed: {details}") from None
        leftover = _leftover_tosa(module)
        if leftover:
            listed = ", ".join(f"{op} ({count})" for op, count in sorted(leftover.items()))
            raise TFLiteImportError(f"unsupported operators (no lowering to linalg): {listed}")
        functions = [op.operation for op in module.body.operations if op.operation.name == "func.func"]
        public = [f for f in functions if "sym_visibility" not in f.attributes]
        if len(public) != 1:
            raise TFLiteImportError(f"expected one entry function, found {len(public)}")
        public[0].attributes["sym_name"] = StringAttr.get(name)
        return str(module)


def import_tflite(model: Path, name: str | None = None, rounding: str = "tflite") -> str:
    """The .tflite model as static-shape linalg on tensors (MLIR text), entry `name` (default:
    the file's stem as a C identifier), requantization rounded as `rounding` says."""
    tosa = set_rounding(pin_batch(tosa_text(model)), rounding)
    return linalg_from_tosa(tosa, name or symbol_name(model.stem))
