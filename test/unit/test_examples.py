"""The bundled examples, end to end: compiled by mema-opt's pipeline, run on the emulated
Cortex-M4, bit-exact with numpy, and with exactly the loads and stores the model predicted."""

from __future__ import annotations

from pathlib import Path

import pytest

from mema_mlir.run import check_file

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("name", ["conv-layer", "first-conv", "fc-layer", "prime-shape"])
def test_example_runs_bit_exact_with_predicted_accesses(name: str) -> None:
    (check,) = check_file((EXAMPLES / f"{name}.mlir").read_text(), seed=7)
    assert check.numpy_checked, "a single-matmul example is checked against numpy"
    assert check.bit_exact
    assert check.problems == []
    for key in ("loads", "stores", "load_bytes", "store_bytes"):
        assert check.predicted[key] == check.measured[key], key
    # The hottest loop is timed by llvm-mca too (a cross-check of the timing table, not a bound).
    assert check.hot_loop is not None and check.hot_loop["mca_cycles_per_iteration"] is not None
    assert 0.5 < check.hot_loop["mca_over_trace"] < 2.0
