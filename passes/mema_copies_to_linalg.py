"""mema-copies-to-linalg: every memref.copy becomes a linalg.copy.

Bufferization writes tensor copies (padding, reshapes) as memref.copy, which the LLVM lowering
turns into a call to `memrefCopy` or `memcpy`: a library a bare-metal object does not link
against. As linalg.copy it lowers to plain loops with the rest of the linalg ops.
"""

from __future__ import annotations

from dataclasses import dataclass

from mema_mlir.passes.common import run_guarded
from mlir.dialects import linalg
from mlir.ir import InsertionPoint, Operation, WalkResult

from mema_mlir.registry import register_pass


@register_pass("mema-copies-to-linalg")
@dataclass(frozen=True)
class MemaCopiesToLinalg:
    """Rewrite memref.copy as linalg.copy, so that no memcpy or memrefCopy call is emitted."""

    def __call__(self, root: Operation, pass_: object) -> None:
        run_guarded("mema-copies-to-linalg", root, pass_, lambda: self._run(root))

    def _run(self, root: Operation) -> None:
        copies: list[Operation] = []

        def visit(op: Operation) -> WalkResult:
            if op.name == "memref.copy":
                copies.append(op)
            return WalkResult.ADVANCE

        root.walk(visit)
        for op in copies:
            with InsertionPoint(op), op.location:
                linalg.copy(op.operands[0], outs=[op.operands[1]])
            op.erase()
