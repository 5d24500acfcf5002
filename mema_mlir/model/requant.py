"""The requantization a quantized layer ends with, and the table that lets a register tile do it.

What the IR computes (tosa.rescale rounded once, as mema-import asks for), per output channel f
with multiplier M[f] (int32) and shift s[f]:

    y = clamp(((acc * M + 2^(s-1)) >> s) + zp_out, lo, hi)      (64-bit product, arithmetic shift)

With s = 32 + t and t >= 1, let hi(x) = x >> 32 (the high word SMMLA adds). Then, exactly,

    (acc * M + 2^(s-1)) >> s = (hi(acc * M) + 2^(t-1)) >> t

because the low word of the product only adds a fraction below 1 before a floor, and a multiple
of 2^t commutes with the shift, so zp_out joins the same addend: addend = 2^(t-1) + zp_out * 2^t.
|acc * M| < 2^62 keeps |hi| <= 2^30, so the 32-bit sum cannot overflow while t <= MAX_EXTRA_SHIFT.
The clamp to [-128, 127] is one SSAT #8.

The input zero point folds into the bias when the weights are constants:
sum_k W[f,k] * (x_k - zp_in) = sum_k W[f,k] * x_k - zp_in * sum_k W[f,k] (modulo 2^32 both ways;
the im2col reads an input already padded with zp_in, so padded taps still contribute 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mema_mlir.model.microkernel import REQUANT_ROW_BYTES

# The largest t = s - 32 whose addend keeps the 32-bit sum exact (2^30 + 2^(t-1) + 128 * 2^t < 2^31).
MAX_EXTRA_SHIFT = 22


@dataclass(frozen=True)
class Requantization:
    """Per-channel (length F) or per-tensor (length 1) parameters of one requantization."""

    multiplier: np.ndarray  # int64 values of the int32 multipliers
    shift: np.ndarray  # int64 shifts (the IR's s)
    output_zero_point: int
    low: int  # the clamp
    high: int

    def unsupported(self) -> str | None:
        """Why the register tile cannot do this requantization (None when it can)."""
        if (self.low, self.high) != (-128, 127):
            return f"clamp [{self.low}, {self.high}]: only [-128, 127] (SSAT #8) is fused"
        if not -128 <= self.output_zero_point <= 127:
            return f"output zero point {self.output_zero_point} is outside int8"
        if np.any((self.multiplier < -2**31) | (self.multiplier >= 2**31)):
            return "a multiplier does not fit 32 bits"
        low, high = int(self.shift.min()), int(self.shift.max())
        if low < 33 or high > 32 + MAX_EXTRA_SHIFT:
            return (f"shifts {low}..{high}: the fused requantization needs 33..{32 + MAX_EXTRA_SHIFT} "
                    "(the high word of the product, then an arithmetic shift)")
        return None


def wrap_int32(values: np.ndarray) -> np.ndarray:
    """Two's-complement wrap to int32 of int64 values."""
    return ((values.astype(np.int64) + 2**31) % 2**32 - 2**31).astype(np.int64)


def parameter_table(requant: Requantization, bias: np.ndarray, channels: int) -> np.ndarray:
    """The int32 table the tile reads, REQUANT_ROW_BYTES per channel: bias (already holding
    any folded zero point), multiplier, addend, shift - 32."""
    assert requant.unsupported() is None, requant.unsupported()
    table = np.zeros((channels, REQUANT_ROW_BYTES // 4), dtype=np.int64)
    extra = np.broadcast_to(requant.shift - 32, (channels,))
    table[:, 0] = wrap_int32(np.broadcast_to(bias, (channels,)))
    table[:, 1] = np.broadcast_to(requant.multiplier, (channels,))
    table[:, 2] = (1 << (extra - 1)) + requant.output_zero_point * (1 << extra)
    table[:, 3] = extra
    return table.astype(np.int32)


def folded_bias(bias: np.ndarray, weights: np.ndarray, input_zero_point: int) -> np.ndarray:
    """bias[f] - zp_in * sum_k W[f, k], wrapped to int32 (weights as [F, ...])."""
    sums = weights.reshape(weights.shape[0], -1).astype(np.int64).sum(axis=1)
    return wrap_int32(bias.astype(np.int64) - input_zero_point * sums)


def reference(acc: np.ndarray, requant: Requantization, channel_axis: int = -1) -> np.ndarray:
    """The IR's requantization of int32 accumulators, as numpy (for tests): int8 results."""
    shape = [1] * acc.ndim
    shape[channel_axis] = -1
    multiplier = requant.multiplier.reshape(shape) if requant.multiplier.size > 1 else requant.multiplier
    shift = requant.shift.reshape(shape) if requant.shift.size > 1 else requant.shift
    product = acc.astype(np.int64) * multiplier.astype(np.int64)
    rounded = (product + (np.int64(1) << (shift - 1))) >> shift
    value = wrap_int32(rounded) + requant.output_zero_point
    return np.clip(value, requant.low, requant.high).astype(np.int8)


def tile_arithmetic(acc: np.ndarray, table_row: np.ndarray) -> np.ndarray:
    """What SMMLA, ASR and SSAT #8 compute for accumulators of one channel (for tests)."""
    multiplier, addend, extra = (int(v) for v in table_row[1:4])
    high = (acc.astype(np.int64) * multiplier) >> 32
    total = wrap_int32(high + addend)
    return np.clip(total >> extra, -128, 127).astype(np.int8)
