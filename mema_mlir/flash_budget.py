"""Keep a module's weights within the flash: pre-expanded int16 pairs only while they fit.

The model chooses each op's schedule alone, and for speed it often pre-expands constant int8
weights to int16 pairs (twice their bytes). Summed over a network that can exceed the target's
flash. So mema-tile first plans every op, adds up the constants the object will hold (every
constant global, plus what the chosen layouts add to the weights), and while that exceeds the
weights memory's capacity re-plans the op whose expansion adds the most with the weights kept
int8. Code size is not known yet at this point: the compile still warns after llc when code and
constants together exceed the flash (footprint.capacity_warnings).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from mlir.ir import MemRefType, Operation

from mema_mlir import model
from mema_mlir.planning import Decision, DepthwisePlan, Plan

_WIDTH = re.compile(r"^[a-z]+(\d+)$")  # i8, i32, f32, ...


def constant_bytes(module_op: Operation) -> int:
    """Bytes of every constant memref.global of the module (what .rodata will hold before
    mema-tile re-lays any of them out)."""
    total = 0
    for op in module_op.regions[0].blocks[0].operations:
        operation = op.operation
        if operation.name != "memref.global" or "constant" not in operation.attributes:
            continue
        memref = MemRefType(operation.attributes["type"].value)
        if not memref.has_static_shape:
            continue
        width = _WIDTH.match(str(memref.element_type))
        total += math.prod(memref.shape) * max(1, int(width.group(1)) // 8 if width else 4)
    return total


def expansion_bytes(chosen: Plan | DepthwisePlan) -> int:
    """What the chosen layout adds to the weights' bytes: an int8 A pre-expanded to int16 pairs
    (zero-padded to whole groups of 4), or a depthwise filter's int16 copy."""
    if isinstance(chosen, DepthwisePlan):
        problem = chosen.problem
        return problem.taps * problem.channels  # int16 instead of int8
    schedule, operands = chosen.choice.schedule, chosen.operands
    if operands.a_constant is None or operands.elem != "i8" or schedule.kernel == "mla":
        return 0
    if schedule.a_form != "pairs":
        return 0
    padded = -(-operands.k // 4) * 4
    return 2 * operands.m * padded - operands.m * operands.k


def fit_flash(ops: Sequence[Operation], plans: list[Plan | DepthwisePlan | Decision], module_op: Operation,
              target: model.Target, replan: Callable[[Operation], Plan | DepthwisePlan | Decision]) -> None:
    """Re-plan, in place, the ops whose expanded weights make the module's constants exceed the
    weights memory, largest expansion first, until they fit (or nothing is left to shrink)."""
    capacity = target.memories[target.placement["weights"]].capacity_bytes
    total = constant_bytes(module_op) + sum(expansion_bytes(p) for p in plans if not isinstance(p, Decision))
    candidates = sorted((i for i, p in enumerate(plans) if isinstance(p, Plan) and expansion_bytes(p)),
                        key=lambda i: -expansion_bytes(plans[i]))  # type: ignore[arg-type]
    for index in candidates:
        if total <= capacity:
            return
        before = expansion_bytes(plans[index])  # type: ignore[arg-type]
        again = replan(ops[index])
        if not isinstance(again, Plan):
            continue
        saved = before - expansion_bytes(again)
        if saved <= 0:
            continue
        total -= saved
        again.decision.note = (f"weights kept int8: pre-expanded ones would bring the module's constants to "
                               f"{total + saved:,} bytes, more than {target.placement['weights']}'s {capacity:,}")
        plans[index] = again
