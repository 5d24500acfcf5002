"""mema-analyze: decide MEMA's schedule for every linalg.matmul and record it, rewriting nothing.

Useful on its own (the report and remarks of `mema-opt --mema-report`), and the smallest pass
that exercises the whole machinery: registry, typed options, model, diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mema_mlir.passes.common import matmul_ops, run_guarded
from mlir.ir import Attribute, Operation

from mema_mlir.planning import Decision, ModelOptions, PlanError, plan, schedule_attribute_text
from mema_mlir.registry import register_pass


@register_pass("mema-analyze")
@dataclass(frozen=True)
class MemaAnalyze(ModelOptions):
    """Attach MEMA's chosen schedule to each linalg.matmul as `mema.schedule`; change nothing else."""

    decisions: list[Decision] = field(default_factory=list, init=False, compare=False, repr=False)

    def __call__(self, root: Operation, pass_: object) -> None:
        run_guarded("mema-analyze", root, pass_, lambda: self._run(root, pass_))

    def _run(self, root: Operation, pass_: object) -> None:
        target = self.load_target()
        for op in matmul_ops(root):
            try:
                result = plan(op, self, target)
            except PlanError as err:
                op.location.emit_error(f"mema-analyze: {err}")
                pass_.signal_pass_failure()  # type: ignore[attr-defined]
                return
            if isinstance(result, Decision):
                self.decisions.append(result)
                continue
            op.attributes["mema.schedule"] = Attribute.parse(schedule_attribute_text(result.decision))
            self.decisions.append(result.decision)
