"""What mema's passes share: finding the matmuls and failing at the op, never with a traceback."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

from mlir.ir import Operation

from mema_mlir.flash_budget import fit_flash
from mema_mlir.ir_query import matmul_ops, module_of
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

    Every op is planned before any is rewritten, so that the module's weights can be kept
    within the flash (flash_budget.fit_flash: the analytic and exhaustive searches only; a
    forced schedule is the user's). A forced schedule that cannot apply is an error at its op
    and fails the pass (nothing is yielded); unsupported ops are recorded as skipped."""
    target = options.load_target()
    ops = list(matmul_ops(root))
    plans: list[Plan | DepthwisePlan | Decision] = []
    for op in ops:
        try:
            plans.append(plan(op, options, target))
        except PlanError as err:
            op.location.emit_error(f"{pass_name}: {err}")
            pass_.signal_pass_failure()  # type: ignore[attr-defined]
            return
    if options.expand_weights and options.schedule in ("analytic", "exhaustive"):
        module_op = module_of(root)
        kept_int8 = dataclasses.replace(options, expand_weights=False)
        fit_flash(ops, plans, module_op, target, lambda op: plan(op, kept_int8, target))
    for op, result in zip(ops, plans, strict=True):
        if isinstance(result, Decision):
            decisions.append(result)
            continue
        decisions.append(result.decision)
        yield op, result
