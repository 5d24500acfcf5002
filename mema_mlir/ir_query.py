"""Small read-only queries over IR that several tools share."""

from __future__ import annotations

from mlir.ir import IntegerAttr, Module, Operation, OpView, StringAttr, Value, WalkResult


def matmul_ops(root: Operation) -> list[Operation]:
    """Every op mema tiles as a matmul (linalg.matmul, quantized NHWC convolutions) under
    `root`, collected before any rewrite."""
    from mema_mlir.matmul import TILED_OPS

    found: list[Operation] = []

    def visit(op: Operation) -> WalkResult:
        if op.name in TILED_OPS:
            found.append(op)
        return WalkResult.ADVANCE

    root.walk(visit)
    return found


def public_functions(module: Module) -> list[tuple[str, Operation]]:
    """(name, op) of every public func.func with a body: what a C caller can link against."""
    found = []
    for op in module.body.operations:
        function = op.operation
        if function.name != "func.func" or "sym_visibility" in function.attributes:
            continue
        if function.regions[0].blocks:
            found.append((StringAttr(function.attributes["sym_name"]).value, function))
    return found


# Ops whose result is a view of their first operand's buffer (the same bytes, another shape).
VIEW_OPS = ("memref.subview", "memref.view", "memref.collapse_shape", "memref.expand_shape",
            "memref.cast", "memref.reinterpret_cast")


def defining_op(value: Value) -> Operation | None:
    """The operation that produces `value` (None for a block argument)."""
    owner = value.owner
    if isinstance(owner, OpView):
        return owner.operation
    return owner if isinstance(owner, Operation) else None


def constant_int(value: Value) -> int | None:
    """The value of an integer `arith.constant` (None for anything else)."""
    op = defining_op(value)
    if op is None or op.name != "arith.constant":
        return None
    try:
        return IntegerAttr(op.attributes["value"]).value
    except (TypeError, ValueError):
        return None


def buffer_root(value: Value) -> Value:
    """The buffer a chain of views starts from."""
    while True:
        op = defining_op(value)
        if op is None or op.name not in VIEW_OPS:
            return value
        value = op.operands[0]


def global_of(get_global: Operation) -> Operation | None:
    """The `memref.global` a `memref.get_global` names, in its module (None if not found)."""
    symbol = str(get_global.attributes["name"]).lstrip("@")
    module = get_global.parent
    while module is not None and module.name != "builtin.module":
        module = module.parent
    if module is None:
        return None
    for candidate in module.regions[0].blocks[0].operations:
        op = candidate.operation
        if op.name == "memref.global" and str(op.attributes["sym_name"]).strip('"') == symbol:
            return op
    return None


def module_of(op: Operation) -> Operation:
    """The builtin.module holding `op` (or `op` itself)."""
    while op.name != "builtin.module":
        op = op.parent
    return op
