"""Quantized convolutions (linalg.conv_2d_nhwc_fhwc_q) tiled by mema as matmuls: filter as A,
the input im2col'ed into the packing buffer as B (zero point subtracted), the output as C with
its pixel-major strides. Random shapes, strides, filter sizes (rows padded to whole groups) and
zero points, run on the emulated Cortex-M4 against upstream MLIR's own lowering of the same
op, bit for bit, with the model's loads and stores exact."""

from __future__ import annotations

import numpy as np
import pytest

from mema_mlir.random_matmuls import conv_text, draw_conv
from mema_mlir.run import check_file

CASES = 40


@pytest.mark.parametrize("case", range(CASES))
def test_random_conv_is_bit_exact_and_predicted(case: int) -> None:
    rng = np.random.default_rng(77000 + case)
    arguments = draw_conv(rng)
    (check,) = check_file(conv_text(rng, *arguments), seed=case)
    assert check.matmuls != ["skipped"], arguments
    assert check.counts_compared and not check.numpy_checked
    assert check.problems == [], arguments
