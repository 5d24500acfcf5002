"""Straight-line functions: a matmul whose outer loop has one trip lowers with no loop around its
statements (canonicalize folds it), and its prediction prices that code; a depthwise
convolution's one-trip row loop folds around a loop over its tiles. Checked on the
emulated cores: bit for bit, accesses equal, est. cycles within 5%, and the registers llc saves
read off the object's PUSH."""

from __future__ import annotations

import re

import numpy as np
import pytest
from mlir.ir import Context, Module

from mema_mlir import api
from mema_mlir.model.costs import straight_line_adjustment
from mema_mlir.random_matmuls import matmul_text
from mema_mlir.run import check_file
from mema_mlir.straight_line import statement_registers, straight_line_statements

# M, N, K, elem, B given [K, N], A constant, target
SHAPES = [
    (1, 1, 1, "i16", False, False, "cortex-m4"),  # one statement of 5 registers: no PUSH at all
    (1, 2, 1, "i16", False, False, "cortex-m4"),
    (2, 1, 8, "i16", False, False, "cortex-m4"),
    (1, 3, 3, "i8", True, True, "cortex-m4"),
    (3, 2, 29, "i8", True, False, "cortex-m4"),
    (4, 2, 7, "i16", False, True, "cortex-m4"),
    (3, 5, 19, "i8", False, False, "cortex-m4"),  # a strip and an edge tile: two statements
    (1, 4, 10, "i8", False, True, "cortex-m3"),  # the MLA micro-kernel
    (2, 5, 2, "i16", False, False, "cortex-m3"),
]


def _text(shape: tuple) -> str:
    m, n, k, elem, b_kn, a_constant, _ = shape
    return matmul_text(np.random.default_rng(m * 100 + n * 10 + k), m, n, k, elem, b_kn, a_constant)


def _runs_as_predicted(text: str, **options: object) -> None:
    """Bit-exact on the emulator, every access as predicted, est. cycles within 5% of the trace."""
    (check,) = check_file(text, **options)
    assert check.ok and check.bit_exact and check.counts_compared, check.problems
    error = (check.predicted["cycles"] - check.measured["cycles"]) / check.measured["cycles"]
    assert abs(error) <= 0.05, f"predicted {check.predicted['cycles']}, measured {check.measured['cycles']}"


def test_statement_registers_count_outputs_and_untied_inputs() -> None:
    assert statement_registers("=&r,=&r,=&r,=&r,1,2,r,~{cc},~{memory}") == 5
    assert statement_registers("=r,0,~{cc}") == 1


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s[:3])) + f"-{s[3]}-{s[6]}")
def test_straight_line_runs_and_is_predicted(shape: tuple) -> None:
    text, target = _text(shape), shape[6]
    llvm = api.compile_module(text, emit_kind="llvm", target=target)
    ir = llvm.output.decode() if isinstance(llvm.output, bytes) else llvm.output
    assert " phi " not in ir and "br label" not in ir, "a loop is left outside the statements"
    (decision,) = llvm.decisions
    straight = decision.predicted["straight_line"]
    asm = api.compile_module(text, emit_kind="asm", target=target).output
    asm = asm.decode() if isinstance(asm, bytes) else asm
    pushes = [line for line in asm.splitlines() if line.strip().startswith("push")]
    pushed = len(re.findall(r"\br\d+\b|\blr\b", pushes[0])) if pushes else 0
    assert pushed == straight["saved_registers"]
    _runs_as_predicted(text, target=target, seed=3)


@pytest.mark.parametrize("shape", [SHAPES[1], SHAPES[6], SHAPES[7]], ids=lambda s: "x".join(map(str, s[:3])))
def test_report_without_a_compile_predicts_the_straight_line_code(shape: tuple) -> None:
    """mema-analyze (the report of `mema-opt --mema-report` with no pipeline) gives the price a
    compile gives: straight-line pricing needs the statements' registers, read off a scratch
    rewrite."""
    text, target = _text(shape), shape[6]
    analyzed = api.compile_module(text, emit_kind="mlir", target=target,
                                  pipeline=f"builtin.module(mema-analyze{{target={target}}})")
    (analysis,) = analyzed.decisions
    (compiled,) = api.compile_module(text, emit_kind="obj", target=target).decisions
    assert "straight_line" in analysis.predicted
    assert analysis.predicted == compiled.predicted
    assert "mema.schedule" in str(analyzed.output) and "llvm.inline_asm" not in str(analyzed.output)


def test_looping_and_shared_functions_keep_the_nest_prediction() -> None:
    big = matmul_text(np.random.default_rng(0), 16, 16, 32, "i8", False, False)
    (decision,) = api.compile_module(big).decisions
    assert "straight_line" not in decision.predicted
    one = _text(SHAPES[2]).strip().splitlines()
    # Two matmuls in one function: neither is the function alone.
    body = [line for line in one[1:-2]]
    twice = "\n".join([one[0], *body, *body, *one[-2:]])
    decisions = api.compile_module(twice).decisions
    assert len(decisions) == 2 and all("straight_line" not in d.predicted for d in decisions)


def test_a_kernel_beside_other_code_keeps_the_nest_prediction() -> None:
    # The matmul writes a scratch buffer the function then reads: the extra code takes registers.
    text = """
    func.func @f(%a: memref<2x8xi16>, %b: memref<1x8xi16>, %out: memref<1xi32>) {
      %c = memref.alloc() : memref<2x1xi32>
      linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>,
                                     affine_map<(m, n, k) -> (m, n)>]
        ins(%a, %b : memref<2x8xi16>, memref<1x8xi16>) outs(%c : memref<2x1xi32>)
      %i = arith.constant 0 : index
      %v = memref.load %c[%i, %i] : memref<2x1xi32>
      memref.store %v, %out[%i] : memref<1xi32>
      memref.dealloc %c : memref<2x1xi32>
      return
    }"""
    (decision,) = api.compile_module(text).decisions
    assert not decision.skipped and "straight_line" not in decision.predicted


def test_convolution_of_one_block_is_straight_line() -> None:
    from mema_mlir.random_matmuls import conv_text

    text = conv_text(np.random.default_rng(5), 2, 3, 3, 4, (2, 2), (1, 1), 7, True)  # 2 output pixels
    (decision,) = api.compile_module(text).decisions
    assert "straight_line" in decision.predicted
    _runs_as_predicted(text, seed=5)


def test_requantized_convolution_of_one_pixel_is_straight_line() -> None:
    from mema_mlir.random_matmuls import requantized_conv_text

    # The bias fill and the requantization are fused, their int32 buffer dropped: the kernel is alone.
    text = requantized_conv_text(np.random.default_rng(1), 1, 2, 3, 8, (1, 2), (2, 1), 127, True,
                                 per_channel=True, bias_in_body=False)
    (decision,) = api.compile_module(text).decisions
    assert decision.fused_ops == 2 and "straight_line" in decision.predicted
    _runs_as_predicted(text, seed=1)


@pytest.mark.parametrize("schedule", ["weight:2x4", "input:2x4"])
def test_stationary_block_of_one_slice_is_straight_line(schedule: str) -> None:
    text = matmul_text(np.random.default_rng(9), 2, 2, 7, "i8", True, True)
    (decision,) = api.compile_module(text, schedule=schedule).decisions
    assert decision.schedule["kernel"].startswith("smlad-") and "straight_line" in decision.predicted
    _runs_as_predicted(text, seed=9, schedule=schedule)


def test_depthwise_of_one_row_is_straight_line() -> None:
    from mema_mlir.random_matmuls import depthwise_text

    text = depthwise_text(np.random.default_rng(4), 3, 5, 8, (3, 3), (1, 1), -128)  # 1 row: a tile, an edge
    (decision,) = api.compile_module(text).decisions
    assert "straight_line" in decision.predicted
    _runs_as_predicted(text, seed=4)


@pytest.mark.parametrize("width", [12, 13])  # 2-pixel tiles in a loop, with and without an edge tile
def test_depthwise_row_loop_of_one_trip_folds(width: int) -> None:
    from mema_mlir.random_matmuls import depthwise_text

    text = depthwise_text(np.random.default_rng(width), 3, width, 8, (3, 3), (1, 1), 0)  # one output row
    (decision,) = api.compile_module(text).decisions
    assert "straight_line" not in decision.predicted  # its tiles still loop
    _runs_as_predicted(text, seed=width)


def test_adjustment_saves_less_the_more_registers_are_pushed() -> None:
    savings = [-straight_line_adjustment([r])[1] for r in range(5, 15)]
    assert savings == sorted(savings, reverse=True) and savings[-1] > 0
    assert straight_line_adjustment([5])[0] == straight_line_adjustment([6])[0] - 1  # no PUSH, BX LR


def test_straight_line_statements_sees_loops() -> None:
    statement = 'llvm.inline_asm has_side_effects "mov $0, #1", "=&r,~{cc}" : () -> i32'
    with Context():
        module = Module.parse(f"""
          func.func @one_trip() {{
            affine.for %i = 0 to 2 step 2 {{ %r = {statement} }}
            return
          }}
          func.func @two_trips() {{
            affine.for %i = 0 to 4 step 2 {{ %r = {statement} }}
            return
          }}
          func.func @bare() {{
            return
          }}""")
        one_trip, two_trips, bare = (o.operation for o in module.body.operations)
        assert straight_line_statements(one_trip).statement_registers == [1]
        assert straight_line_statements(two_trips) is None
        assert straight_line_statements(bare) is None  # no statement: nothing to price
