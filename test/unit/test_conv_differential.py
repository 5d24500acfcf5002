"""Quantized convolutions (linalg.conv_2d_nhwc_fhwc_q) tiled by mema as matmuls: filter as A,
the input im2col'ed into the packing buffer as B (zero point subtracted), the output as C with
its pixel-major strides. Random shapes, strides, filter sizes (rows padded to whole groups) and
zero points, run on the emulated Cortex-M4 against upstream MLIR's own lowering of the same
op, bit for bit, with the model's loads and stores exact and est. cycles within 5%."""

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
    # The cycle model's estimated part (llc's code around the kernels, overhead.py): within 5%.
    error = (check.predicted["cycles"] - check.measured["cycles"]) / check.measured["cycles"]
    assert abs(error) <= 0.05, f"{arguments}: est. cycles {error:+.1%}"


def test_pixel_offsets_past_a_halfword_take_a_word_table() -> None:
    """An input of 80 KB: the last pixel's offset passes 65,535, so the packing statements read
    a table of words (LDR, not LDRH); still bit-exact, with the table's loads predicted."""
    from mema_mlir import api

    rng = np.random.default_rng(5)
    arguments = (200, 200, 2, 3, (1, 1), (199, 199), -7, True)  # 2 x 2 output pixels
    text = conv_text(rng, *arguments)
    mlir = api.compile_module(text, emit_kind="mlir").output.decode()
    assert "@__mema_pixels0(dense<[0, 398, 79600, 79998]> : tensor<4xi32>)" in mlir
    assert "ldr $0, [$" in mlir and "ldrh $0" not in mlir
    (check,) = check_file(text, seed=1)
    assert check.problems == [] and check.counts_compared
