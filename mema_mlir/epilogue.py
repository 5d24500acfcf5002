"""Find a quantized convolution's bias and requantization, so that mema-tile can fuse them into
the register tile (model.requant has the arithmetic).

After bufferization a TFLite layer is three ops on one int32 buffer:

    linalg.generic  ins(bias : memref<Fxi32>) outs(acc)         the bias broadcast (or a fill)
    linalg.conv_2d_nhwc_fhwc_q ins(x, w, zp_in, 0) outs(acc)
    linalg.generic  ins(acc, M : memref<Fxi32>, s : memref<Fxi8>) outs(y : ...xi8)
        y = clamp(((i64(acc [+ bias]) * M + (1 << s >> 1)) >> s) + zp_out, -128, 127)

(per-tensor parameters appear as constants folded into the body instead). Everything is
matched exactly, op by op; anything else (another input in the body, a clamp other than int8's,
shifts outside 33..54, the int32 buffer used elsewhere, ops with memory effects in between)
leaves the layer unfused, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from mlir.ir import BlockArgument, MemRefType, Operation, OpView, Value

from mema_mlir.ir_query import buffer_root, constant_int, defining_op
from mema_mlir.matmul import UnsupportedMatmul, _memref, constant_values
from mema_mlir.model.requant import Requantization

# Ops that may sit between the bias fill, the convolution and the requantization: they touch no
# memory, so the three can become one nest at the requantization's place.
_INERT = ("memref.alloc", "arith.constant", "memref.get_global", "memref.subview", "memref.view",
          "memref.collapse_shape", "memref.expand_shape", "memref.cast")


@dataclass(frozen=True)
class FusedEpilogue:
    """What the fused tile replaces and what it computes."""

    init: Operation | None  # the bias broadcast or fill of the int32 buffer
    consumer: Operation  # the requantizing linalg.generic
    accumulator: Value  # the int32 buffer (dropped once unused)
    output: Value  # the int8 buffer the tile now writes
    bias: np.ndarray  # (F,) int64: the init's bias plus any bias the body adds
    requant: Requantization


class NotFusable(Exception):
    """Why a layer's requantization stays a loop of its own. `candidate` is false when nothing
    after the convolution looks like a requantization (a linalg.generic writing int8): then
    there was nothing to fuse, which remarks need not mention."""

    def __init__(self, reason: str, candidate: bool = True) -> None:
        super().__init__(reason)
        self.candidate = candidate


def _writes_int8(op: Operation) -> bool:
    if op.name != "linalg.generic" or not op.operands:
        return False
    written = op.operands[len(op.operands) - 1].type
    return isinstance(written, MemRefType) and str(written.element_type) == "i8"


# Where a buffer can come from such that two different roots never share bytes (function
# arguments are taken not to overlap, as the C header's pointers are).
_DISTINCT_ROOTS = ("memref.alloc", "memref.alloca", "memref.get_global")


def _check_apart(output: Value, operands: list[Value]) -> None:
    """The fused nest writes `output` while it still reads `operands` (input, filter): refuse
    unless each is a different buffer, every root known (an alloc, a global or an argument;
    not, say, an arith.select between buffers)."""
    roots = [buffer_root(value) for value in [output, *operands]]
    for root in roots:
        op = defining_op(root)
        if op is not None and op.name not in _DISTINCT_ROOTS:
            raise NotFusable(f"cannot tell where the buffer made by '{op.name}' lies: the requantization's "
                             "output may overlap the convolution's operands")
    if any(root == roots[0] for root in roots[1:]):
        raise NotFusable("the requantization's output shares a buffer with the convolution's operands")


def _users(value: Value) -> list[Operation]:
    found = []
    for use in value.uses:
        owner = use.owner
        found.append(owner.operation if isinstance(owner, OpView) else owner)
    return found


def _between_inert(block_ops: list[Operation], first: int, last: int) -> None:
    for op in block_ops[first + 1:last]:
        if op.name not in _INERT:
            raise NotFusable(f"'{op.name}' sits between the convolution and its bias or requantization")


def _maps(op: Operation) -> list[str]:
    return [str(attr) for attr in op.attributes["indexing_maps"]]


def _identity_map(rank: int) -> str:
    dims = ", ".join(f"d{i}" for i in range(rank))
    return f"affine_map<({dims}) -> ({dims})>"


def _channel_map(rank: int) -> str:
    """NHWC (rank 4): the channel d3; a depthwise output NHWCM (rank 5, M = 1): (d3, d4)."""
    dims = ", ".join(f"d{i}" for i in range(rank))
    return f"affine_map<({dims}) -> ({', '.join(f'd{i}' for i in range(3, rank))})>"


def _channel_constant(op: Operation, index: int, channels: int, rank: int) -> np.ndarray:
    """Input `index` of a generic: a constant indexed by the channel alone, as (F,)."""
    if _maps(op)[index] != _channel_map(rank):
        raise NotFusable("a requantization parameter is not indexed by the output channel alone")
    values = constant_values(op.operands[index])
    if values is None or values.size != channels:
        raise NotFusable("a requantization parameter is not a compile-time constant per channel")
    return values.reshape(channels).astype(np.int64)


def _read_init(init: Operation, channels: int, rank: int) -> np.ndarray:
    """The bias an init op writes into the int32 buffer, as (F,)."""
    if init.name == "linalg.fill":
        value = constant_int(init.operands[0])
        if value is None:
            raise NotFusable("the accumulator is filled with a value not known at compile time")
        return np.full(channels, value, dtype=np.int64)
    if (init.name != "linalg.generic" or len(init.operands) != 2
            or _maps(init) != [_channel_map(rank), _identity_map(rank)]):
        raise NotFusable(f"the accumulator is initialised by '{init.name}', not a bias broadcast")
    body = list(init.regions[0].blocks[0].operations)
    block = init.regions[0].blocks[0]
    if len(body) != 1 or body[0].operation.name != "linalg.yield" or body[0].operands[0] != block.arguments[0]:
        raise NotFusable("the accumulator's initialisation is not a plain bias broadcast")
    return _channel_constant(init, 0, channels, rank)


class _BodyReader:
    """Matches the requantization body backwards from its yield, op by op."""

    def __init__(self, op: Operation, channels: int, rank: int, accumulator_index: int) -> None:
        self.op = op
        self.channels = channels
        self.rank = rank
        self.accumulator_index = accumulator_index
        self.block = op.regions[0].blocks[0]
        self.matched_ops: list[Operation] = []
        self.shared: Operation | None = None  # the shift's extension, read by shli and shrsi

    def defining(self, value: Value, name: str, result: str, operand: str | None = None) -> Operation:
        """The op of this body defining `value`: `name`, with that result type (and first
        operand type): the widths are the arithmetic, an i16 trunci or an i48 multiply would
        compute something else."""
        op = defining_op(value)
        if op is None or op.name != name or op.parent != self.op:
            raise NotFusable(f"the requantization does not have the expected {name}")
        if str(op.results[0].type) != result or (operand is not None and str(op.operands[0].type) != operand):
            raise NotFusable(f"the requantization's {name} is not {operand + ' -> ' if operand else ''}{result}")
        if op not in self.matched_ops:
            self.matched_ops.append(op)
        return op

    def argument(self, value: Value) -> int:
        if not isinstance(value, BlockArgument):
            raise NotFusable("the requantization reads a value that is not one of its inputs")
        return value.arg_number

    def channel_value(self, value: Value) -> np.ndarray:
        """A per-channel input's constants, or a scalar constant broadcast."""
        constant = constant_int(value)
        if constant is not None:
            return np.array([constant], dtype=np.int64)
        index = self.argument(value)
        if index == self.accumulator_index or index >= len(self.op.operands) - 1:
            raise NotFusable("the requantization's parameters are not separate inputs")
        return _channel_constant(self.op, index, self.channels, self.rank)

    def read(self) -> tuple[Requantization, np.ndarray]:
        ops = [o.operation for o in self.block.operations]
        yield_op = ops[-1]
        if len(yield_op.operands) != 1:
            raise NotFusable("the requantization writes more than one output")
        to_i8 = self.defining(yield_op.operands[0], "arith.trunci", "i8", "i32")
        clamp_outer = defining_op(to_i8.operands[0])
        if clamp_outer is None or clamp_outer.name not in ("arith.minsi", "arith.maxsi"):
            raise NotFusable("the requantization has no clamp")
        outer = self.defining(to_i8.operands[0], clamp_outer.name, "i32")
        inner_name = "arith.maxsi" if outer.name == "arith.minsi" else "arith.minsi"
        inner = self.defining(outer.operands[0], inner_name, "i32")
        bounds = {outer.name: constant_int(outer.operands[1]), inner.name: constant_int(inner.operands[1])}
        low, high = bounds["arith.maxsi"], bounds["arith.minsi"]
        if low is None or high is None:
            raise NotFusable("the requantization's clamp bounds are not constants")
        shifted = inner.operands[0]
        zero_point = 0
        op = defining_op(shifted)
        if op is not None and op.name == "arith.addi":
            add = self.defining(shifted, "arith.addi", "i32")
            zp = constant_int(add.operands[1])
            if zp is None:
                raise NotFusable("the output zero point is not a constant")
            zero_point, shifted = zp, add.operands[0]
        to_i32 = self.defining(shifted, "arith.trunci", "i32", "i64")
        shr = self.defining(to_i32.operands[0], "arith.shrsi", "i64")
        shift = self.shift_amount(shr.operands[1])
        rounded = self.defining(shr.operands[0], "arith.addi", "i64")
        product_value, rounding = rounded.operands[0], rounded.operands[1]
        self.check_rounding(rounding, shr.operands[1], shift)
        product = self.defining(product_value, "arith.muli", "i64")
        widened = self.defining(product.operands[0], "arith.extsi", "i64", "i32")
        multiplier = self.multiplier(product.operands[1])
        accumulated = widened.operands[0]
        bias = np.zeros(1, dtype=np.int64)
        if not isinstance(accumulated, BlockArgument):
            add = self.defining(accumulated, "arith.addi", "i32")
            first, second = add.operands
            if self.is_accumulator(second):
                first, second = second, first
            if not self.is_accumulator(first):
                raise NotFusable("the requantization does not read the convolution's result")
            bias = self.channel_value(second)
        elif not self.is_accumulator(accumulated):
            raise NotFusable("the requantization does not read the convolution's result")
        if len(self.matched_ops) + 1 != len(ops):
            raise NotFusable("the requantization's body computes more than a requantization")
        for matched in self.matched_ops:
            uses = len(list(matched.results[0].uses))
            if uses != (2 if self.shared is not None and matched == self.shared else 1):
                raise NotFusable("an intermediate value of the requantization is used twice")
        return Requantization(multiplier, shift, zero_point, low, high), bias

    def is_accumulator(self, value: Value) -> bool:
        return isinstance(value, BlockArgument) and value.arg_number == self.accumulator_index

    def shift_amount(self, value: Value) -> np.ndarray:
        constant = constant_int(value)
        if constant is not None:
            return np.array([constant], dtype=np.int64)
        extended = self.defining(value, "arith.extui", "i64", "i8")
        return self.channel_value(extended.operands[0]) % 256  # i8 read unsigned

    def check_rounding(self, rounding: Value, shift_value: Value, shift: np.ndarray) -> None:
        constant = constant_int(rounding)
        if constant is not None:
            if shift.size != 1 or constant != 1 << (int(shift[0]) - 1):
                raise NotFusable("the rounding term is not half of the shift's unit")
            return
        half = self.defining(rounding, "arith.shrui", "i64")
        unit = self.defining(half.operands[0], "arith.shli", "i64")
        if (constant_int(half.operands[1]) != 1 or constant_int(unit.operands[0]) != 1
                or unit.operands[1] != shift_value):
            raise NotFusable("the rounding term is not (1 << shift) >> 1")
        self.shared = defining_op(shift_value)  # read by this shli and by the shrsi

    def multiplier(self, value: Value) -> np.ndarray:
        constant = constant_int(value)
        if constant is not None:
            return np.array([constant], dtype=np.int64)
        extended = self.defining(value, "arith.extsi", "i64", "i32")
        return self.channel_value(extended.operands[0])


def read_requant_epilogue(conv: Operation, channels: int) -> FusedEpilogue:
    """The bias fill and requantization around `conv` (a linalg.conv_2d_nhwc_fhwc_q on memrefs
    with F = `channels` filters), or NotFusable with the reason."""
    accumulator = conv.operands[4]
    if not any(_writes_int8(user) for user in _users(accumulator)):
        raise NotFusable("no requantization (a linalg.generic writing int8) reads the result", candidate=False)
    acc_op = defining_op(accumulator)
    if acc_op is None or acc_op.name != "memref.alloc":
        raise NotFusable("the convolution's int32 result is not a buffer of its own (memref.alloc)")
    block_ops = [o.operation for o in conv.block.operations]
    position = {_key(op): index for index, op in enumerate(block_ops)}
    users = _users(accumulator)
    conv_at = position.get(_key(conv))
    if conv_at is None:
        raise NotFusable("the convolution is not in a plain block")
    init = consumer = None
    for user in users:
        at = position.get(_key(user))
        if at is None:
            raise NotFusable("the int32 result is used inside another op's region")
        if user.name == "memref.dealloc" or at == conv_at:
            continue
        if at < conv_at:
            if init is not None:
                raise NotFusable("the int32 result is written by more than one op before the convolution")
            init = user
        else:
            if consumer is not None:
                raise NotFusable("the int32 result is read by more than one op after the convolution")
            consumer = user
    if init is None:
        raise NotFusable("nothing initialises the convolution's accumulator (no bias fill)")
    if consumer is None or consumer.name != "linalg.generic":
        raise NotFusable("the convolution's result is not requantized by a linalg.generic")
    init_at, consumer_at = position[_key(init)], position[_key(consumer)]
    _between_inert(block_ops, init_at, conv_at)
    _between_inert(block_ops, conv_at, consumer_at)
    rank = len(MemRefType(accumulator.type).shape)
    inputs = list(consumer.operands)[:-1]
    reads = [index for index, value in enumerate(inputs) if value == accumulator]
    if len(reads) != 1 or len(consumer.results) != 0 or len(consumer.operands) < 2:
        raise NotFusable("the requantization does not read the int32 result as one of its inputs")
    iterators = [str(attr) for attr in consumer.attributes["iterator_types"]]
    maps = _maps(consumer)
    if (any("parallel" not in it for it in iterators) or maps[reads[0]] != _identity_map(rank)
            or maps[-1] != _identity_map(rank)):
        raise NotFusable("the requantization is not element-wise over the output")
    output = consumer.operands[len(consumer.operands) - 1]
    out_type = MemRefType(output.type)
    if str(out_type.element_type) != "i8" or list(out_type.shape) != list(MemRefType(accumulator.type).shape):
        raise NotFusable(f"the requantization writes {out_type}, not int8 of the convolution's shape")
    try:
        _, offset = _memref(output, "output")
    except UnsupportedMatmul:
        offset = -1
    if offset != 0:
        raise NotFusable("the requantization's output is not a whole row-major buffer")
    _check_apart(output, [conv.operands[0], conv.operands[1]])
    bias = _read_init(init, channels, rank)
    requant, body_bias = _BodyReader(consumer, channels, rank, reads[0]).read()
    reason = requant.unsupported()
    if reason:
        raise NotFusable(reason)
    return FusedEpilogue(init, consumer, accumulator, output, bias + body_bias, requant)


def _key(op: Operation) -> int:
    """An operation's identity across Python wrappers of it."""
    return hash(op)
