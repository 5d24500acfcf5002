"""mema-static-buffers: every static memref.alloc of a function becomes a view into one
zero-initialised arena (a private global in .bss), with buffers whose lifetimes do not overlap
sharing bytes. A microcontroller has no allocator to call; the arena's size is the peak SRAM the
function's intermediate tensors need, known at compile time.

Lifetimes are read off the function body's straight-line order: a buffer lives from its alloc to
the last top-level op that uses it, a view of it (subview, collapse/expand_shape, cast,
reinterpret_cast, view) or a raw pointer taken from it (extract_aligned_pointer_as_index,
index_cast, inttoptr, getelementptr: the tiled nests' addresses). Offsets are assigned first-fit, largest buffer first. Allocs in nested
regions, dynamic shapes or non-identity layouts are left alone (and reported by the lowering if
they cannot be compiled).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mema_mlir.passes.common import run_guarded
from mlir.ir import (
    Context,
    IntegerType,
    MemRefType,
    Module,
    Operation,
    OpView,
    StringAttr,
    Value,
)

from mema_mlir.registry import register_pass

ALIGNMENT = 8
_VIEW_LIKE = ("memref.subview", "memref.collapse_shape", "memref.expand_shape", "memref.cast",
              "memref.reinterpret_cast", "memref.view")


@dataclass(frozen=True)
class Interval:
    """One buffer: its size and the body positions where it is live (inclusive)."""

    size: int
    first: int
    last: int


def assign_offsets(buffers: list[Interval]) -> tuple[list[int], int]:
    """Byte offsets (ALIGNMENT-aligned) such that buffers live at the same time never overlap;
    first-fit, largest first. Returns (offsets in input order, arena size)."""
    order = sorted(range(len(buffers)), key=lambda i: (-buffers[i].size, buffers[i].first))
    placed: list[tuple[int, int, Interval]] = []  # (offset, end, buffer)
    offsets = [0] * len(buffers)
    for i in order:
        buffer = buffers[i]
        busy = sorted((start, end) for start, end, other in placed
                      if other.first <= buffer.last and buffer.first <= other.last)
        offset = 0
        for start, end in busy:
            if offset + buffer.size <= start:
                break
            offset = max(offset, -(-end // ALIGNMENT) * ALIGNMENT)
        offsets[i] = offset
        placed.append((offset, offset + buffer.size, buffer))
    size = max((end for _, end, _ in placed), default=0)
    return offsets, -(-size // ALIGNMENT) * ALIGNMENT


def _element_bytes(memref: MemRefType) -> int | None:
    if isinstance(memref.element_type, IntegerType):
        width = IntegerType(memref.element_type).width
        return max(1, width // 8) if width in (1, 8, 16, 32, 64) else None
    text = str(memref.element_type)
    return {"f32": 4, "f16": 2, "bf16": 2, "f64": 8}.get(text)


def _row_major(memref: MemRefType) -> bool:
    """Identity layout: what memref.view can produce from the arena."""
    strides, offset = memref.get_strides_and_offset()
    expected, running = [], 1
    for dim in reversed(memref.shape):
        expected.append(running)
        running *= dim
    return offset == 0 and all(s == e or d == 1 for s, e, d in zip(strides, reversed(expected), memref.shape, strict=True))


@dataclass
class _Buffer:
    alloc: Operation
    memref: MemRefType
    size: int
    uses: list[Operation] = field(default_factory=list)


# Ops whose results are the buffer's address in another form (mema-tile's and mema-word-copies'
# raw pointers): the buffer lives as long as they are used.
_POINTER_LIKE = ("memref.extract_aligned_pointer_as_index", "arith.index_cast", "llvm.inttoptr",
                 "llvm.getelementptr")


def _users(value: Value) -> list[Operation]:
    """Every op that uses `value`, following view-like ops and the raw pointers taken from it
    to their users."""
    found: list[Operation] = []
    pending = [value]
    while pending:
        current = pending.pop()
        for use in current.uses:
            owner = use.owner
            op = owner.operation if isinstance(owner, OpView) else owner
            found.append(op)
            if op.name in _VIEW_LIKE or op.name in _POINTER_LIKE:
                pending.extend(op.results)
    return found


def _position(op: Operation, positions: dict[Operation, int]) -> int | None:
    """The body position of `op` or of its ancestor in the function body."""
    current: Operation | None = op
    while current is not None:
        if current in positions:
            return positions[current]
        parent = current.parent
        current = parent.operation if isinstance(parent, OpView) else parent
    return None


@register_pass("mema-static-buffers")
@dataclass(frozen=True)
class MemaStaticBuffers:
    """Place a function's static memref.allocs in one zero-initialised arena global (no malloc)."""

    arenas: dict[str, int] = field(default_factory=dict, init=False, compare=False, repr=False)

    def __call__(self, root: Operation, pass_: object) -> None:
        run_guarded("mema-static-buffers", root, pass_, lambda: self._run(root))

    def _run(self, root: Operation) -> None:
        module = root if root.name == "builtin.module" else None
        if module is None:
            return
        for op in list(module.regions[0].blocks[0].operations):
            function = op.operation
            if function.name == "func.func" and function.regions[0].blocks:
                self._plan(module, function)

    def _plan(self, module: Operation, function: Operation) -> None:
        body = function.regions[0].blocks[0]
        ops = [o.operation for o in body.operations]
        positions = {op: index for index, op in enumerate(ops)}
        buffers: list[_Buffer] = []
        for op in ops:
            if op.name != "memref.alloc" or op.operands:
                continue
            memref = MemRefType(op.results[0].type)
            element = _element_bytes(memref)
            if element is None or not memref.has_static_shape or not _row_major(memref):
                continue
            size = element
            for dim in memref.shape:
                size *= dim
            buffers.append(_Buffer(op, memref, size, _users(op.results[0])))
        if not buffers:
            return
        intervals = []
        for buffer in buffers:
            first = positions[buffer.alloc]
            last = max((p for p in (_position(u, positions) for u in buffer.uses) if p is not None), default=first)
            intervals.append(Interval(buffer.size, first, last))
        offsets, size = assign_offsets(intervals)
        name = StringAttr(function.attributes["sym_name"]).value
        symbol = f"__mema_arena_{name}"
        self.arenas[name] = size
        context: Context = function.context
        # The arena, its get_global and the views, parsed in a scratch module and spliced in.
        lines = [f"%arena = memref.get_global @{symbol} : memref<{size}xi8>"]
        for index, (buffer, offset) in enumerate(zip(buffers, offsets, strict=True)):
            lines.append(f"%off{index} = arith.constant {offset} : index")
            lines.append(f"%v{index} = memref.view %arena[%off{index}][] : memref<{size}xi8> to {buffer.memref}")
        types = ", ".join(str(b.memref) for b in buffers)
        values = ", ".join(f"%v{i}" for i in range(len(buffers)))
        text = (f'memref.global "private" @{symbol} : memref<{size}xi8> = dense<0> {{alignment = {ALIGNMENT} : i64}}\n'
                f"func.func private @__mema_views() -> ({types}) {{\n  " + "\n  ".join(lines)
                + f"\n  return {values} : {types}\n}}")
        scratch = Module.parse(text, context=context)
        global_op, view_function = (o.operation for o in scratch.body.operations)
        global_op.move_before(module.regions[0].blocks[0].operations[0])
        view_ops = [o.operation for o in view_function.regions[0].blocks[0].operations][:-1]
        first_op = ops[0]
        for view_op in view_ops:
            view_op.move_before(first_op)
        results = [op for op in view_ops if op.name == "memref.view"]
        for buffer, view in zip(buffers, results, strict=True):
            buffer.alloc.results[0].replace_all_uses_with(view.results[0])
            buffer.alloc.erase()
        for op in [o.operation for o in body.operations]:
            if op.name == "memref.dealloc" and op.operands and op.operands[0].owner in results:
                op.erase()
