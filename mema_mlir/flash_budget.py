"""Keep a module's weights within the flash: pre-expanded int16 pairs only while they fit.

The model chooses each op's schedule alone, and for speed it often pre-expands constant int8
weights to int16 pairs (twice their bytes). Summed over a network that can exceed the target's
flash. mema-tile (and mema-analyze, for its report) therefore first bounds what the object's
constants could take: every constant global of the module plus every global the chosen plans
would add, none dropped. When that bound fits the weights memory, nothing changes. Otherwise the
passes rewrite a copy of the module and measure the constants it really holds (re-laid copies
shared between ops, originals that stay because something else reads them, fused
requantization tables, parameter globals dropped), and while they exceed the capacity keep the
weights of the original global whose pre-expansion adds the most int8, for every op that reads
it (passes/mema_tile.py: flash_exclusions). Code size is not known at that point: the compile
still warns after llc when code and constants together exceed the flash.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from mlir.ir import MemRefType, Operation

from mema_mlir.planning import Decision, DepthwisePlan, Plan

_WIDTH = re.compile(r"^[a-z]+(\d+)$")  # i8, i32, f32, ...
_COMPLEX = re.compile(r"^complex<[a-z]+(\d+)>$")


def _element_bytes(element: str) -> int:
    width = _WIDTH.match(element)
    if width:
        return max(1, int(width.group(1)) // 8)
    complex_width = _COMPLEX.match(element)
    if complex_width:
        return 2 * max(1, int(complex_width.group(1)) // 8)
    return 8  # index and anything else: the widest, so that the bound stays a bound


def constant_bytes(module_op: Operation) -> int:
    """Bytes of every constant memref.global of the module (what .rodata holds, alignment padding
    left out)."""
    total = 0
    for op in module_op.regions[0].blocks[0].operations:
        operation = op.operation
        if operation.name != "memref.global" or "constant" not in operation.attributes:
            continue
        memref = MemRefType(operation.attributes["type"].value)
        if memref.has_static_shape:
            total += math.prod(memref.shape) * _element_bytes(str(memref.element_type))
    return total


def added_bytes(chosen: Plan | DepthwisePlan) -> int:
    """Bytes of the globals mema-tile writes for this plan at most (a re-laid copy of A, a
    transposed copy of a constant B, a fused requantization's table, a convolution's table of
    pixel offsets, a depthwise filter's int16 copy), counted as if nothing they replace were
    dropped."""
    if isinstance(chosen, DepthwisePlan):
        problem = chosen.problem
        return 2 * problem.taps * problem.channels + (16 * problem.channels if chosen.epilogue else 0)
    schedule, operands = chosen.choice.schedule, chosen.operands
    total = 16 * operands.m if chosen.epilogue is not None else 0
    if operands.conv is not None:
        total += operands.n * operands.conv.table_bytes
    if operands.b_constant is not None and not operands.b_k_contiguous:
        total += operands.n * operands.k * (1 if operands.elem == "i8" else 2)
    if operands.a_constant is None or schedule.kernel == "mla":
        return total
    padded = -(-operands.k // 4) * 4
    if operands.elem == "i8":
        return total + (2 * operands.m * padded if schedule.a_form == "pairs" else operands.m * operands.k)
    return total + 2 * operands.m * (-(-operands.k // 2) * 2)


def expansion_bytes(chosen: Plan | DepthwisePlan | Decision) -> int:
    """What pre-expanding this op's int8 A to int16 pairs adds (0 when it does not)."""
    if not isinstance(chosen, Plan):
        return 0
    schedule, operands = chosen.choice.schedule, chosen.operands
    if operands.a_constant is None or operands.elem != "i8" or schedule.a_form != "pairs":
        return 0
    return 2 * operands.m * (-(-operands.k // 4) * 4) - operands.m * operands.k


def upper_bound(module_op: Operation, plans: Sequence[Plan | DepthwisePlan | Decision]) -> int:
    """The module's constants after mema-tile, at most: nothing dropped, nothing shared."""
    return constant_bytes(module_op) + sum(added_bytes(p) for p in plans if not isinstance(p, Decision))


def expanded_groups(plans: Sequence[Plan | DepthwisePlan | Decision],
                    excluded: set[int]) -> list[tuple[int, list[int]]]:
    """(bytes the expansion adds, indices of the ops reading that global) for every original
    constant A that some op not yet excluded pre-expands, largest first: its readers go back to
    int8 together, or a shared pairs copy would stay next to the new int8 one."""
    readers: dict[str, list[int]] = {}
    added: dict[str, int] = {}
    for index, chosen in enumerate(plans):
        if isinstance(chosen, Plan) and chosen.operands.a_global is not None:
            readers.setdefault(chosen.operands.a_global, []).append(index)
            if index not in excluded:
                added[chosen.operands.a_global] = max(added.get(chosen.operands.a_global, 0),
                                                      expansion_bytes(chosen))
    groups = [(size, readers[name]) for name, size in added.items() if size > 0]
    return sorted(groups, key=lambda group: -group[0])
