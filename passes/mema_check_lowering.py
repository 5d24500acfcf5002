"""mema-check-lowering: refuse, with a located error, what the LLVM lowering would abort on.

Upstream MLIR's MemRefToLLVM asserts (a native abort, not a diagnostic) on a memref.load or
memref.store of an element narrower than a byte: a boolean tensor (i1) bufferized to memref<Nxi1>
reaches it (found by fuzzing mema-opt). mema-opt puts this check in front of every
finalize-memref-to-llvm it runs, so such input ends in an error at the op and exit 1.
"""

from __future__ import annotations

from dataclasses import dataclass

from mema_mlir.passes.common import run_guarded
from mlir.ir import IntegerType, MemRefType, Operation, WalkResult

from mema_mlir.registry import register_pass

_MEMORY_OPS = {"memref.load": 0, "memref.store": 1}  # op -> index of its memref operand


def sub_byte_accesses(root: Operation) -> list[tuple[Operation, str]]:
    """Loads and stores of memrefs whose elements are integers narrower than 8 bits."""
    found: list[tuple[Operation, str]] = []

    def visit(op: Operation) -> WalkResult:
        index = _MEMORY_OPS.get(op.name)
        if index is not None and index < len(op.operands):
            value_type = op.operands[index].type
            if isinstance(value_type, MemRefType):
                element = MemRefType(value_type).element_type
                if isinstance(element, IntegerType) and IntegerType(element).width < 8:
                    found.append((op, str(value_type)))
        return WalkResult.ADVANCE

    root.walk(visit)
    return found


@register_pass("mema-check-lowering")
@dataclass(frozen=True)
class MemaCheckLowering:
    """Refuse loads and stores of sub-byte elements (i1) that the LLVM lowering would abort on."""

    def __call__(self, root: Operation, pass_: object) -> None:
        run_guarded("mema-check-lowering", root, pass_, lambda: self._run(root, pass_))

    def _run(self, root: Operation, pass_: object) -> None:
        found = sub_byte_accesses(root)
        for op, memref_type in found:
            op.location.emit_error(
                f"mema-check-lowering: {op.name} of {memref_type}: the LLVM lowering cannot load or store "
                "elements narrower than a byte (MLIR's MemRefToLLVM would abort); keep such data as i8")
        if found:
            pass_.signal_pass_failure()  # type: ignore[attr-defined]
