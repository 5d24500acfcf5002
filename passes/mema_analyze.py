"""mema-analyze: decide MEMA's schedule for every linalg.matmul and record it, rewriting nothing.

Useful on its own (the report and remarks of `mema-opt --mema-report`), and the smallest pass
that exercises the whole machinery: registry, typed options, model, diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mema_mlir.passes.common import planned_matmuls, run_guarded
from mema_mlir.passes.mema_tile import flash_exclusions
from mlir.ir import Attribute, Operation

from mema_mlir.planning import Decision, ModelOptions, schedule_attribute_text
from mema_mlir.registry import register_pass


@register_pass("mema-analyze")
@dataclass(frozen=True)
class MemaAnalyze(ModelOptions):
    """Attach MEMA's chosen schedule to each matmul and (depthwise) convolution as `mema.schedule`; change nothing else."""

    decisions: list[Decision] = field(default_factory=list, init=False, compare=False, repr=False)

    def __call__(self, root: Operation, pass_: object) -> None:
        run_guarded("mema-analyze", root, pass_, lambda: self._run(root, pass_))

    def _run(self, root: Operation, pass_: object) -> None:
        kept_int8, notes = flash_exclusions(self, root)  # the same weights mema-tile keeps int8
        for op, chosen in planned_matmuls("mema-analyze", self, root, pass_, self.decisions, kept_int8, notes):
            op.attributes["mema.schedule"] = Attribute.parse(schedule_attribute_text(chosen.decision))
