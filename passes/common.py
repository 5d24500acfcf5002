"""What mema's passes share: finding the matmuls and failing at the op, never with a traceback."""

from __future__ import annotations

import dataclasses
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


def plan_all(options: ModelOptions, root: Operation, kept_int8: frozenset[int] = frozenset(),
             notes: dict[int, str] | None = None
             ) -> tuple[list[Operation], list[Plan | DepthwisePlan | Decision], PlanError | None]:
    """Every matmul under `root` and its plan (the ops in `kept_int8`, by position, with their
    weights kept int8 and the note given); stops at the first op whose forced schedule cannot
    apply and returns that error."""
    target = options.load_target()
    kept = dataclasses.replace(options, expand_weights=False)
    ops = list(matmul_ops(root))
    plans: list[Plan | DepthwisePlan | Decision] = []
    for index, op in enumerate(ops):
        try:
            chosen = plan(op, kept if index in kept_int8 else options, target)
        except PlanError as err:
            return ops[:index + 1], plans, err
        if notes and index in notes and not isinstance(chosen, Decision):
            chosen.decision.note = notes[index]
        plans.append(chosen)
    return ops, plans, None


def planned_matmuls(pass_name: str, options: ModelOptions, root: Operation, pass_: object,
                    decisions: list[Decision], kept_int8: frozenset[int] = frozenset(),
                    notes: dict[int, str] | None = None
                    ) -> Iterator[tuple[Operation, Plan | DepthwisePlan]]:
    """Decide every matmul under `root`, recording each decision; yield the ones to rewrite.

    Every op is planned before any is rewritten (`kept_int8`: the ops whose weights stay int8 to
    fit the flash, flash_budget.py). A forced schedule that cannot apply is an error at its op
    and fails the pass (nothing is yielded); unsupported ops are recorded as skipped."""
    ops, plans, error = plan_all(options, root, kept_int8, notes)
    if error is not None:
        ops[-1].location.emit_error(f"{pass_name}: {error}")
        pass_.signal_pass_failure()  # type: ignore[attr-defined]
        return
    for op, result in zip(ops, plans, strict=True):
        if isinstance(result, Decision):
            decisions.append(result)
            continue
        decisions.append(result.decision)
        yield op, result
