"""mema-tile: replace each linalg.matmul by MEMA's register-tiled affine loop nest.

The model (mema_mlir.model) picks the tile; mema_mlir.codegen writes the nest as text, which is
parsed in the op's context and spliced in place of the op. Constant operands are re-laid out at
compile time into new private globals: A in panels of the tile's rows for the DSP kernels
(int8 pre-expanded to int16 pairs when the model chose the `pairs` form), B as [N, K] when it
was given [K, N]. A B packed at run time gets a private working buffer (zero-initialised, so
it lands in .bss). Ops that cannot be tiled stay as they are, with a remark; forcing a schedule
on such an op is an error at the op.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

import numpy as np
from mema_mlir.passes.common import plan_all, planned_matmuls, run_guarded
from mlir.ir import Context, Module, Operation, OpView, Value, WalkResult

from mema_mlir.codegen import KernelWriter, OperandLayout, TileParams
from mema_mlir.codegen_depthwise import DepthwiseWriter
from mema_mlir.epilogue import FusedEpilogue
from mema_mlir.flash_budget import constant_bytes, expanded_groups, upper_bound
from mema_mlir.ir_query import module_of
from mema_mlir.model.costs import (
    STREAM_LEVELS,
    saved_registers,
    straight_line_adjustment,
    stream_level,
    stream_overhead,
    stream_trips,
)
from mema_mlir.model.microkernel import panel_row_bytes
from mema_mlir.model.overhead import OVERHEAD
from mema_mlir.model.schedule import grid_extent
from mema_mlir.model.target import Target
from mema_mlir.planning import (
    Decision,
    DepthwisePlan,
    ModelOptions,
    Plan,
    schedule_attribute_text,
)
from mema_mlir.registry import register_pass
from mema_mlir.relayout import depthwise_layout, panel_layout, stationary_panel
from mema_mlir.straight_line import straight_line_statements


def _dense_text(values: np.ndarray) -> str:
    rows = ", ".join("[" + ", ".join(str(int(v)) for v in row) + "]" for row in values)
    return f"dense<[{rows}]>"


def _global_text(symbol: str, values: np.ndarray, elem: str) -> str:
    shape = "x".join(str(d) for d in values.shape) + f"x{elem}"
    if values.ndim == 1:  # flat re-laid buffers: raw little-endian bytes, quick to parse
        raw = values.astype({"i8": "<i1", "i16": "<i2", "i32": "<i4"}[elem]).tobytes()
        dense = f'dense<"0x{raw.hex().upper()}">'
    else:
        dense = _dense_text(values)
    return (f'memref.global "private" constant @{symbol} : memref<{shape}> = '
            f"{dense} {{alignment = 4 : i64}}")


def _buffer_text(symbol: str, halfwords: int) -> str:
    """A zero-initialised working buffer (in .bss), word aligned."""
    return (f'memref.global "private" @{symbol} : memref<{halfwords}xi16> = '
            f"dense<0> {{alignment = 4 : i64}}")


def _fresh_symbol(stem: str, taken: set[str]) -> str:
    index = 0
    while f"{stem}{index}" in taken:
        index += 1
    taken.add(f"{stem}{index}")
    return f"{stem}{index}"


def _symbols(module_op: Operation) -> set[str]:
    return {
        str(o.operation.attributes["sym_name"]).strip('"')
        for o in module_op.regions[0].blocks[0].operations
        if "sym_name" in o.operation.attributes
    }


def _unused_private_globals(module_op: Operation, candidates: set[str]) -> list[Operation]:
    used: set[str] = set()

    def visit(op: Operation) -> WalkResult:
        if op.name == "memref.get_global":
            used.add(str(op.attributes["name"]).lstrip("@"))
        return WalkResult.ADVANCE

    module_op.walk(visit)
    dead = []
    for o in module_op.regions[0].blocks[0].operations:
        op = o.operation
        if op.name != "memref.global":
            continue
        name = str(op.attributes["sym_name"]).strip('"')
        visibility = str(op.attributes["sym_visibility"]).strip('"') if "sym_visibility" in op.attributes else ""
        if name in candidates and name not in used and visibility == "private":
            dead.append(op)
    return dead


@register_pass("mema-tile")
@dataclass(frozen=True)
class MemaTile(ModelOptions):
    """Tile linalg.matmul and quantized (depthwise) convolutions with MEMA's register tiles: affine loops, DSP bodies."""

    decisions: list[Decision] = field(default_factory=list, init=False, compare=False, repr=False)

    def __call__(self, root: Operation, pass_: object) -> None:
        run_guarded("mema-tile", root, pass_, lambda: self._run(root, pass_))

    def _run(self, root: Operation, pass_: object) -> None:
        kept_int8, notes = flash_exclusions(self, root)
        self.rewrite(root, pass_, self.decisions, kept_int8, notes)

    def rewrite(self, root: Operation, pass_: object, decisions: list[Decision],
                kept_int8: frozenset[int] = frozenset(), notes: dict[int, str] | None = None) -> None:
        """Plan and rewrite every matmul under `root`."""
        replaced_globals: set[str] = set()
        first = len(decisions)
        kinds: dict[str, tuple[str, tuple[int, int]]] = {}  # function -> kind, the nest's extra beyond the lowest level
        for op, chosen in planned_matmuls("mema-tile", self, root, pass_, decisions, kept_int8, notes):
            kinds[chosen.decision.function] = _straight_line_kind(chosen)
            if isinstance(chosen, DepthwisePlan):
                replaced_globals |= self._rewrite_depthwise(op, chosen)
            else:
                replaced_globals |= self._rewrite(op, chosen)
        module_op = module_of(root)
        _price_straight_line(module_op, [d for d in decisions[first:] if d.function in kinds], kinds,
                             self.load_target())
        if replaced_globals:
            for dead in _unused_private_globals(module_op, replaced_globals):
                dead.erase()

    def _rewrite(self, op: Operation, chosen: Plan) -> set[str]:
        """Splice the tiled nest in place of `op`; returns the globals it re-laid out."""
        operands, schedule = chosen.operands, chosen.choice.schedule
        module_op = module_of(op)
        existing = _symbols(module_op)
        new_globals: list[str] = []
        re_laid: set[str] = set()
        a_type, b_type = str(operands.a.type), str(operands.b.type)
        a_global = b_global = pack_global = pack_type = ""
        stationary = schedule.stationarity != "output"
        a_panel = schedule.kernel != "mla" and operands.a_constant is not None
        if a_panel:
            assert operands.a_constant is not None and operands.a_global is not None
            if stationary:  # the kept rows' (weight) or one row's (input) groups, int16
                lines = schedule.mr if schedule.stationarity == "weight" else 1
                values = stationary_panel(operands.a_constant, lines, operands.elem)
                suffix = f"{schedule.stationarity}_{lines}"
            else:
                values = panel_layout(operands.a_constant, schedule.mr, schedule.a_form)
                suffix = f"{schedule.a_form}_{schedule.mr}"
            elem = "i8" if values.dtype == np.int8 else "i16"
            a_global = f"{operands.a_global}__mema_{suffix}"
            a_type = f"memref<{values.size}x{elem}>"
            if a_global not in existing:
                new_globals.append(_global_text(a_global, values, elem))
                existing.add(a_global)
            re_laid.add(operands.a_global)
        b_k_contiguous = operands.b_k_contiguous
        if operands.b_constant is not None and not operands.b_k_contiguous:
            assert operands.b_global is not None
            b_global = f"{operands.b_global}__mema_nk"
            b_type = f"memref<{operands.n}x{operands.k}x{operands.elem}>"
            if b_global not in existing:
                new_globals.append(_global_text(b_global, operands.b_constant.T, operands.elem))
                existing.add(b_global)
            b_k_contiguous = True
            re_laid.add(operands.b_global)
        if schedule.b_form == "packed":
            pack_global = _fresh_symbol("__mema_pack", existing)
            halfwords = schedule.nr * panel_row_bytes(operands.elem, operands.k, "packed") // 2
            pack_type = f"memref<{halfwords}xi16>"
            new_globals.append(_buffer_text(pack_global, halfwords))
        pixel_global = pixel_type = ""
        if operands.conv is not None:  # every pixel's input offset, read by its packing statement
            pixel_global = _fresh_symbol("__mema_pixels", existing)
            offsets = operands.conv.pixel_offsets()
            entry = "i16" if operands.conv.table_bytes == 2 else "i32"
            values = offsets.astype(np.uint16).view(np.int16) if entry == "i16" else offsets.astype(np.int32)
            pixel_type = f"memref<{values.size}x{entry}>"
            new_globals.append(_global_text(pixel_global, values, entry))
        c_value, c_strides = operands.c, (4, 4 * operands.m) if operands.conv else (0, 4)
        q_global = q_type = ""
        epilogue = chosen.epilogue
        if epilogue is not None:
            assert chosen.requant_table is not None
            c_value, c_strides = epilogue.output, (1, operands.m)
            q_global = _fresh_symbol("__mema_requant", existing)
            flat = chosen.requant_table.reshape(-1)
            q_type = f"memref<{flat.size}xi32>"
            new_globals.append(_global_text(q_global, flat, "i32"))
        a_bytes = 1 if operands.elem == "i8" else 2
        offsets = operands.offsets
        offset_bytes = (0 if a_global else offsets[0] * a_bytes, 0 if b_global else offsets[1] * a_bytes,
                        offsets[2] * 4)
        layout = OperandLayout(
            m=operands.m, n=operands.n, k=operands.k, elem=operands.elem,
            a_type=a_type, b_type=b_type, c_type=str(c_value.type),
            a_panel=a_panel, b_k_contiguous=b_k_contiguous,
            a_arg_type=str(operands.a.type), b_arg_type=str(operands.b.type),
            a_global=a_global, b_global=b_global, offset_bytes=offset_bytes,
            pack_global=pack_global, pack_type=pack_type, conv=operands.conv,
            pixel_global=pixel_global, pixel_type=pixel_type,
            c_strides=c_strides, requant_global=q_global, requant_type=q_type,
        )
        tile = TileParams(schedule.mr, schedule.nr, schedule.ku, schedule.kernel,
                          schedule.a_form, schedule.b_form, schedule.kept, schedule.loop_order,
                          schedule.kr if stationary and schedule.kr else 0)
        kernel_text = KernelWriter(layout, tile, schedule_attribute_text(chosen.decision)).write()
        if epilogue is None:
            _splice(op, module_op, new_globals, kernel_text, (operands.a, operands.b, operands.c))
            return re_laid
        return re_laid | _splice_fused(op, module_op, new_globals, kernel_text, (operands.a, operands.b, c_value),
                                       epilogue)

    def _rewrite_depthwise(self, op: Operation, chosen: DepthwisePlan) -> set[str]:
        """Splice a depthwise convolution's nest in place of `op`, its filter re-laid out."""
        operands = chosen.operands
        module_op = module_of(op)
        symbol = f"{operands.weights_global}__mema_dw"
        values = depthwise_layout(operands.weights)
        weights_type = f"memref<{values.size}xi16>"
        existing = _symbols(module_op)
        new_globals = [] if symbol in existing else [_global_text(symbol, values, "i16")]
        epilogue = chosen.epilogue
        output = operands.output if epilogue is None else epilogue.output
        q_global = q_type = ""
        if epilogue is not None:
            assert chosen.requant_table is not None
            q_global = _fresh_symbol("__mema_requant", existing)
            flat = chosen.requant_table.reshape(-1)
            q_type = f"memref<{flat.size}xi32>"
            new_globals.append(_global_text(q_global, flat, "i32"))
        types = (str(operands.input.type), str(operands.filter.type), str(output.type))
        writer = DepthwiseWriter(chosen.problem, chosen.pixels, types, symbol, weights_type,
                                 schedule_attribute_text(chosen.decision), q_global, q_type)
        arguments = (operands.input, operands.filter, output)
        if epilogue is None:
            _splice(op, module_op, new_globals, writer.write(), arguments)
            return {operands.weights_global}
        return {operands.weights_global} | _splice_fused(op, module_op, new_globals, writer.write(), arguments, epilogue)


def _straight_line_kind(chosen: Plan | DepthwisePlan) -> tuple[str, tuple[int, int]]:
    """The kernel kind straight_line_adjustment prices, and what the nest charged around the
    statements beyond the lowest register level (a stationary block of a higher level)."""
    if isinstance(chosen, DepthwisePlan):
        return "depthwise", (0, 0)
    schedule, problem = chosen.choice.schedule, chosen.problem
    if schedule.stationarity != "output":
        trips = stream_trips(problem, schedule.family)
        charged = stream_overhead(stream_level(schedule.registers(problem.elem)), OVERHEAD, trips)
        lowest = stream_overhead(STREAM_LEVELS[0], OVERHEAD, trips)
        lines, width = schedule.grid(problem.elem)
        extent, groups = grid_extent(problem, schedule.family)
        blocks = -(-extent // lines)
        statements = blocks * -(-groups // width)
        beyond = [statements * (charged.statement[i] - lowest.statement[i])
                  + blocks * (charged.block[i] - lowest.block[i]) for i in (0, 1)]
        return "stationary", (beyond[0], beyond[1])
    if chosen.operands.conv is not None:
        return "conv", (0, 0)
    return ("mla" if schedule.kernel == "mla" else "tile"), (0, 0)


def _price_straight_line(module_op: Operation, decisions: list[Decision],
                         kinds: dict[str, tuple[str, tuple[int, int]]], target: Target) -> None:
    """Re-price each kernel whose function, once rewritten, is that kernel alone (one decision;
    nothing but its statements, their addresses and one-trip loops: straight_line_statements):
    its prediction was the loop nest's (model.costs.straight_line_adjustment). The compile
    pipeline's lowering folds the one-trip loops (mema-lower-affine's canonicalize)."""
    by_function: dict[str, list[Decision]] = {}
    for decision in decisions:
        by_function.setdefault(decision.function, []).append(decision)
    for o in module_op.regions[0].blocks[0].operations:
        op = o.operation
        if op.name != "func.func":
            continue
        mine = by_function.get(str(op.attributes["sym_name"]).strip('"'), [])
        if len(mine) != 1 or mine[0].skipped:
            continue
        straight = straight_line_statements(op)
        if straight is None:
            continue
        registers = straight.statement_registers
        kind, beyond_lowest = kinds[mine[0].function]
        instructions, cycles = straight_line_adjustment(registers, kind, beyond_lowest, straight.globals)
        predicted = mine[0].predicted
        predicted["instructions"] += instructions
        predicted["cycles"] += cycles
        predicted["energy_nj"] += cycles * target.energy_per_cycle_nj
        predicted["straight_line"] = {"statement_registers": registers, "saved_registers":
                                      saved_registers(registers)}


class Quiet:
    """A stand-in pass for rewriting a scratch copy of the module (no failure to signal)."""

    def signal_pass_failure(self) -> None:
        pass


def flash_exclusions(options: ModelOptions, root: Operation) -> tuple[frozenset[int], dict[int, str]]:
    """The ops (by position) whose weights stay int8 so that the module's constants fit the
    target's weights memory (flash_budget.py), and each one's note. Measured on rewritten copies
    of the module, only when the bound on the constants does not fit."""
    if not options.expand_weights or options.schedule not in ("analytic", "exhaustive"):
        return frozenset(), {}
    target = options.load_target()
    weights = target.placement["weights"]
    capacity = target.memories[weights].capacity_bytes
    module_op = module_of(root)
    _, plans, error = plan_all(options, root)
    if error is not None or upper_bound(module_op, plans) <= capacity:
        return frozenset(), {}
    kept: set[int] = set()
    notes: dict[int, str] = {}
    tile = MemaTile(**{f.name: getattr(options, f.name) for f in dataclasses.fields(ModelOptions)})
    text = str(module_op)
    while True:
        copy = Module.parse(text, context=root.context)
        tile.rewrite(copy.operation, Quiet(), [], frozenset(kept))
        size = constant_bytes(copy.operation)
        if size <= capacity:
            break
        _, plans, _ = plan_all(options, root, frozenset(kept))
        groups = expanded_groups(plans, kept)
        if not groups:
            break
        _, indices = groups[0]
        for index in indices:
            kept.add(index)
            notes[index] = (f"weights kept int8: pre-expanded, the module's constants would take {size:,} bytes, "
                            f"more than {weights}'s {capacity:,}")
    return frozenset(kept), notes


def _splice_fused(op: Operation, module_op: Operation, new_globals: list[str], kernel_text: str,
                  arguments: tuple[Value, ...], epilogue: FusedEpilogue) -> set[str]:
    """Splice a nest that also does the bias and requantization: where the requantization was
    (its output may be allocated after the convolution; only inert ops lie in between), then
    drop the bias fill, the requantization, the int32 buffer they shared and the constants only
    they read. Returns those constants' symbols."""
    _splice(op, module_op, new_globals, kernel_text, arguments, anchor=epilogue.consumer)
    absorbed = [epilogue.consumer] + ([epilogue.init] if epilogue.init is not None else [])
    readers = _get_globals_read_by(absorbed)
    for absorbed_op in absorbed:
        absorbed_op.erase()
    _drop_if_unused(epilogue.accumulator)
    return _drop_dead_get_globals(readers)


def _get_globals_read_by(ops: list[Operation]) -> list[Operation]:
    """The memref.get_global ops whose results `ops` read."""
    found: list[Operation] = []
    for op in ops:
        for value in op.operands:
            owner = value.owner
            operation = owner.operation if isinstance(owner, OpView) else owner
            if isinstance(operation, Operation) and operation.name == "memref.get_global" and operation not in found:
                found.append(operation)
    return found


def _drop_dead_get_globals(get_globals: list[Operation]) -> set[str]:
    """Erase the get_globals left without a use (the bias, multipliers and shifts a fused
    requantization read); returns their symbols, for dropping the globals themselves."""
    symbols: set[str] = set()
    for operation in get_globals:
        if not list(operation.results[0].uses):
            symbols.add(str(operation.attributes["name"]).lstrip("@"))
            operation.erase()
    return symbols


def _drop_if_unused(buffer: Value) -> None:
    """Erase an alloc whose only remaining users are deallocs."""
    users = [use.owner for use in buffer.uses]
    users = [u.operation if isinstance(u, OpView) else u for u in users]
    if any(u.name != "memref.dealloc" for u in users):
        return
    for user in users:
        user.erase()
    owner = buffer.owner
    (owner.operation if isinstance(owner, OpView) else owner).erase()


def _splice(op: Operation, module_op: Operation, new_globals: list[str], kernel_text: str,
            arguments: tuple[Value, ...], anchor: Operation | None = None) -> None:
    """Parse the kernel function (and the new globals) in the op's context, put the globals at
    the module's top, the kernel's body (with its arguments replaced by the op's operands) in
    place of `op` (or just before `anchor`), and drop `op` and any get_global of an operand it
    left dead."""
    context: Context = op.context
    # Globals the kernel reads that an earlier op already created (two matmuls sharing one
    # constant A re-laid out the same way) are declared for the parse only.
    declared = _declarations(kernel_text, "\n".join(new_globals))
    scratch = Module.parse("\n".join([*new_globals, *declared, kernel_text]), context=context)
    body = module_op.regions[0].blocks[0]
    scratch_ops = list(scratch.body.operations)
    for global_op in scratch_ops[:len(new_globals)]:
        global_op.operation.move_before(body.operations[0])
    kernel = scratch_ops[-1].operation
    block = kernel.regions[0].blocks[0]
    for argument, value in zip(block.arguments, arguments, strict=True):
        argument.replace_all_uses_with(value)
    for inner in list(block.operations)[:-1]:  # all but func.return
        inner.operation.move_before(anchor if anchor is not None else op)
    op.erase()
    for value in arguments[:2]:  # a get_global of a re-laid constant is now dead
        owner = value.owner
        if isinstance(owner, OpView) and owner.operation.name == "memref.get_global" and not list(value.uses):
            owner.operation.erase()


_GET_GLOBAL = re.compile(r"memref\.get_global @([\w$.]+) : (memref<[^>]*>)")


def _declarations(kernel_text: str, defined_text: str) -> list[str]:
    """Uninitialized declarations of the globals `kernel_text` reads and `defined_text` does not
    define (they exist in the module already)."""
    out: list[str] = []
    for name, type_text in dict(_GET_GLOBAL.findall(kernel_text)).items():
        if f"@{name} :" not in defined_text:
            out.append(f'memref.global "private" @{name} : {type_text} = uninitialized')
    return out


__all__ = ["MemaTile"]
