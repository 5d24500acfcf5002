"""mema-analyze: decide MEMA's schedule for every linalg.matmul and record it, rewriting nothing.

Useful on its own (the report and remarks of `mema-opt --mema-report`), and the smallest pass
that exercises the whole machinery: registry, typed options, model, diagnostics.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field

from mema_mlir.passes.common import planned_matmuls, run_guarded
from mema_mlir.passes.mema_tile import MemaTile, Quiet, flash_exclusions
from mlir.ir import Attribute, Module, Operation

from mema_mlir.ir_query import module_of
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
        text = str(module_of(root))
        first = len(self.decisions)
        for op, chosen in planned_matmuls("mema-analyze", self, root, pass_, self.decisions, kept_int8, notes):
            op.attributes["mema.schedule"] = Attribute.parse(schedule_attribute_text(chosen.decision))
        _straight_line_prices(self, text, root, self.decisions[first:], kept_int8, notes)


def _straight_line_prices(options: ModelOptions, text: str, root: Operation, decisions: list[Decision],
                          kept_int8: frozenset[int], notes: dict[int, str]) -> None:
    """Give a kernel whose function mema-tile would rewrite into straight-line code (it alone in
    its function, no loop left) mema-tile's price for that code, so that the report predicts
    what a compile runs: the statements' registers are read off a rewritten scratch copy."""
    per_function = Counter(d.function for d in decisions if not d.skipped)
    if 1 not in per_function.values():  # straight-line pricing needs a function with one kernel
        return
    copy = Module.parse(text, context=root.context)
    tiled: list[Decision] = []
    tile = MemaTile(**{f.name: getattr(options, f.name) for f in dataclasses.fields(ModelOptions)})
    tile.rewrite(copy.operation, Quiet(), tiled, kept_int8, notes)
    for mine, theirs in zip(decisions, tiled, strict=True):
        if "straight_line" in theirs.predicted:
            mine.predicted = dict(theirs.predicted)
