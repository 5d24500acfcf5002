"""From one `linalg.matmul` to a MEMA decision: read the op, describe the problem, ask the model.

Shared by mema-analyze (which only records the decision) and mema-tile (which then rewrites the
op). A decision is plain data, so reports, remarks and tests read it without any MLIR context.
"""

from __future__ import annotations

import dataclasses
import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
from mlir.ir import Operation

from mema_mlir import model
from mema_mlir.epilogue import FusedEpilogue, NotFusable, read_requant_epilogue
from mema_mlir.matmul import (
    DEPTHWISE_OP,
    DepthwiseOperands,
    MatmulOperands,
    UnsupportedMatmul,
    read_depthwise,
    read_tiled_op,
)
from mema_mlir.model.depthwise import DepthwiseProblem, choose_depthwise
from mema_mlir.model.requant import folded_bias, parameter_table

OBJECTIVES = ("cycles", "accesses", "energy")
KEPT_TEXT = {"a": "A kept", "b": "B kept", "ab": "A and B kept"}
CMSIS_NN = "cmsis-nn"
_FIXED = re.compile(r"^fixed:(\d+)x(\d+)(?::(\w+)/(\w+)(?:/(\w+))?)?$")
FIXED_SYNTAX = "fixed:MRxNR or fixed:MRxNR:AFORM/BFORM[/KEPT] (e.g. fixed:2x2, fixed:2x2:bytes/packed/b)"
_STATIONARY = re.compile(r"^(weight|input):(\d+)x(\d+)$")
STATIONARY_SYNTAX = "weight:LINESxKR or input:LINESxKR (e.g. weight:1x16, input:3x4)"


def parse_schedule_option(text: str) -> tuple | str:
    """`analytic`, `exhaustive`, `cmsis-nn` (CMSIS-NN's kernel shapes, per op: see
    cmsis_nn_schedule), `fixed:MRxNR` or `fixed:MRxNR:AFORM/BFORM[/KEPT]` (the tile and,
    optionally, the operand forms and the kept operand, e.g. CMSIS-NN's convolution kernel as
    fixed:2x2:bytes/packed/b), `weight:LINESxKR` / `input:LINESxKR` (a weight- or
    input-stationary block of that many rows of A / columns of B by KR k-values); ValueError
    with the accepted forms otherwise."""
    if text in ("analytic", "exhaustive", CMSIS_NN):
        return text
    match = _FIXED.match(text)
    if match and int(match.group(1)) > 0 and int(match.group(2)) > 0:
        mr, nr = int(match.group(1)), int(match.group(2))
        if match.group(3) is None:
            return ("fixed", mr, nr)
        forms = (match.group(3), match.group(4), match.group(5))
        model.check_forms(*forms)
        return ("fixed", mr, nr, forms)
    match = _STATIONARY.match(text)
    if match and int(match.group(2)) > 0 and int(match.group(3)) > 0:
        return ("stationary", match.group(1), int(match.group(2)), int(match.group(3)))
    raise ValueError(f"schedule '{text}': expected analytic, exhaustive, {CMSIS_NN}, {FIXED_SYNTAX} "
                     f"or {STATIONARY_SYNTAX}")


def cmsis_nn_schedule(problem: model.Problem) -> tuple:
    """CMSIS-NN's kernel shape for one op, as a fixed schedule: a 2x2 tile with int8 weights
    split by SXTB16 in the loop and the activations packed to int16 (its q15 im2col buffer);
    for a matrix-vector product (N = 1), 2 rows of int8 weights against the int8 vector read in
    place (its fully-connected kernel), or packed when the op can only read it packed. int16
    weights are read as halfword pairs (its q15 kernels); a side of 1 stays 1."""
    a_form = "bytes" if problem.elem == "i8" else "halves"
    mr = min(2, problem.m)
    if problem.n == 1:
        return ("fixed", mr, 1, (a_form, "words" if problem.b_in_place else "packed", "b"))
    return ("fixed", mr, 2, (a_form, "packed", "b"))


@dataclass(frozen=True)
class ModelOptions:
    """The options every mema pass shares: which target, what to minimise, how to search."""

    target: str = "cortex-m4"
    objective: Literal["cycles", "accesses", "energy"] = "cycles"
    schedule: str = "analytic"
    # A convolution's bias and requantization done in its register tile (epilogue.py), its input
    # zero point folded into the bias; false keeps them as the separate loops upstream lowers.
    fuse_requant: bool = True
    # Constant int8 weights may be pre-expanded to int16 pairs (faster, twice the flash). With
    # true, mema keeps a module's weights int8 where the expanded ones would not fit the flash
    # (passes/common.py: planned_matmuls); false keeps every op's weights int8.
    expand_weights: bool = True

    def __post_init__(self) -> None:
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective '{self.objective}': expected one of {', '.join(OBJECTIVES)}")
        parse_schedule_option(self.schedule)

    def load_target(self) -> model.Target:
        """The target description; TargetError names the file and field when it is bad."""
        return model.load_target(self.target)


@dataclass
class Decision:
    """What mema decided for one matmul (or why it left it alone)."""

    function: str
    location: str
    line: int | None
    col: int | None
    op: str = "linalg.matmul"
    m: int | None = None
    n: int | None = None
    k: int | None = None
    elem: str | None = None
    schedule: dict[str, Any] = field(default_factory=dict)
    objective: str | None = None
    predicted: dict[str, Any] = field(default_factory=dict)
    lower_bound: dict[str, Any] = field(default_factory=dict)
    search: str | None = None
    search_seconds: float | None = None
    skipped: str | None = None  # the reason, when the op was left unchanged
    # A convolution's requantization: "fused" (done in the tile; `fused_ops` linalg ops absorbed),
    # or why it stays a separate loop; None for other ops.
    epilogue: str | None = None
    fused_ops: int = 0
    note: str | None = None  # e.g. why the weights were kept int8

    def report_entry(self, filename: str | None = None) -> dict[str, Any]:
        """The JSON shape `--mema-report` writes; locations as `file:line:col` given the file."""
        entry = asdict(self)
        line, col = entry.pop("line"), entry.pop("col")
        if filename is not None:
            entry["location"] = f"{filename}:{line}:{col}" if line is not None else filename
        if self.schedule:
            entry["tile"] = {"mr": self.schedule["mr"], "nr": self.schedule["nr"],
                             "kr": self.schedule.get("kr") or self.k}
        return entry

    def op_kind(self) -> str:
        """What the user wrote, in words: remarks must not call a convolution a matmul."""
        if self.op == "linalg.matmul":
            return "matmul"
        if "depthwise" in self.op:
            return "depthwise conv"
        if "conv" in self.op:
            return "conv"
        return self.op

    def remark(self) -> str:
        """One human-readable line, like clang's -Rpass remarks."""
        if self.skipped:
            return f"mema: {self.op_kind()} left unchanged: {self.skipped}"
        s, p, lb = self.schedule, self.predicted, self.lower_bound
        accesses = p["loads"] + p["stores"]
        bound = lb["loads"] + lb["stores"]
        if s["kernel"] == "depthwise":
            return (f"mema: depthwise {self.m} channels x {self.n} pixels x {self.k} taps: tile 4 channels x "
                    f"{s['nr']} pixels (SMLABB/SMLATT), {p['loads']} loads, {p['stores']} stores, "
                    f"{p['cycles']} est. cycles, {p['energy_nj']:.0f} nJ est.; {accesses / bound:.2f}x the "
                    "compulsory traffic" + self._epilogue_remark())
        if s.get("stationarity", "output") != "output":
            weight = s["stationarity"] == "weight"
            lines = s["mr"] if weight else s["nr"]
            kept = f"{lines} row{'s' if lines > 1 else ''} of A" if weight else f"{lines} column{'s' if lines > 1 else ''} of B"
            streamed = "B's columns" if weight else "A's rows"
            return (
                f"mema: {self.m}x{self.n}x{self.k} {self.elem}: {s['stationarity']}-stationary, {kept} x "
                f"{s['kr']} k in registers while {streamed} stream, partial sums through C once per k-slice "
                f"(A {s['a_form']}, B {s['b_form']}), {self.search} search for {self.objective}: "
                f"{p['loads']} loads, {p['stores']} stores, {p['cycles']} est. cycles, "
                f"{p['energy_nj']:.0f} nJ est.; {accesses / bound:.2f}x the I/O lower bound"
                + self._epilogue_remark()
            )
        return (
            f"mema: {'conv as ' if self.op != 'linalg.matmul' else ''}{self.m}x{self.n}x{self.k} {self.elem}: "
            f"tile {s['mr']}x{s['nr']} "
            f"{s['kernel']} (A {s['a_form']}, B {s['b_form']}, {KEPT_TEXT[s['kept']]}, ku {s['ku']}, "
            f"loop order {s['loop_order']}), {self.search} search for {self.objective}: "
            f"{p['loads']} loads, {p['stores']} stores, {p['cycles']} est. cycles, "
            f"{p['energy_nj']:.0f} nJ est.; {accesses / bound:.2f}x the I/O lower bound"
            + self._epilogue_remark()
        )

    def _epilogue_remark(self) -> str:
        note = f"; {self.note}" if self.note else ""
        if self.epilogue is None:
            return note
        if self.epilogue == "fused":
            return "; bias and requantization fused into the tile" + note
        return f"; requantization {self.epilogue}" + note


def function_name(op: Operation) -> str:
    """The symbol of the func.func that holds `op` (or "" at module level)."""
    parent = op.parent
    while parent is not None:
        if parent.name == "func.func":
            return str(parent.attributes["sym_name"]).strip('"')
        parent = parent.parent
    return ""


def _location_fields(op: Operation) -> tuple[str, int | None, int | None]:
    from mema_mlir.diagnostics import at_location

    where = at_location("remark", "", op.location)
    return str(op.location), where.line, where.col


def describe_problem(operands: MatmulOperands, target: model.Target) -> model.Problem:
    """The model's view of the op: sizes, layouts, what is constant and where it lives."""
    weights = target.placement["weights"]
    activations = target.placement["activations"]
    conv = operands.conv
    if conv is not None:  # C[F, pixels] += filter . im2col(input): B packed, C transposed
        return model.Problem(
            m=operands.m, n=operands.n, k=operands.k, elem=operands.elem, b_k_contiguous=True,
            a_constant=operands.a_constant is not None, b_constant=False,
            a_memory=weights if operands.a_constant is not None else activations,
            b_memory=activations, c_memory=target.placement["outputs"],
            buffer_memory=target.placement["buffers"], b_packed_only=True,
            b_segments=conv.filter_height, b_segment_values=conv.row_values,
            b_zero_point=conv.input_zero_point, b_segment_bytes=conv.row_bytes, b_table_bytes=conv.table_bytes,
            params_memory=weights, c_row_bytes=4, c_col_bytes=4 * conv.filters,
        )
    return model.Problem(
        m=operands.m,
        n=operands.n,
        k=operands.k,
        elem=operands.elem,
        # A constant B is re-laid out K-contiguous at compile time; a single column (N = 1) is
        # K-contiguous in either layout ([K, 1] and [1, K] are the same bytes).
        b_k_contiguous=operands.b_k_contiguous or operands.b_constant is not None,
        a_constant=operands.a_constant is not None,
        b_constant=operands.b_constant is not None,
        a_memory=weights if operands.a_constant is not None else activations,
        b_memory=weights if operands.b_constant is not None else activations,
        c_memory=target.placement["outputs"],
        buffer_memory=target.placement["buffers"],
    )


@dataclass(frozen=True)
class Plan:
    """A matmul that mema will tile: its operands, the problem and the model's choice; for a
    convolution whose requantization is fused, the ops it absorbs and the parameter table."""

    operands: MatmulOperands
    problem: model.Problem
    choice: model.Choice
    decision: Decision
    epilogue: FusedEpilogue | None = None
    requant_table: np.ndarray | None = None  # (F, 4) int32: model.requant.parameter_table


@dataclass(frozen=True)
class DepthwisePlan:
    """A depthwise convolution that mema will tile, and its tile width."""

    operands: DepthwiseOperands
    problem: DepthwiseProblem
    pixels: int
    decision: Decision
    epilogue: FusedEpilogue | None = None
    requant_table: np.ndarray | None = None  # (C, 4) int32: model.requant.parameter_table


class PlanError(Exception):
    """The user forced something that cannot apply; reported as an error at the op."""


def _fill_prediction(decision: Decision, cost: model.Cost, buffer_bytes: int) -> None:
    decision.predicted = {
        "loads": cost.loads, "stores": cost.stores, "load_bytes": cost.load_bytes,
        "store_bytes": cost.store_bytes, "instructions": cost.instructions,
        "cycles": cost.cycles, "energy_nj": cost.energy_nj,
        # Where the accesses go: per operand ("buffer": the run-time packing buffer) and per
        # memory; and the working buffer's size (SRAM a caller must leave free).
        "operand_loads": dict(cost.operand_loads), "operand_stores": dict(cost.operand_stores),
        "memory": {name: asdict(traffic) for name, traffic in cost.memory.items()},
        "buffer_bytes": buffer_bytes,
    }


def plan_depthwise(op: Operation, options: ModelOptions, target: model.Target,
                   base: Decision) -> DepthwisePlan | Decision:
    """Decide one depthwise convolution: the tile width of least cost (or why not tiled). Its
    tile is always 4 channels by the pixels the model picks: a `fixed:MRxNR` schedule (a matmul
    tile) does not apply to it, so that a whole model can be compiled with one (the report's
    `search` says `analytic`)."""
    try:
        operands = read_depthwise(op)
    except UnsupportedMatmul as err:
        base.skipped = str(err)
        return base
    problem = dataclasses.replace(operands.geometry, weights_memory=target.placement["weights"],
                                  input_memory=target.placement["activations"],
                                  output_memory=target.placement["outputs"])
    epilogue = table = None
    if options.fuse_requant and target.has_dsp:
        try:
            epilogue = read_requant_epilogue(op, problem.channels)
        except NotFusable as err:
            base.epilogue = f"not fused: {err}" if err.candidate else None
    elif not options.fuse_requant:
        base.epilogue = "not fused (fuse-requant=false)"
    if epilogue is not None:
        # The filter is a constant (read_depthwise): the zero point folds into the bias.
        per_channel = operands.weights.reshape(-1, problem.channels).T
        bias = folded_bias(epilogue.bias, per_channel, problem.zero_point)
        table = parameter_table(epilogue.requant, bias, problem.channels)
        problem = dataclasses.replace(problem, requant=True, zero_point=0)
        base.epilogue, base.fused_ops = "fused", 2 if epilogue.init is not None else 1
    started = time.perf_counter()
    try:
        choice = choose_depthwise(problem, target, options.objective)
    except model.ScheduleError as err:  # only the model's own refusals: a bug stays a bug
        base.skipped = str(err)
        base.epilogue, base.fused_ops = None, 0  # nothing is fused into an op left alone
        return base
    base.m, base.n, base.k, base.elem = problem.channels, problem.pixels, problem.taps, "i8"
    base.schedule = {"mr": 4, "nr": choice.pixels, "ku": 1, "kernel": "depthwise", "a_form": "pairs",
                     "b_form": "words", "kept": "a", "loop_order": "ij", "stationarity": "output"}
    base.objective = options.objective
    _fill_prediction(base, choice.cost, 0)
    outputs = problem.pixels * problem.channels
    weights_words = -(-problem.taps * problem.channels // 4)
    input_words = -(-problem.height * problem.width * problem.channels // 4)
    if problem.requant:  # no partial sums read; int8 outputs, four per word store at best
        base.lower_bound = {"loads": weights_words + input_words, "stores": -(-outputs // 4)}
    else:
        base.lower_bound = {"loads": weights_words + input_words + outputs, "stores": outputs}
    base.search = "analytic"
    base.search_seconds = time.perf_counter() - started
    return DepthwisePlan(operands, problem, choice.pixels, base, epilogue, table)


def plan(op: Operation, options: ModelOptions, target: model.Target) -> Plan | DepthwisePlan | Decision:
    """Decide one matmul. Returns a Plan, or a skipped Decision when the op is unsupported and
    the schedule was not forced; raises PlanError when a forced schedule cannot apply."""
    location, line, col = _location_fields(op)
    base = Decision(function=function_name(op), location=location, line=line, col=col, op=op.name)
    if op.name == DEPTHWISE_OP:
        return plan_depthwise(op, options, target, base)
    schedule_option = parse_schedule_option(options.schedule)
    try:
        operands = read_tiled_op(op)
    except UnsupportedMatmul as err:
        if isinstance(schedule_option, tuple):
            raise PlanError(f"cannot apply {options.schedule}: {err}") from None
        base.skipped = str(err)
        return base
    problem = describe_problem(operands, target)
    if not options.expand_weights:
        problem = dataclasses.replace(problem, a_expandable=False)
    fused = _fusion(op, operands, problem, options, target, base)
    if fused is not None:
        operands, problem = fused[0], fused[1]
    search = cmsis_nn_schedule(problem) if schedule_option == CMSIS_NN else schedule_option
    if not model.families(problem, target) and not isinstance(schedule_option, tuple):
        base.skipped = (f"no kernel of target '{target.name}' applies: a convolution's input is read "
                        "packed, which needs the DSP kernels (SMLAD/SXTB16)")
        return base
    started = time.perf_counter()
    try:
        choice = model.choose(problem, target, objective=options.objective, search=search)
    except model.ScheduleError as err:
        base.epilogue, base.fused_ops = None, 0  # nothing is fused into an op left alone
        if schedule_option == CMSIS_NN:  # a baseline: the op is left to the lowering, said why
            base.skipped = f"cmsis-nn: CMSIS-NN's {search[1]}x{search[2]} kernel shape cannot run here: {err}"
            return base
        raise PlanError(str(err)) from None
    elapsed = time.perf_counter() - started
    schedule = choice.schedule
    cost = choice.cost
    base.m, base.n, base.k, base.elem = operands.m, operands.n, operands.k, operands.elem
    base.schedule = {
        "mr": schedule.mr, "nr": schedule.nr, "ku": schedule.ku, "kernel": schedule.kernel,
        "a_form": schedule.a_form, "b_form": schedule.b_form, "kept": schedule.kept,
        "loop_order": schedule.loop_order, "stationarity": schedule.stationarity,
        "kr": schedule.kr or operands.k,
    }
    base.objective = options.objective
    _fill_prediction(base, cost, model.buffer_bytes(problem, schedule.family, schedule.nr))
    base.lower_bound = {"loads": choice.lower_bound.loads, "stores": choice.lower_bound.stores}
    base.search = schedule_option if isinstance(schedule_option, str) else "fixed"  # cmsis-nn stays named
    base.search_seconds = elapsed
    if fused is not None:
        return Plan(operands, problem, choice, base, fused[2], fused[3])
    return Plan(operands, problem, choice, base)


def _fusion(op: Operation, operands: MatmulOperands, problem: model.Problem, options: ModelOptions,
            target: model.Target, base: Decision,
            ) -> tuple[MatmulOperands, model.Problem, FusedEpilogue, np.ndarray] | None:
    """A convolution's requantization fused into its tile, when it can be (else None and the
    reason in base.epilogue): the operands with the zero point folded away (constant filter),
    the problem writing int8 C, the ops absorbed and the parameter table."""
    conv = operands.conv
    if conv is None:
        return None
    if not options.fuse_requant:
        base.epilogue = "not fused (fuse-requant=false)"
        return None
    if not target.has_dsp:
        base.epilogue = f"not fused: target '{target.name}' has no SMMLA (DSP extension)"
        return None
    try:
        epilogue = read_requant_epilogue(op, conv.filters)
    except NotFusable as err:
        base.epilogue = f"not fused: {err}" if err.candidate else None
        return None
    bias = epilogue.bias
    zero_point = conv.input_zero_point
    if operands.a_constant is not None and zero_point:
        bias = folded_bias(bias, operands.a_constant, zero_point)
        zero_point = 0
        operands = dataclasses.replace(operands, conv=dataclasses.replace(conv, input_zero_point=0))
    table = parameter_table(epilogue.requant, bias, conv.filters)
    fused_problem = dataclasses.replace(problem, requant=True, c_row_bytes=1, c_col_bytes=conv.filters,
                                        b_zero_point=zero_point, params_memory=target.placement["weights"])
    if not model.families(fused_problem, target):
        base.epilogue = "not fused: no kernel applies"
        return None
    base.epilogue = "fused"
    base.fused_ops = 2 if epilogue.init is not None else 1
    return operands, fused_problem, epilogue, table


def schedule_attribute_text(decision: Decision) -> str:
    """The `mema.schedule` dictionary attribute, as MLIR text."""
    s = decision.schedule
    return (
        f"{{mr = {s['mr']} : i64, nr = {s['nr']} : i64, kr = {s.get('kr') or decision.k} : i64, ku = {s['ku']} : i64, "
        f'kernel = "{s["kernel"]}", a_form = "{s["a_form"]}", b_form = "{s["b_form"]}", kept = "{s["kept"]}", '
        f'loop_order = "{s["loop_order"]}", stationarity = "{s.get("stationarity", "output")}", '
        f'objective = "{decision.objective}", '
        f'search = "{decision.search}"}}'
    )
