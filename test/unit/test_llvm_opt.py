"""`--mema-llvm-opt=O2`: LLVM's middle end before llc. The micro-kernels' loops stay rolled, the
model's load and store counts stay exact, and results stay bit-exact (random matmuls,
convolutions and depthwise convolutions against numpy or upstream's lowering; a whole model
against LiteRT)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mema_mlir import api
from mema_mlir.random_matmuls import (
    conv_text,
    depthwise_text,
    draw_case,
    draw_conv,
    draw_depthwise,
    matmul_text,
)
from mema_mlir.run import check_file
from mema_mlir.tflite_check import check_model

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("case", range(12))
def test_counts_and_results_stay_exact_under_opt(case: int) -> None:
    rng = np.random.default_rng([20261127, case])
    kind = case % 3
    if kind == 0:
        m, n, k, elem, b_kn, a_constant, target = draw_case(rng, 60000)
        text = matmul_text(rng, m, n, k, elem, b_kn, a_constant)
    elif kind == 1:
        text, target = conv_text(rng, *draw_conv(rng)), "cortex-m4"
    else:
        text, target = depthwise_text(rng, *draw_depthwise(rng)), "cortex-m4"
    (check,) = check_file(text, target=target, llvm_opt="O2")
    assert check.problems == []
    assert check.measured["loads"] == check.predicted["loads"]


def test_statement_loops_are_marked_not_to_unroll() -> None:
    text = (ROOT / "examples" / "conv-layer.mlir").read_text()
    llvm_ir = api.compile_module(text, emit_kind="llvm", llvm_opt="O2").output.decode()
    assert '!{!"llvm.loop.unroll.disable"}' in llvm_ir
    plain = api.compile_module(text, emit_kind="llvm").output.decode()
    assert "llvm.loop.unroll.disable" not in plain
    # opt copied no statement: as many inline-asm calls as llc alone compiles.
    assert llvm_ir.count("asm sideeffect") == plain.count("asm sideeffect")


def test_mla_statements_stay_exact_under_opt() -> None:
    """The MLA micro-kernel (Cortex-M3) goes through opt like the DSP ones: its statements are not
    copied, results and counts stay exact."""
    text = (ROOT / "examples" / "prime-shape.mlir").read_text()
    llvm_ir = api.compile_module(text, emit_kind="llvm", target="cortex-m3", llvm_opt="O2").output.decode()
    plain = api.compile_module(text, emit_kind="llvm", target="cortex-m3").output.decode()
    assert llvm_ir.count("asm sideeffect") == plain.count("asm sideeffect") > 0
    (check,) = check_file(text, target="cortex-m3", llvm_opt="O2")
    assert check.problems == [] and check.measured["loads"] == check.predicted["loads"]


def test_a_whole_model_stays_bit_exact() -> None:
    check = check_model(ROOT / "examples" / "models" / "tiny_resnet.tflite", inputs=3, seed=9,
                        kernels="optimized", llvm_opt="O2")
    assert check.ok, [(run.exact, run.max_difference) for run in check.runs]
    assert all(not d.skipped for d in check.decisions) and len(check.decisions) == 4
