"""`--emit=transform`: MEMA's tile sizes as a transform-dialect script, for C++-only MLIR flows.

The payload gets a `mema.id` on each decided `linalg.matmul` (convolutions are not tiled this
way); `@__transform_main` matches each by its id
and tiles it with (mr, nr) in the schedule's loop order. `mlir-opt --transform-interpreter`
applies it without Python.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from mlir.ir import Attribute, IntegerAttr, IntegerType, Module

from mema_mlir.ir_query import matmul_ops
from mema_mlir.planning import Decision


def _tile_sizes(schedule: dict) -> tuple[str, str]:
    """(tile_sizes, interchange) over (m, n, k): an output-stationary register tile (K whole),
    or a weight- (input-) stationary block's rows (columns) by kr, every column (row) inside."""
    stationarity = schedule.get("stationarity", "output")
    if stationarity == "weight":
        return f"[{schedule['mr']}, 0, {schedule['kr']}]", "[0, 2, 1]"
    if stationarity == "input":
        return f"[0, {schedule['nr']}, {schedule['kr']}]", "[1, 2, 0]"
    interchange = "[0, 1, 2]" if schedule["loop_order"] == "ij" else "[1, 0, 2]"
    return f"[{schedule['mr']}, {schedule['nr']}, 0]", interchange


def transform_script(module: Module, decisions: Sequence[Decision]) -> str:
    """The annotated payload with the named sequence appended inside the module."""
    tiles: list[str] = []
    # One decision per op matmul_ops finds, in its order (skipped ones included); convolutions'
    # tiles are not (mr, nr) tiles of their linalg op, so only plain matmuls get a transform.
    pairs = list(zip(matmul_ops(module.operation), decisions, strict=False))
    chosen = [(op, d) for op, d in pairs if not d.skipped and op.name == "linalg.matmul"]
    for index, (op, decision) in enumerate(chosen):
        op.attributes["mema.id"] = IntegerAttr.get(IntegerType.get_signless(64), index)
        sizes, interchange = _tile_sizes(decision.schedule)
        tiles.append(
            f'    %mm{index} = transform.structured.match ops{{["linalg.matmul"]}} '
            f"attributes{{mema.id = {index} : i64}} in %root : (!transform.any_op) -> !transform.any_op\n"
            f"    %tiled{index}, %loops{index}:2 = transform.structured.tile_using_for %mm{index} "
            f"tile_sizes {sizes} "
            f"interchange = {interchange} : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op)"
        )
    left_out = Counter(op.name for op, _decision in pairs if op.name != "linalg.matmul")
    notes = [f"    // not in this script: {count} x {name} (convolutions are tiled by mema-tile itself: --emit=obj)"
             for name, count in sorted(left_out.items())]
    module.operation.attributes["transform.with_named_sequence"] = Attribute.parse("unit")
    sequence = (
        "  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {\n"
        + "".join(tile + "\n" for tile in tiles)
        + "".join(note + "\n" for note in notes)
        + "    transform.yield\n  }\n"
    )
    text = str(module)
    closing = text.rstrip().rfind("}")
    return text[:closing] + sequence + text[closing:]
