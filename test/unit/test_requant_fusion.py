"""A convolution's bias and requantization fused into its register tile (epilogue.py,
model/requant.py, microkernel.requant_access): the arithmetic identity SMMLA/ASR/SSAT rely on,
random layers on the emulated Cortex-M4 bit for bit against upstream's lowering of the same IR
with every predicted access exact, and the layers that must stay unfused, each with its reason."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mema_mlir import api
from mema_mlir.model.requant import (
    MAX_EXTRA_SHIFT,
    Requantization,
    folded_bias,
    parameter_table,
    reference,
    tile_arithmetic,
)
from mema_mlir.random_matmuls import (
    draw_conv,
    draw_depthwise,
    requantized_conv_text,
    requantized_depthwise_text,
)
from mema_mlir.run import check_file

CASES = 30
INT32_EXTREMES = np.array([-2**31, -2**31 + 1, -1, 0, 1, 2**31 - 1], dtype=np.int64)


@pytest.mark.parametrize("shift", range(33, 33 + MAX_EXTRA_SHIFT))
@pytest.mark.parametrize("zero_point", [-128, -1, 0, 77, 127])
def test_tile_arithmetic_equals_the_ir_requantization(shift: int, zero_point: int) -> None:
    rng = np.random.default_rng(shift * 1000 + zero_point)
    acc = np.concatenate([INT32_EXTREMES, rng.integers(-2**31, 2**31, 4000),
                          rng.integers(-2**20, 2**20, 4000)])
    for multiplier in (2**30, 2**31 - 1, int(rng.integers(2**30, 2**31)), -(2**31), 1):
        requant = Requantization(np.array([multiplier]), np.array([shift]), zero_point, -128, 127)
        row = parameter_table(requant, np.array([0]), 1)[0]
        assert np.array_equal(tile_arithmetic(acc, row), reference(acc, requant)), (multiplier, shift)


def test_unsupported_requantizations_are_named() -> None:
    def make(shift: int, low: int = -128, high: int = 127) -> Requantization:
        return Requantization(np.array([2**30]), np.array([shift]), 0, low, high)

    assert make(40).unsupported() is None
    assert "33..54" in make(32).unsupported()
    assert "33..54" in make(55).unsupported()
    assert "clamp [0, 127]" in make(40, 0, 127).unsupported()


def test_zero_point_folds_into_the_bias() -> None:
    rng = np.random.default_rng(3)
    weights = rng.integers(-128, 128, (5, 3, 3, 4))
    x = rng.integers(-128, 128, (3 * 3 * 4, 7))
    bias = rng.integers(-1000, 1000, 5)
    zero_point = -77
    direct = bias[:, None] + weights.reshape(5, -1) @ (x - zero_point)
    folded = folded_bias(bias, weights, zero_point)[:, None] + weights.reshape(5, -1) @ x
    assert np.array_equal(direct, folded)


@pytest.mark.parametrize("case", range(CASES))
def test_random_requantized_conv_is_bit_exact_and_predicted(case: int) -> None:
    rng = np.random.default_rng(91000 + case)
    arguments = draw_conv(rng)
    text = requantized_conv_text(rng, *arguments, per_channel=case % 3 != 0, bias_in_body=case % 4 == 1)
    (check,) = check_file(text, seed=case)
    assert check.matmuls != ["skipped"], arguments
    assert check.counts_compared, arguments  # every op was fused: all accesses are predicted
    assert check.problems == [], arguments


def _fused(text: str) -> str | None:
    (decision,) = api.compile_module(text, emit_kind="mlir").decisions
    return decision.epilogue


def test_fusion_leaves_no_int32_loop_and_names_its_reason_otherwise() -> None:
    rng = np.random.default_rng(5)
    arguments = (6, 6, 4, 8, (3, 3), (1, 1), -5, True)
    text = requantized_conv_text(rng, *arguments, per_channel=True)
    assert _fused(text) == "fused"
    lowered = api.compile_module(text, emit_kind="asm").output.decode()
    assert "smmla" in lowered and "ssat" in lowered
    relu = text.replace("%lo = arith.constant -128", "%lo = arith.constant 0")
    assert _fused(relu) == "not fused: clamp [0, 127]: only [-128, 127] (SSAT #8) is fused"
    extra = text.replace("%e = arith.trunci %d : i32 to i8", "%d2 = arith.addi %d, %d : i32\n"
                         "    %e = arith.trunci %d2 : i32 to i8")
    assert _fused(extra) == "not fused: the requantization has no clamp"
    off = api.compile_module(text, emit_kind="mlir", pipeline="mema-tile{fuse-requant=false}").decisions
    assert off[0].epilogue == "not fused (fuse-requant=false)"


def test_unfused_and_fused_agree_on_the_emulator() -> None:
    """fuse-requant=false compiles the same layer with the separate loops: same outputs."""
    from mema_mlir.emulator import Buffer, run_function
    from mema_mlir.lowering.stages import COMPILE_PIPELINE

    rng = np.random.default_rng(8)
    text = requantized_conv_text(rng, 7, 9, 3, 11, (3, 3), (2, 1), 127, True, per_channel=True)
    x = rng.integers(-128, 128, (1, 7, 9, 3)).astype(np.int8)
    outputs = []
    for pipeline in (COMPILE_PIPELINE, COMPILE_PIPELINE.replace("mema-tile", "mema-tile{fuse-requant=false}")):
        obj = api.compile_module(text, emit_kind="obj", pipeline=pipeline).output
        y = np.zeros((1, 3, 7, 11), dtype=np.int8)
        result = run_function(obj, "qconv", [Buffer("x", x.copy(), "sram"), Buffer("y", y, "sram")])
        outputs.append(result.outputs["y"])
    assert np.array_equal(outputs[0], outputs[1])
    assert len(np.unique(outputs[0])) > 8  # the outputs spread over int8, not all saturated


@pytest.mark.parametrize("case", range(20))
def test_random_requantized_depthwise_is_bit_exact_and_predicted(case: int) -> None:
    rng = np.random.default_rng(93000 + case)
    arguments = draw_depthwise(rng)
    text = requantized_depthwise_text(rng, *arguments, per_channel=case % 3 != 0, bias_in_body=case % 4 != 1)
    (check,) = check_file(text, seed=case)
    assert check.matmuls != ["skipped"], arguments
    assert check.counts_compared, arguments
    assert check.problems == [], arguments


def test_every_largest_fused_tile_compiles() -> None:
    """The fused statement's registers are the model's: the largest legal tile of every kernel
    family (the corners of the staircase, the ones that fill the register file) compiles
    without llc running out of registers (it did when the epilogue took a third scratch
    register next to a free loop counter)."""
    from mlir.ir import Context, Module

    from mema_mlir.ir_query import matmul_ops
    from mema_mlir.model import families, load_target
    from mema_mlir.model.analytic import staircase
    from mema_mlir.planning import ModelOptions, Plan, plan

    rng = np.random.default_rng(12)
    text = requantized_conv_text(rng, 8, 12, 16, 12, (3, 3), (1, 1), -3, True, per_channel=True)
    target = load_target("cortex-m4")
    with Context():
        module = Module.parse(text)  # kept alive while its ops are used
        (op,) = matmul_ops(module.operation)
        planned = plan(op, ModelOptions(), target)
        assert isinstance(planned, Plan) and planned.problem.requant
        problem = planned.problem
    checked = 0
    for family in families(problem, target):
        _, a_form, b_form, kept = family
        for mr, nr in staircase(problem, target, family):
            schedule = f"fixed:{mr}x{nr}:{a_form}/{b_form}/{kept}"
            result = api.compile_module(text, emit_kind="asm", schedule=schedule)
            assert result.decisions[0].epilogue == "fused", schedule
            checked += 1
    assert checked >= 10


REGRESSIONS = Path(__file__).parent / "Inputs"


@pytest.mark.parametrize(("name", "reason"), [
    ("requant-trunc16.mlir", "the requantization's arith.trunci is not i32 -> i8"),
    ("requant-ext48.mlir", "the requantization's arith.trunci is not i64 -> i32"),
    ("requant-twoouts.mlir", "the requantization writes more than one output"),
    ("requant-alias_filter.mlir", "the requantization's output shares a buffer with the convolution's operands"),
    ("requant-alias_select3.mlir", "cannot tell where the buffer made by 'arith.select' lies"),
])
def test_lookalike_layers_stay_unfused_and_exact(name: str, reason: str) -> None:
    """Found in review: bodies whose widths or outputs differ from a requantization's, and
    outputs that may share the input's or filter's bytes, were fused and computed something
    else. Each now stays a separate loop, says why, and matches upstream's lowering."""
    text = (REGRESSIONS / name).read_text()
    (decision,) = [d for d in api.compile_module(text, emit_kind="mlir").decisions]
    assert decision.epilogue is not None and reason in decision.epilogue
    (check,) = check_file(text)
    assert check.bit_exact and check.problems == [], check.problems
