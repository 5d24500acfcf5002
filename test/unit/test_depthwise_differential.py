"""Quantized depthwise convolutions (linalg.depthwise_conv_2d_nhwc_hwcm_q) tiled by mema: 4
channels (one input word) by P output pixels per micro-kernel, SMLABB/SMLATT against a filter
pre-expanded at compile time. Random shapes, filter sizes, strides and zero points (0 and -128
need no register, others SSUB16), run on the emulated Cortex-M4 against upstream MLIR's own
lowering, bit for bit, with the model's loads and stores exact."""

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
