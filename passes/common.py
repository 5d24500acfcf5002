"""What mema's passes share: finding the matmuls and failing at the op, never with a traceback."""

from __future__ import annotations

from collections.abc import Callable

from mlir.ir import Operation, WalkResult

from mema_mlir.model import TargetError


def matmul_ops(root: Operation) -> list[Operation]:
    """Every linalg.matmul under `root`, collected before any rewrite."""
    found: list[Operation] = []

    def visit(op: Operation) -> WalkResult:
        if op.name == "linalg.matmul":
            found.append(op)
        return WalkResult.ADVANCE

    root.walk(visit)
    return found


def run_guarded(pass_name: str, root: Operation, pass_: object, body: Callable[[], None]) -> None:
    """Run a pass body; a target error or an unexpected exception becomes a located error and a
    failed pass, so that users see a diagnostic instead of a Python traceback."""
    try:
        body()
    except TargetError as err:
        root.location.emit_error(f"{pass_name}: {err}")
        pass_.signal_pass_failure()  # type: ignore[attr-defined]
    except Exception as err:
        root.location.emit_error(
            f"{pass_name}: internal error ({type(err).__name__}: {err}); please report it with this input"
        )
        pass_.signal_pass_failure()  # type: ignore[attr-defined]
