"""Recognise the `linalg.matmul` ops (and the quantized convolutions seen as matmuls) mema can
tile, and say precisely why when it cannot.

Supported: static-shape memrefs laid out row-major (the identity, or subviews of whole rows with a
static offset), i8 x i8 -> i32 or i16 x i16 -> i32, signed cast, and either the default maps or B
transposed through `indexing_maps` (B as [N, K], the K-contiguous form a NHWC activation tensor
gives). Everything else is reported, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from mlir.ir import (
    AffineMap,
    AffineMapAttr,
    ArrayAttr,
    DenseIntElementsAttr,
    IntegerAttr,
    IntegerType,
    MemRefType,
    Operation,
    OpView,
    ShapedType,
    Value,
)

from mema_mlir.ir_query import global_of
from mema_mlir.model.depthwise import DepthwiseProblem
from mema_mlir.model.im2col import table_entry_bytes

_IDENTITY_MAPS = ("(d0, d2)", "(d2, d1)", "(d0, d1)")
_TRANSPOSED_B_MAPS = ("(d0, d2)", "(d1, d2)", "(d0, d1)")


class UnsupportedMatmul(Exception):
    """This matmul cannot be tiled by mema; the message says why and what would be accepted."""


CONV_OP = "linalg.conv_2d_nhwc_fhwc_q"
DEPTHWISE_OP = "linalg.depthwise_conv_2d_nhwc_hwcm_q"
TILED_OPS = ("linalg.matmul", CONV_OP, DEPTHWISE_OP)


@dataclass(frozen=True)
class ConvGeometry:
    """A quantized NHWC x FHWC convolution as the matmul C[F, OH*OW] += A[F, K] . B[OH*OW, K]:
    A its filter, B its input im2col'ed (column p = output pixel (p // OW, p % OW)), C its output
    (C[f, p] at p * F + f). K = KH * segment: each filter row's KW * C values are contiguous in
    the input (NHWC), zero-padded to a whole number of 4-value groups (`segment`) so that the
    packed columns and the filter's rows stay aligned."""

    height: int  # the (already padded) input's H, W, C
    width: int
    channels: int
    filter_height: int
    filter_width: int
    stride_h: int
    stride_w: int
    out_height: int
    out_width: int
    filters: int
    input_zero_point: int

    @property
    def row_values(self) -> int:
        """KW * C: one filter row's values, contiguous in the input."""
        return self.filter_width * self.channels

    @property
    def segment(self) -> int:
        """row_values rounded up to a whole number of int8 groups (4)."""
        return -(-self.row_values // 4) * 4

    @property
    def row_bytes(self) -> int:
        """W * C: bytes from one filter row's values to the next row's in the input."""
        return self.width * self.channels

    def pixel_offsets(self) -> np.ndarray:
        """Each output pixel's first input value (its window's corner), as a byte offset in the
        input: the packing statements' table (model.im2col)."""
        oh, ow = np.divmod(np.arange(self.out_height * self.out_width), self.out_width)
        return (oh * self.stride_h * self.width + ow * self.stride_w) * self.channels

    @property
    def table_bytes(self) -> int:
        """The offset table's entry size (a halfword when the offsets fit)."""
        corner = ((self.out_height - 1) * self.stride_h * self.width + (self.out_width - 1) * self.stride_w)
        return table_entry_bytes(corner * self.channels)


def _int_constant(value: Value) -> int | None:
    owner = value.owner
    operation = owner.operation if isinstance(owner, OpView) else owner
    if not isinstance(operation, Operation) or operation.name != "arith.constant":
        return None
    return IntegerAttr(operation.attributes["value"]).value


def padded_filter(weights: np.ndarray, geometry: ConvGeometry) -> np.ndarray:
    """The [F, KH, KW, C] filter as A [F, KH * segment]: each filter row zero-padded."""
    f, kh = weights.shape[0], weights.shape[1]
    rows = weights.reshape(f, kh, geometry.row_values)
    out = np.zeros((f, kh, geometry.segment), dtype=weights.dtype)
    out[:, :, : geometry.row_values] = rows
    return out.reshape(f, kh * geometry.segment)


def _quantized_conv(op: Operation) -> tuple[Value, Value, Value, tuple[MemRefType, MemRefType, MemRefType],
                                            int, list[int]]:
    """What both quantized convolutions need checked alike: whole i8 x i8 -> i32 memrefs,
    constant zero points (the filter's 0, the input's within int8), dilation 1. Returns input,
    filter, output, their types, the input zero point and the strides."""
    if len(op.operands) != 5:
        raise UnsupportedMatmul("expected input, filter, two zero points and one output")
    x, w, izp_value, wzp_value, out = op.operands
    (x_t, x_off), (w_t, w_off), (o_t, o_off) = _memref(x, "input"), _memref(w, "filter"), _memref(out, "output")
    if (x_off, w_off, o_off) != (0, 0, 0):
        raise UnsupportedMatmul("subviews of a convolution's operands are not supported")
    if (_int_width(x_t), _int_width(w_t), _int_width(o_t)) != (8, 8, 32):
        raise UnsupportedMatmul(f"element types {x_t.element_type} x {w_t.element_type} -> {o_t.element_type}: "
                                "supported is i8 x i8 -> i32")
    izp, wzp = _int_constant(izp_value), _int_constant(wzp_value)
    if izp is None or wzp is None:
        raise UnsupportedMatmul("zero points must be constants")
    if wzp != 0:
        raise UnsupportedMatmul(f"filter zero point {wzp}: only symmetric filters (zero point 0) are supported")
    if not -128 <= izp <= 127:
        raise UnsupportedMatmul(f"input zero point {izp} is outside int8")
    strides = [int(v) for v in np.array(op.attributes["strides"])] if "strides" in op.attributes else [1, 1]
    dilations = [int(v) for v in np.array(op.attributes["dilations"])] if "dilations" in op.attributes else [1, 1]
    if dilations != [1, 1]:
        raise UnsupportedMatmul(f"dilations {dilations}: only 1 is supported")
    return x, w, out, (x_t, w_t, o_t), izp, strides


def read_conv(op: Operation) -> MatmulOperands:
    """Read one `linalg.conv_2d_nhwc_fhwc_q` as a matmul; UnsupportedMatmul with the reason."""
    x, w, out, (x_t, w_t, o_t), izp, strides = _quantized_conv(op)
    n, h, width, c = x_t.shape
    f, kh, kw, wc = w_t.shape
    on, oh, ow, of = o_t.shape
    if n != 1 or on != 1:
        raise UnsupportedMatmul("batch must be 1 (mema-import pins it)")
    if wc != c or of != f or oh != (h - kh) // strides[0] + 1 or ow != (width - kw) // strides[1] + 1:
        raise UnsupportedMatmul(f"shapes {x_t}, {w_t}, {o_t} do not form a convolution")
    geometry = ConvGeometry(h, width, c, kh, kw, strides[0], strides[1], oh, ow, f, izp)
    weights = _constant_global(w)
    if weights is None and geometry.segment != geometry.row_values:
        raise UnsupportedMatmul(f"a run-time filter whose rows hold KW*C = {geometry.row_values} values "
                                "(not a multiple of 4) cannot be read in place; make the filter a constant")
    return MatmulOperands(
        m=f, n=oh * ow, k=kh * geometry.segment, elem="i8", b_transposed=True, a=w, b=x, c=out,
        a_constant=padded_filter(weights[1], geometry) if weights else None, b_constant=None,
        a_global=weights[0] if weights else None, b_global=None, conv=geometry,
    )


@dataclass(frozen=True)
class DepthwiseOperands:
    """A quantized depthwise convolution mema tiles: its operands, its geometry (memories left to
    the planner) and its constant filter."""

    input: Value
    filter: Value
    output: Value
    geometry: DepthwiseProblem
    weights: np.ndarray  # [KH, KW, C]
    weights_global: str


def read_depthwise(op: Operation) -> DepthwiseOperands:
    """Read one `linalg.depthwise_conv_2d_nhwc_hwcm_q`; UnsupportedMatmul with the reason."""
    x, w, out, (x_t, w_t, o_t), izp, strides = _quantized_conv(op)
    n, h, width, c = x_t.shape
    kh, kw, wc, multiplier = w_t.shape
    on, oh, ow, oc, om = o_t.shape
    if multiplier != 1 or om != 1:
        raise UnsupportedMatmul(f"channel multiplier {multiplier}: only 1 is supported")
    if n != 1 or on != 1:
        raise UnsupportedMatmul("batch must be 1 (mema-import pins it)")
    if wc != c or oc != c or oh != (h - kh) // strides[0] + 1 or ow != (width - kw) // strides[1] + 1:
        raise UnsupportedMatmul(f"shapes {x_t}, {w_t}, {o_t} do not form a depthwise convolution")
    if c % 4:
        raise UnsupportedMatmul(f"{c} channels: the depthwise kernel takes 4 channels per input word")
    weights = _constant_global(w)
    if weights is None:
        raise UnsupportedMatmul("the depthwise kernel reads a constant filter (pre-expanded at compile time)")
    geometry = DepthwiseProblem(h, width, c, kh, kw, strides[0], strides[1], oh, ow, izp)
    return DepthwiseOperands(x, w, out, geometry, weights[1].reshape(kh, kw, c), weights[0])


def read_tiled_op(op: Operation) -> MatmulOperands:
    """A linalg.matmul or a quantized convolution, as the matmul mema tiles."""
    return read_conv(op) if op.name == CONV_OP else read_matmul(op)


@dataclass(frozen=True)
class MatmulOperands:
    """What mema-tile needs to know about one matmul, read from the IR."""

    m: int
    n: int
    k: int
    elem: str  # "i8" or "i16"
    b_transposed: bool  # B is [N, K] (K-contiguous)
    a: Value
    b: Value
    c: Value
    a_constant: np.ndarray | None  # the values of A when it is a constant global
    b_constant: np.ndarray | None
    a_global: str | None  # symbol name of A's constant global, if any
    b_global: str | None
    offsets: tuple[int, int, int] = (0, 0, 0)  # static offsets of A, B, C in elements
    conv: ConvGeometry | None = None  # set for a convolution seen as a matmul

    @property
    def b_k_contiguous(self) -> bool:
        """B's consecutive k are adjacent in memory: B given [N, K], or a single column (N = 1),
        where [K, 1] and [1, K] are the same bytes."""
        return self.b_transposed or self.n == 1


def _map_results(op: Operation) -> tuple[str, ...]:
    if "indexing_maps" not in op.attributes:
        return _IDENTITY_MAPS
    maps = ArrayAttr(op.attributes["indexing_maps"])
    results: list[str] = []
    for attr in maps:
        affine_map: AffineMap = AffineMapAttr(attr).value
        results.append(str(affine_map).split("->", 1)[1].strip())
    return tuple(results)


def _memref(value: Value, role: str) -> tuple[MemRefType, int]:
    """The operand's memref type and its static offset in elements; the layout must be row-major
    (the identity map, or a strided layout with row-major strides, as a subview of whole rows has)."""
    if not isinstance(value.type, MemRefType):
        if isinstance(value.type, ShapedType):
            raise UnsupportedMatmul(
                f"operand {role} is a tensor: mema-tile works on buffers; bufferize first "
                "(mema-bufferize; --emit=obj|asm|llvm does)"
            )
        raise UnsupportedMatmul(f"operand {role} has type {value.type}, not a memref")
    mem = MemRefType(value.type)
    if not mem.has_static_shape:
        raise UnsupportedMatmul(f"operand {role} has a dynamic shape ({mem}); mema needs static M, N, K")
    strides, offset = mem.get_strides_and_offset()
    row_major = [1] * len(mem.shape)
    for dim in range(len(mem.shape) - 2, -1, -1):
        row_major[dim] = row_major[dim + 1] * mem.shape[dim + 1]
    contiguous = all(size == 1 or stride == expected
                     for size, stride, expected in zip(mem.shape, strides, row_major, strict=True))
    if not contiguous or offset < 0:
        raise UnsupportedMatmul(
            f"operand {role} has layout {mem.layout}; supported are row-major layouts with a static "
            "offset (identity, or strided with row-major strides)"
        )
    if mem.memory_space is not None:
        raise UnsupportedMatmul(f"operand {role} is in memory space {mem.memory_space}; only the default space is supported")
    return mem, offset


def _int_width(mem: MemRefType) -> int | None:
    if isinstance(mem.element_type, IntegerType):
        return IntegerType(mem.element_type).width
    return None


def constant_values(value: Value) -> np.ndarray | None:
    """The elements of a compile-time constant operand: a `memref.get_global` of a constant
    global, or an `arith.constant` dense tensor; None for anything else (and for element types
    numpy cannot hold, such as i1 or i4)."""
    try:
        return _constant_values(value)
    except (TypeError, ValueError):
        return None


def _constant_values(value: Value) -> np.ndarray | None:
    found = _constant_global(value)
    if found is not None:
        return found[1]
    owner = value.owner
    operation = owner.operation if isinstance(owner, OpView) else owner
    if not isinstance(operation, Operation) or operation.name != "arith.constant":
        return None
    attribute = operation.attributes["value"]
    if not isinstance(attribute, DenseIntElementsAttr):
        return None
    dense = DenseIntElementsAttr(attribute)
    shape = ShapedType(value.type).shape
    if dense.is_splat:
        return np.full(shape, int(dense.get_splat_value()), dtype=np.int64)
    return np.array(dense).astype(np.int64).reshape(shape)


def _constant_global(value: Value) -> tuple[str, np.ndarray] | None:
    """The symbol and values of a `memref.get_global` of a constant, initialised global."""
    owner = value.owner
    if not isinstance(owner, (Operation, OpView)):
        return None
    operation = owner.operation if isinstance(owner, OpView) else owner
    if operation.name != "memref.get_global":
        return None
    symbol = str(operation.attributes["name"]).lstrip("@")
    cand = global_of(operation)
    if cand is None or "constant" not in cand.attributes or "initial_value" not in cand.attributes:
        return None
    init = cand.attributes["initial_value"]
    if not isinstance(init, DenseIntElementsAttr):
        return None
    shape = MemRefType(value.type).shape
    dense = DenseIntElementsAttr(init)
    if dense.is_splat:
        return symbol, np.full(shape, int(dense.get_splat_value()), dtype=np.int64)
    return symbol, np.array(dense).astype(np.int64).reshape(shape)


def read_matmul(op: Operation) -> MatmulOperands:
    """Read one `linalg.matmul`; raise UnsupportedMatmul with the reason if mema cannot tile it."""
    if len(op.operands) != 3:
        raise UnsupportedMatmul("expected two inputs and one output")
    a, b, c = op.operands
    (a_t, a_offset), (b_t, b_offset), (c_t, c_offset) = _memref(a, "A"), _memref(b, "B"), _memref(c, "C")
    if "cast" in op.attributes and "unsigned" in str(op.attributes["cast"]):
        raise UnsupportedMatmul("unsigned cast: only signed (sign-extending) int8/int16 matmuls are supported")
    maps = _map_results(op)
    if maps == _IDENTITY_MAPS:
        b_transposed = False
    elif maps == _TRANSPOSED_B_MAPS:
        b_transposed = True
    else:
        raise UnsupportedMatmul(
            f"indexing maps {list(maps)}: only the default maps and B transposed ((d1, d2)) are supported"
        )
    widths = (_int_width(a_t), _int_width(b_t), _int_width(c_t))
    if widths not in ((8, 8, 32), (16, 16, 32)):
        raise UnsupportedMatmul(
            f"element types {a_t.element_type} x {b_t.element_type} -> {c_t.element_type}: "
            "supported are i8 x i8 -> i32 and i16 x i16 -> i32"
        )
    m, k = a_t.shape
    n = b_t.shape[0] if b_transposed else b_t.shape[1]
    b_k = b_t.shape[1] if b_transposed else b_t.shape[0]
    if b_k != k or list(c_t.shape) != [m, n]:
        raise UnsupportedMatmul(f"shapes {a_t}, {b_t}, {c_t} do not form a matmul")
    a_const = _constant_global(a)
    b_const = _constant_global(b)
    return MatmulOperands(
        m=m, n=n, k=k, elem=f"i{widths[0]}", b_transposed=b_transposed, a=a, b=b, c=c,
        a_constant=a_const[1] if a_const else None,
        b_constant=b_const[1] if b_const else None,
        a_global=a_const[0] if a_const else None,
        b_global=b_const[0] if b_const else None,
        offsets=(a_offset, b_offset, c_offset),
    )
