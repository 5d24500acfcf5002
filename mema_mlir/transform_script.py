"""`--emit=transform`: MEMA's tile sizes as a transform-dialect script, for C++-only MLIR flows.

The payload gets a `mema.id` on each decided matmul; `@__transform_main` matches each by its id
and tiles it with (mr, nr) in the schedule's loop order. `mlir-opt --transform-interpreter`
applies it without Python.
"""

from __future__ import annotations

from collections.abc import Sequence

from mlir.ir import Attribute, IntegerAttr, IntegerType, Module

from mema_mlir.ir_query import matmul_ops
from mema_mlir.planning import Decision


def transform_script(module: Module, decisions: Sequence[Decision]) -> str:
    """The annotated payload with the named sequence appended inside the module."""
    tiles: list[str] = []
    decided = [d for d in decisions if not d.skipped]
    for index, (op, decision) in enumerate(zip(matmul_ops(module.operation), decided, strict=False)):
        op.attributes["mema.id"] = IntegerAttr.get(IntegerType.get_signless(64), index)
        interchange = "[0, 1, 2]" if decision.schedule["loop_order"] == "ij" else "[1, 0, 2]"
        tiles.append(
            f'    %mm{index} = transform.structured.match ops{{["linalg.matmul"]}} '
            f"attributes{{mema.id = {index} : i64}} in %root : (!transform.any_op) -> !transform.any_op\n"
            f"    %tiled{index}, %loops{index}:2 = transform.structured.tile_using_for %mm{index} "
            f"tile_sizes [{decision.schedule['mr']}, {decision.schedule['nr']}, 0] "
            f"interchange = {interchange} : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op)"
        )
    module.operation.attributes["transform.with_named_sequence"] = Attribute.parse("unit")
    sequence = (
        "  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {\n"
        + "".join(tile + "\n" for tile in tiles)
        + "    transform.yield\n  }\n"
    )
    text = str(module)
    closing = text.rstrip().rfind("}")
    return text[:closing] + sequence + text[closing:]
