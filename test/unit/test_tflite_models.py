"""TFLite models end to end: imported, compiled by mema into one object, run on the emulated
Cortex-M4, and compared bit for bit with the LiteRT interpreter (its reference kernels)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mema_mlir.tflite_check import check_model

MODELS = Path(__file__).resolve().parents[2] / "examples" / "models"
SLOW = os.environ.get("MEMA_SLOW_TESTS") == "1"


def test_anomaly_detection_matches_litert() -> None:
    check = check_model(MODELS / "ad01_int8.tflite", inputs=2, seed=3)
    assert check.ok, [(run.exact, run.max_difference) for run in check.runs]
    # Self-contained: weights in flash, every intermediate tensor in the static arena.
    assert check.flash_bytes > 264_000  # the weights, 264,192 int8
    assert all(run.stack_reads < 100 for run in check.runs)


def test_anomaly_detection_matches_the_optimized_kernels_too() -> None:
    check = check_model(MODELS / "ad01_int8.tflite", inputs=1, seed=4, kernels="optimized")
    assert check.ok


@pytest.mark.skipif(not SLOW, reason="keyword spotting takes about 3 minutes per input on the emulator "
                                     "while its convolutions are not tiled yet; set MEMA_SLOW_TESTS=1")
def test_keyword_spotting_matches_litert() -> None:
    check = check_model(MODELS / "kws_ref_model.tflite", inputs=2, seed=5)
    assert check.ok, [(run.exact, run.max_difference) for run in check.runs]
