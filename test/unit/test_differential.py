"""Differential test: random matmuls through the whole pipeline (mema-tile, lowering, llc), run on
the emulated Cortex-M4, against numpy bit for bit, with the model's loads and stores exact.

Each case draws M, N, K in 1..130 (small primes and non-multiples of every tile included), int8
or int16, B K-contiguous or not, A constant (re-laid out in flash) or an argument, C starting
non-zero, the types' extreme values planted, on the DSP and the no-DSP target. Every fifth
run-time case passes A and C as subviews of whole rows (a static offset) and is checked against
upstream MLIR's own lowering instead of numpy. Every case's est. cycles are within 5% of the
trace's. The product M*N*K is capped so that a CI run stays short;
benchmarks/soak_differential.py runs the long form (and can lift the cap).
"""

from __future__ import annotations

import numpy as np
import pytest

from mema_mlir.random_matmuls import draw_case, matmul_text
from mema_mlir.run import check_file

CASES = 300
MAX_MACS = 60_000


@pytest.mark.parametrize("case", range(CASES))
def test_random_matmul_is_bit_exact_and_predicted(case: int) -> None:
    rng = np.random.default_rng(20261124 + case)
    m, n, k, elem, b_kn, a_constant, target = draw_case(rng, MAX_MACS)
    row_subviews = case % 5 == 0 and not a_constant  # checked against upstream MLIR's own lowering
    text = matmul_text(rng, m, n, k, elem, b_kn, a_constant, row_subviews)
    (check,) = check_file(text, target=target, seed=case)
    assert check.numpy_checked != row_subviews
    assert check.matmuls == [f"{m}x{n}x{k}"], "the matmul was tiled"
    assert check.problems == [], f"{m}x{n}x{k} {elem} b_kn={b_kn} a_const={a_constant} {target} subviews={row_subviews}"
    # The cycle model's estimated part (llc's code around the kernels, overhead.py): within 5%.
    error = (check.predicted["cycles"] - check.measured["cycles"]) / check.measured["cycles"]
    assert abs(error) <= 0.05, f"{m}x{n}x{k} {elem} {target}: est. cycles {error:+.1%}"
