"""Recognise the `linalg.matmul` ops mema can tile, and say precisely why when it cannot.

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
    IntegerType,
    MemRefType,
    Operation,
    OpView,
    ShapedType,
    Value,
)

_IDENTITY_MAPS = ("(d0, d2)", "(d2, d1)", "(d0, d1)")
_TRANSPOSED_B_MAPS = ("(d0, d2)", "(d1, d2)", "(d0, d1)")


class UnsupportedMatmul(Exception):
    """This matmul cannot be tiled by mema; the message says why and what would be accepted."""


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
                "(one-shot-bufferize)"
            )
        raise UnsupportedMatmul(f"operand {role} has type {value.type}, not a memref")
    mem = MemRefType(value.type)
    if not mem.has_static_shape:
        raise UnsupportedMatmul(f"operand {role} has a dynamic shape ({mem}); mema needs static M, N, K")
    strides, offset = mem.get_strides_and_offset()
    row_major = [mem.shape[1], 1]
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


def _constant_global(value: Value) -> tuple[str, np.ndarray] | None:
    """The symbol and values of a `memref.get_global` of a constant, initialised global."""
    owner = value.owner
    if not isinstance(owner, (Operation, OpView)):
        return None
    operation = owner.operation if isinstance(owner, OpView) else owner
    if operation.name != "memref.get_global":
        return None
    symbol = str(operation.attributes["name"]).lstrip("@")
    module_op = operation.parent
    while module_op is not None and module_op.name != "builtin.module":
        module_op = module_op.parent
    if module_op is None:
        return None
    for candidate in module_op.regions[0].blocks[0].operations:
        cand = candidate.operation
        if cand.name != "memref.global":
            continue
        if str(cand.attributes["sym_name"]).strip('"') != symbol:
            continue
        if "constant" not in cand.attributes or "initial_value" not in cand.attributes:
            return None
        init = cand.attributes["initial_value"]
        if not isinstance(init, DenseIntElementsAttr):
            return None
        shape = MemRefType(value.type).shape
        dense = DenseIntElementsAttr(init)
        if dense.is_splat:
            return symbol, np.full(shape, int(dense.get_splat_value()), dtype=np.int64)
        return symbol, np.array(dense).astype(np.int64).reshape(shape)
    return None


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
