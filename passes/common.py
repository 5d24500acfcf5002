"""What mema's passes share: finding the matmuls and failing at the op, never with a traceback."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from mlir.ir import Operation

from mema_mlir.ir_query import matmul_ops
from mema_mlir.model import TargetError
from mema_mlir.planning import Decision, DepthwisePlan, ModelOptions, Plan, PlanError, plan


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
            f"{pass_name}: internal error ({_one_line(err)}); please report it with this input"
        )
        pass_.signal_pass_failure()  # type: ignore[attr-defined]


def _one_line(err: Exception) -> str:
    """The exception as one line: an error raised inside an MLIR callback (a walk) arrives
    wrapped, its message holding the whole traceback, of which the last line is the error."""
    message = str(err)
    if "Traceback (most recent call last)" in message:
        lines = [line for line in message.splitlines() if line.strip()]
        return lines[-1].strip() if lines else type(err).__name__
    return f"{type(err).__name__}: {message}"


def planned_matmuls(pass_name: str, options: ModelOptions, root: Operation, pass_: object,
                    decisions: list[Decision]) -> Iterator[tuple[Operation, Plan | DepthwisePlan]]:
    """Decide every matmul under `root`, recording each decision; yield the ones to rewrite.

    A forced schedule that cannot apply is an error at its op and fails the pass (the
    iteration stops there); unsupported ops are recorded as skipped and not yielded."""
    target = options.load_target()
    for op in matmul_ops(root):
        try:
            result = plan(op, options, target)
        except PlanError as err:
            op.location.emit_error(f"{pass_name}: {err}")
            pass_.signal_pass_failure()  # type: ignore[attr-defined]
            return
        if isinstance(result, Decision):
            decisions.append(result)
            continue
        decisions.append(result.decision)
        yield op, result
