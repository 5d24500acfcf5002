"""Quantized depthwise convolutions (linalg.depthwise_conv_2d_nhwc_hwcm_q) tiled by mema: 4
channels (one input word) by P output pixels per micro-kernel, SMLABB/SMLATT against a filter
pre-expanded at compile time. Random shapes, filter sizes, strides and zero points (0 and -128
need no register, others SSUB16), run on the emulated Cortex-M4 against upstream MLIR's own
lowering, bit for bit, with the model's loads and stores exact and est. cycles within 5%."""

from __future__ import annotations

import numpy as np
import pytest

from mema_mlir.random_matmuls import depthwise_text, draw_depthwise
from mema_mlir.run import check_file

CASES = 30


@pytest.mark.parametrize("case", range(CASES))
def test_random_depthwise_is_bit_exact_and_predicted(case: int) -> None:
    rng = np.random.default_rng(88000 + case)
    arguments = draw_depthwise(rng)
    (check,) = check_file(depthwise_text(rng, *arguments), seed=case)
    assert check.matmuls != ["skipped"], arguments
    assert check.counts_compared and not check.numpy_checked
    assert check.problems == [], arguments
    # The cycle model's estimated part (llc's code around the kernels, overhead.py): within 5%.
    error = (check.predicted["cycles"] - check.measured["cycles"]) / check.measured["cycles"]
    assert abs(error) <= 0.05, f"{arguments}: est. cycles {error:+.1%}"


@pytest.mark.parametrize("requant", [False, True], ids=["int32", "requantized"])
def test_emulator_times_a_depthwise_strip(requant: bool) -> None:
    """One tile of pixels over 3 blocks of 4 channels, one strip statement (one output row as
    wide as the tile): the trace's est. cycles over the strip's body (every address that runs
    once per block) are what Strip.execution() says, entry and exit apart, and the statement's
    data accesses are the trace's."""
    from mema_mlir import api
    from mema_mlir.emulator import Buffer, run_function
    from mema_mlir.model import load_target
    from mema_mlir.model.depthwise import DepthwiseProblem, choose_depthwise
    from mema_mlir.model.microkernel import _cycles
    from mema_mlir.random_matmuls import requantized_depthwise_text

    rng = np.random.default_rng(7)
    height, width, channels, taps = 3, 4, 12, (3, 3)  # one output row of 2 pixels
    arguments = (height, width, channels, taps, (1, 1), 0)
    text = (requantized_depthwise_text(rng, *arguments, per_channel=True) if requant
            else depthwise_text(rng, *arguments))
    problem = DepthwiseProblem(height, width, channels, *taps, 1, 1, 1, 2, 0, requant=requant)
    pixels = choose_depthwise(problem, load_target("cortex-m4")).pixels
    assert pixels == 2 and problem.strips
    strip = problem.statement(pixels)
    obj = api.compile_module(text).output
    x = rng.integers(-128, 128, (1, height, width, channels), dtype=np.int8)
    y = np.zeros((1, 1, 2, channels) if requant else (1, 1, 2, channels, 1), np.int8 if requant else np.int32)
    name = "qdw" if requant else "dwconv"
    result = run_function(obj, name, [Buffer("X", x, "sram"), Buffer("Y", y, "sram")])
    body = [address for address, count in result.exec_counts.items() if count == problem.blocks]
    ex = strip.execution()
    entry_exit = _cycles(strip.entry, after_single=False) + _cycles(strip.exit, after_single=False)
    assert len(body) == len(strip.tile.lines()) + len(strip.step) + 1  # the blocks' code, step and BNE
    assert sum(result.cycles_at[address] for address in body) == ex.cycles - entry_exit
    traffic = result.traffic.buffers
    assert traffic["X"].reads == ex.loads["B"]
    assert traffic["Y"].writes == ex.stores["C"]
    assert result.traffic.stack.reads >= problem.blocks  # the step reads the end address per block
