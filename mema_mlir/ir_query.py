"""Small read-only queries over IR that several tools share."""

from __future__ import annotations

from mlir.ir import Module, Operation, StringAttr, WalkResult


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
