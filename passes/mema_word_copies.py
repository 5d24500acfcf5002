"""mema-word-copies: copies and constant fills of int8/int16 buffers as loops of 32-bit words.

Upstream lowers `linalg.copy`, `linalg.fill` and a constant `linalg.map` element by element: on
an imported model, filling a padded activation with its zero point and copying the layer's
output into its interior run a byte at a time (LDRB, STRB, ADD, CMP, branch: about 8 est.
cycles a byte; 12% of keyword spotting). Where the bytes allow it, this pass writes the op as an
affine nest whose innermost loop moves whole words, four per trip (LDR x4 then STR x4).

A copy or fill qualifies when both buffers have static shapes and strided layouts, the innermost
run that is contiguous in both (the trailing dimensions whose strides are row-major) holds a
whole number of words, every outer stride and both offsets are whole words, and each buffer
starts word-aligned: its root (through subviews, reshapes, casts, views) is a memref.alloc or a
memref.get_global whose alignment is at least a word (mema-static-buffers and malloc align
allocs to 8; allocas and globals must say so), through views whose byte shift is a constant
multiple of 4. Function arguments are not assumed aligned, and a copy within one buffer may
overlap; such ops stay as they are, as does everything else.
"""

from __future__ import annotations

from dataclasses import dataclass

from mema_mlir.passes.common import run_guarded
from mlir.ir import (
    IntegerAttr,
    IntegerType,
    MemRefType,
    Module,
    Operation,
    Value,
    WalkResult,
)

from mema_mlir.ir_query import VIEW_OPS, buffer_root, constant_int, defining_op, global_of
from mema_mlir.registry import register_pass


def _alignment(op: Operation) -> int | None:
    return IntegerAttr(op.attributes["alignment"]).value if "alignment" in op.attributes else None


def _word_aligned(value: Value) -> bool:
    """Whether the buffer's aligned base pointer is a multiple of 4: an alloc (malloc and
    mema-static-buffers align to 8 at least), an alloca or global that says so, through views
    whose byte shift is a constant multiple of 4; never a function argument."""
    while True:
        op = defining_op(value)
        if op is None:
            return False  # a block argument: its alignment is the caller's
        if op.name == "memref.alloc":
            alignment = _alignment(op)
            return alignment is None or alignment >= 4
        if op.name == "memref.alloca":
            return (_alignment(op) or 0) >= 4
        if op.name == "memref.get_global":
            named = global_of(op)
            return named is not None and (_alignment(named) or 0) >= 4
        if op.name not in VIEW_OPS:
            return False
        if op.name == "memref.view":
            shift = constant_int(op.operands[1])
            if shift is None or shift % 4:
                return False
        value = op.operands[0]


@dataclass(frozen=True)
class _Layout:
    shape: list[int]
    strides: list[int]  # elements
    offset: int  # elements


def _layout(value: Value) -> _Layout | None:
    if not isinstance(value.type, MemRefType):
        return None
    memref = MemRefType(value.type)
    if not memref.has_static_shape or memref.memory_space is not None:
        return None
    strides, offset = memref.get_strides_and_offset()
    dynamic = -(2**63)
    if offset == dynamic or any(s == dynamic for s in strides):
        return None
    return _Layout(list(memref.shape), list(strides), offset)


def _element_bytes(value: Value) -> int | None:
    element = MemRefType(value.type).element_type
    if not isinstance(element, IntegerType):
        return None
    return {8: 1, 16: 2}.get(IntegerType(element).width)


def _run_dims(layouts: list[_Layout]) -> int:
    """How many trailing dimensions are contiguous (row-major) in every layout."""
    rank = len(layouts[0].shape)
    dims = 0
    for dim in range(rank - 1, -1, -1):
        expected = 1
        for inner in range(dim + 1, rank):
            expected *= layouts[0].shape[inner]
        if any(layout.strides[dim] != expected and layout.shape[dim] != 1 for layout in layouts):
            break
        dims += 1
    return dims


@dataclass(frozen=True)
class _Plan:
    """The word loops of one op: outer dimensions, words per run, byte strides and offsets."""

    outer: list[int]  # extents of the outer (non-contiguous) dimensions
    outer_strides: list[list[int]]  # per buffer, bytes per step of each outer dimension
    offsets: list[int]  # per buffer, bytes from the aligned base
    words: int  # 32-bit words per contiguous run


def _plan(values: list[Value]) -> _Plan | None:
    layouts = [_layout(value) for value in values]
    if any(layout is None for layout in layouts) or any(not _word_aligned(v) for v in values):
        return None
    element = _element_bytes(values[0])
    if element is None or any(_element_bytes(v) != element for v in values):
        return None
    if len({tuple(layout.shape) for layout in layouts}) != 1:  # type: ignore[union-attr]
        return None
    checked = [layout for layout in layouts if layout is not None]
    run = _run_dims(checked)
    rank = len(checked[0].shape)
    run_bytes = element
    for dim in range(rank - run, rank):
        run_bytes *= checked[0].shape[dim]
    looped = [dim for dim in range(rank - run) if checked[0].shape[dim] > 1]  # no single-trip loops
    outer = [checked[0].shape[dim] for dim in looped]
    strides = [[layout.strides[dim] * element for dim in looped] for layout in checked]
    offsets = [layout.offset * element for layout in checked]
    if run_bytes % 4 or any(s % 4 for row in strides for s in row) or any(o % 4 for o in offsets):
        return None
    return _Plan(outer, strides, offsets, run_bytes // 4)


def _splat_word(value: int, element: int) -> int:
    """A constant of `element` bytes repeated over a 32-bit word (as a signed i32)."""
    bits = 8 * element
    pattern = value & ((1 << bits) - 1)
    word = 0
    for _ in range(4 // element):
        word = (word << bits) | pattern
    return word - (1 << 32) if word >= 1 << 31 else word


def _fill_value(op: Operation) -> tuple[int, Value] | None:
    """(the constant, the buffer) of a constant fill: linalg.fill, or a linalg.map yielding a
    constant defined outside it."""
    if op.name == "linalg.fill" and len(op.operands) == 2:
        constant = constant_int(op.operands[0])
        return None if constant is None else (constant, op.operands[1])
    if op.name == "linalg.map" and len(op.operands) == 1 and len(op.results) == 0:
        body = list(op.regions[0].blocks[0].operations)
        if len(body) != 1 or body[0].operation.name != "linalg.yield":
            return None
        constant = constant_int(body[0].operands[0])
        return None if constant is None else (constant, op.operands[0])
    return None


def _nest_text(plan: _Plan, types: list[str], fill: int | None) -> str:
    """A function over the op's buffers (source then destination, or the filled one) whose
    innermost loop moves `unroll` words per trip."""
    names = ["S", "D"] if fill is None else ["D"]
    lines = [f"func.func @words({', '.join(f'%{n}: {t}' for n, t in zip(names, types, strict=True))}) {{"]
    for name, type_text in zip(names, types, strict=True):
        lines += [f"  %a{name} = memref.extract_aligned_pointer_as_index %{name} : {type_text} -> index",
                  f"  %i{name} = arith.index_cast %a{name} : index to i32",
                  f"  %p{name} = llvm.inttoptr %i{name} : i32 to !llvm.ptr"]
    if fill is not None:
        lines.append(f"  %fill = arith.constant {fill} : i32")
    unroll = next(u for u in (4, 2, 1) if plan.words % u == 0)
    ivs = [f"%o{d}" for d in range(len(plan.outer))]
    depth = 1
    for iv, extent in zip(ivs, plan.outer, strict=True):
        lines.append("  " * depth + f"affine.for {iv} = 0 to {extent} {{")
        depth += 1
    lines.append("  " * depth + f"affine.for %w = 0 to {plan.words} step {unroll} {{")
    depth += 1
    pad = "  " * depth
    dims = ", ".join([*(f"d{i}" for i in range(len(ivs))), f"d{len(ivs)}"])
    operands = ", ".join([*ivs, "%w"])
    values: list[str] = []
    for index, name in enumerate(names):
        buffer = index if fill is None else 0
        strides = plan.outer_strides[buffer] if fill is None else plan.outer_strides[0]
        terms = [f"d{i} * {s}" for i, s in enumerate(strides)] + [f"d{len(ivs)} * 4", str(plan.offsets[buffer])]
        lines.append(pad + f"%b{name} = affine.apply affine_map<({dims}) -> ({' + '.join(terms)})>({operands})")
        lines.append(pad + f"%c{name} = arith.index_cast %b{name} : index to i32")
        lines.append(pad + f"%q{name} = llvm.getelementptr %p{name}[%c{name}] : (!llvm.ptr, i32) -> !llvm.ptr, i8")
        for u in range(unroll):
            lines.append(pad + f"%q{name}{u} = llvm.getelementptr %q{name}[{4 * u}] : (!llvm.ptr) -> !llvm.ptr, i8")
        if name == "S":
            for u in range(unroll):
                lines.append(pad + f"%v{u} = llvm.load %qS{u} {{alignment = 4 : i64}} : !llvm.ptr -> i32")
                values.append(f"%v{u}")
    for u in range(unroll):
        value = values[u] if fill is None else "%fill"
        lines.append(pad + f"llvm.store {value}, %qD{u} {{alignment = 4 : i64}} : i32, !llvm.ptr")
    for _ in range(len(ivs) + 1):
        depth -= 1
        lines.append("  " * depth + "}")
    lines += ["  return", "}"]
    return "\n".join(lines)


def _replace(op: Operation, text: str, arguments: list[Value]) -> None:
    """Parse the function, move its body in place of `op` with its arguments bound."""
    scratch = Module.parse(text, context=op.context)
    function = list(scratch.body.operations)[0].operation
    block = function.regions[0].blocks[0]
    for argument, value in zip(block.arguments, arguments, strict=True):
        argument.replace_all_uses_with(value)
    for inner in list(block.operations)[:-1]:
        inner.operation.move_before(op)
    op.erase()


@register_pass("mema-word-copies")
@dataclass(frozen=True)
class MemaWordCopies:
    """Rewrite int8/int16 copies and constant fills of word-aligned buffers as 32-bit word loops."""

    def __call__(self, root: Operation, pass_: object) -> None:
        run_guarded("mema-word-copies", root, pass_, lambda: self._run(root))

    def _run(self, root: Operation) -> None:
        found: list[Operation] = []

        def visit(op: Operation) -> WalkResult:
            if op.name in ("linalg.copy", "linalg.fill", "linalg.map"):
                found.append(op)
            return WalkResult.ADVANCE

        root.walk(visit)
        for op in found:
            if op.name == "linalg.copy":
                if len(op.operands) != 2 or len(op.results) != 0:
                    continue
                source, destination = op.operands[0], op.operands[1]
                if buffer_root(source) == buffer_root(destination):
                    continue  # may overlap: words would not move as elements do
                plan = _plan([source, destination])
                if plan is not None:
                    _replace(op, _nest_text(plan, [str(source.type), str(destination.type)], None),
                             [source, destination])
                continue
            filled = _fill_value(op)
            if filled is None:
                continue
            constant, buffer = filled
            plan = _plan([buffer])
            if plan is not None:
                element = _element_bytes(buffer)
                assert element is not None
                _replace(op, _nest_text(plan, [str(buffer.type)], _splat_word(constant, element)), [buffer])
