"""`--mema-schedule=cmsis-nn`: CMSIS-NN's kernel shape per op, run on the emulated Cortex-M4
bit for bit with predicted loads and stores exact, including the ops where the 2x2 tile must
shrink (one output row) or read int16 weights as halfword pairs."""

from __future__ import annotations

import numpy as np
import pytest

from mema_mlir import api
from mema_mlir.random_matmuls import matmul_text
from mema_mlir.run import check_file


@pytest.mark.parametrize(("m", "n", "k", "elem", "tile"), [
    (9, 7, 33, "i8", "2x2"), (13, 1, 40, "i8", "2x1"), (1, 5, 16, "i8", "1x2"), (1, 1, 9, "i8", "1x1"),
    (6, 4, 21, "i16", "2x2"), (5, 1, 17, "i16", "2x1"),
])
def test_cmsis_nn_shape_runs_bit_exact(m: int, n: int, k: int, elem: str, tile: str) -> None:
    text = matmul_text(np.random.default_rng(m * 100 + n), m, n, k, elem, False, True)
    (decision,) = api.compile_module(text, emit_kind="mlir", schedule="cmsis-nn").decisions
    assert (decision.skipped, f"{decision.schedule['mr']}x{decision.schedule['nr']}") == (None, tile)
    assert decision.schedule["a_form"] == ("bytes" if elem == "i8" else "halves")
    assert decision.search == "cmsis-nn"
    (check,) = check_file(text, schedule="cmsis-nn")
    assert check.problems == [] and check.counts_compared and check.bit_exact, check.problems
