"""mema-narrow-shifts on the emulated Cortex-M4: i64 shifts by per-channel constants in
[32, 63] rewritten as 32-bit shifts give the same bits as upstream's lowering of the original,
for random inputs with the int32 extremes planted, random multipliers (extremes included) and
every kind of shift (arithmetic right, logical right, left)."""

from __future__ import annotations

import numpy as np
import pytest

from mema_mlir import api
from mema_mlir.lowering.stages import COMPILE_PIPELINE, LOWERING_NAME
from mema_mlir.run import check_file

CASES = 8


def rescale_text(rng: np.random.Generator, rows: int, channels: int, shifts: np.ndarray) -> str:
    """@rescale: TOSA's rescale body (x * m + (1 << k) / 2) >> k, per channel m and k from
    constant globals, into three i32 outputs: arithmetic, logical, and a left shift's high half."""
    multipliers = rng.integers(-(1 << 31), 1 << 31, channels)
    multipliers[:3] = [(1 << 31) - 1, -(1 << 31), 1 << 30][: min(3, channels)]
    x_type, y_type = f"memref<{rows}x{channels}xi32>", f"memref<{rows}x{channels}xi32>"
    maps = "[affine_map<(r, c) -> (r, c)>, affine_map<(r, c) -> (c)>, affine_map<(r, c) -> (c)>, " \
           "affine_map<(r, c) -> (r, c)>, affine_map<(r, c) -> (r, c)>, affine_map<(r, c) -> (r, c)>]"
    return f"""
memref.global "private" constant @mult : memref<{channels}xi32> = dense<{multipliers.tolist()}>
memref.global "private" constant @shift : memref<{channels}xi8> = dense<{shifts.tolist()}>
func.func @rescale(%x: {x_type}, %ys: {y_type}, %yu: {y_type}, %yl: {y_type}) {{
  %m = memref.get_global @mult : memref<{channels}xi32>
  %k = memref.get_global @shift : memref<{channels}xi8>
  %c1 = arith.constant 1 : i64
  %c32 = arith.constant 32 : i64
  linalg.generic {{indexing_maps = {maps}, iterator_types = ["parallel", "parallel"]}}
      ins(%x, %m, %k : {x_type}, memref<{channels}xi32>, memref<{channels}xi8>)
      outs(%ys, %yu, %yl : {y_type}, {y_type}, {y_type}) {{
  ^bb0(%xi: i32, %mi: i32, %ki: i8, %o1: i32, %o2: i32, %o3: i32):
    %x64 = arith.extsi %xi : i32 to i64
    %m64 = arith.extsi %mi : i32 to i64
    %k64 = arith.extui %ki : i8 to i64
    %prod = arith.muli %x64, %m64 : i64
    %one = arith.shli %c1, %k64 : i64
    %half = arith.shrui %one, %c1 : i64
    %sum = arith.addi %prod, %half : i64
    %s = arith.shrsi %sum, %k64 : i64
    %u = arith.shrui %sum, %k64 : i64
    %l = arith.shli %x64, %k64 : i64
    %lh = arith.shrui %l, %c32 : i64
    %s32 = arith.trunci %s : i64 to i32
    %u32 = arith.trunci %u : i64 to i32
    %l32 = arith.trunci %lh : i64 to i32
    linalg.yield %s32, %u32, %l32 : i32, i32, i32
  }}
  return
}}
"""


@pytest.mark.parametrize("case", range(CASES))
def test_narrowed_shifts_are_bit_exact(case: int) -> None:
    rng = np.random.default_rng(5100 + case)
    rows, channels = int(rng.integers(1, 9)), int(rng.integers(3, 40))
    shifts = rng.integers(32, 64, channels)
    shifts[0], shifts[-1] = 32, 63
    text = rescale_text(rng, rows, channels, shifts)
    (check,) = check_file(text, seed=case)
    assert check.bit_exact and check.problems == [], check.problems
    # ... and the object compared is the rewritten one: after the compile pipeline (before the
    # lowering), every i64 shift left is by a constant (32, or the rounding term's 1).
    before_lowering = COMPILE_PIPELINE.replace(f",{LOWERING_NAME}", "")
    rewritten = api.compile_module(text, emit_kind="mlir", pipeline=before_lowering).output.decode()
    shifts_i64 = [line for line in rewritten.splitlines()
                  if line.strip().split(" = ")[-1].startswith(("arith.shrsi", "arith.shrui", "arith.shli"))
                  and line.rstrip().endswith(": i64")]
    assert len(shifts_i64) >= 4, rewritten
    amounts = [line.split(",")[-1].split(":")[0].strip() for line in shifts_i64]
    assert all(amount.startswith(("%c32_i64", "%c1_i64")) for amount in amounts), shifts_i64
