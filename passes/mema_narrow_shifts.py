"""mema-narrow-shifts: 64-bit shifts by a per-element constant of 32 to 63, as 32-bit shifts.

A 32-bit core has no 64-bit shift: llc expands a shift of an i64 by a run-time amount into a
branch-free sequence of about ten instructions that covers amounts below and above 32. TOSA's
rescale (the requantization after every quantized layer, lowered by tosa-to-arith) computes
`(x * multiplier + (1 << shift) / 2) >> shift` in i64, with `shift` read per channel from a
constant tensor: the values are known at compile time, and in real models they are 32 or more
(the multiplier is a Q31 fraction). When every value a shift amount can take lies in [32, 63],
the shift touches one 32-bit half only:

    v >>s k  ==  sext((hi(v)) >>s (k - 32))        v >>u k  ==  zext(hi(v) >>u (k - 32))
    v <<  k  ==  (zext(lo(v) << (k - 32))) << 32

where hi/lo are the i64's halves (a shift by the constant 32 and a truncation, which llc turns
into a register choice). The rewrite is exact for every v; it applies inside `linalg.generic`
bodies whose shift amount is an extension of a block argument fed by a compile-time constant
(an `arith.constant` tensor or a constant `memref.global`), so it runs on tensors or memrefs.
Nothing else changes: amounts that are plain constants are already cheap, and a tensor with any
value outside [32, 63] leaves its shifts as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from mema_mlir.passes.common import run_guarded
from mlir.dialects import arith
from mlir.ir import (
    BlockArgument,
    InsertionPoint,
    IntegerAttr,
    IntegerType,
    Operation,
    OpView,
    Value,
    WalkResult,
)

from mema_mlir.matmul import constant_values
from mema_mlir.registry import register_pass

SHIFTS = ("arith.shrsi", "arith.shrui", "arith.shli")


def _operation(value: Value) -> Operation | None:
    owner = value.owner
    operation = owner.operation if isinstance(owner, OpView) else owner
    return operation if isinstance(operation, Operation) else None


def shift_range(amount: Value) -> tuple[int, int] | None:
    """The least and greatest value a shift amount takes, when it is an extension of a
    `linalg.generic` block argument whose operand is a compile-time constant."""
    extension = _operation(amount)
    if extension is None or extension.name not in ("arith.extui", "arith.extsi"):
        return None
    source = extension.operands[0]
    if not isinstance(source, BlockArgument):
        return None
    generic = source.owner.owner
    generic = generic.operation if isinstance(generic, OpView) else generic
    if generic is None or generic.name != "linalg.generic":
        return None
    # Only an input's block argument is its operand's element: an output's carries the running
    # value (a reduction's accumulator), whatever its initial contents.
    if source.arg_number >= len(generic.opview.inputs):
        return None
    if not isinstance(source.type, IntegerType) or IntegerType(source.type).width not in (8, 16, 32, 64):
        return None
    values = constant_values(generic.operands[source.arg_number])
    if values is None or values.size == 0:
        return None
    width = IntegerType(source.type).width
    values = values.astype(np.int64) & ((1 << width) - 1)  # the bits the extension reads
    if extension.name == "arith.extsi":
        values = np.where(values >= 1 << (width - 1), values - (1 << width), values)
    return int(values.min()), int(values.max())


def _narrow(op: Operation) -> None:
    """Replace one i64 shift (its amount known to lie in [32, 63]) by 32-bit shifts."""
    i32, i64 = IntegerType.get_signless(32), IntegerType.get_signless(64)
    value, amount = op.operands
    with InsertionPoint(op), op.location:
        c32_i64 = arith.ConstantOp(i64, IntegerAttr.get(i64, 32)).result
        c32 = arith.ConstantOp(i32, IntegerAttr.get(i32, 32)).result
        rest = arith.SubIOp(arith.TruncIOp(i32, amount).result, c32).result  # k - 32, in [0, 31]
        if op.name == "arith.shli":
            low = arith.TruncIOp(i32, value).result
            shifted = arith.ShLIOp(low, rest).result
            result = arith.ShLIOp(arith.ExtUIOp(i64, shifted).result, c32_i64).result
        else:
            high = arith.TruncIOp(i32, arith.ShRUIOp(value, c32_i64).result).result
            if op.name == "arith.shrsi":
                result = arith.ExtSIOp(i64, arith.ShRSIOp(high, rest).result).result
            else:
                result = arith.ExtUIOp(i64, arith.ShRUIOp(high, rest).result).result
    op.results[0].replace_all_uses_with(result)
    op.erase()


@register_pass("mema-narrow-shifts")
@dataclass(frozen=True)
class MemaNarrowShifts:
    """Rewrite i64 shifts by per-element constants in [32, 63] as 32-bit shifts of one half.

    TOSA rescale's per-channel shifts are such constants; the rewrite is exact for every input."""

    def __call__(self, root: Operation, pass_: object) -> None:
        run_guarded("mema-narrow-shifts", root, pass_, lambda: self._run(root))

    def _run(self, root: Operation) -> None:
        found: list[Operation] = []

        def visit(op: Operation) -> WalkResult:
            if op.name in SHIFTS and str(op.results[0].type) == "i64":
                span = shift_range(op.operands[1])
                if span is not None and 32 <= span[0] and span[1] <= 63:
                    found.append(op)
            return WalkResult.ADVANCE

        root.walk(visit)
        for op in found:
            _narrow(op)
