"""Depthwise convolutions: the tile and its exact cost.

A depthwise convolution has no reduction over channels: each output channel sums its own
KH*KW taps. The DSP kernel (microkernel.depthwise_program) takes 4 channels (one input word)
of P output pixels per tile, straight-line over the taps; the schedule space is P (1, 2, ... as
the registers allow) and nothing else, so the choice is the P of least cost, each evaluated
exactly: a tile of P pixels runs all channels / 4 blocks as one strip statement (the step between
blocks inside it, microkernel.depthwise_strip_program), every statement counted instruction by
instruction, plus llc's code around each statement and per output row (overhead.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from mema_mlir.model.costs import Cost, MemoryTraffic, energy_nj
from mema_mlir.model.errors import ScheduleError
from mema_mlir.model.microkernel import (
    MAX_OFFSET,
    DepthwiseSpec,
    Program,
    Strip,
    depthwise_program,
    depthwise_registers,
    depthwise_strip_program,
)
from mema_mlir.model.overhead import OVERHEAD, Overhead
from mema_mlir.model.target import Target


@dataclass(frozen=True)
class DepthwiseProblem:
    """A depthwise convolution over a (padded) NHWC input, channel multiplier 1."""

    height: int
    width: int
    channels: int  # a multiple of 4
    filter_height: int
    filter_width: int
    stride_h: int
    stride_w: int
    out_height: int
    out_width: int
    zero_point: int
    weights_memory: str = "flash"
    input_memory: str = "sram"
    output_memory: str = "sram"
    # The requantization fused (model.requant): int8 outputs, each tile's 4 channels reading
    # their bias and parameters from a table with the weights.
    requant: bool = False

    @property
    def output_pixel_bytes(self) -> int:
        """Bytes between consecutive output pixels: C int32 partials, or C int8 outputs."""
        return self.channels if self.requant else 4 * self.channels

    @property
    def pixels(self) -> int:
        return self.out_height * self.out_width

    @property
    def taps(self) -> int:
        return self.filter_height * self.filter_width

    @property
    def macs(self) -> int:
        return self.pixels * self.channels * self.taps

    def tap_offsets(self) -> tuple[int, ...]:
        """Bytes from a pixel's first input word to each tap's (NHWC)."""
        return tuple((kh * self.width + kw) * self.channels
                     for kh in range(self.filter_height) for kw in range(self.filter_width))

    @property
    def blocks(self) -> int:
        """Blocks of 4 channels: one tile each, a strip's tiles when more than one."""
        return self.channels // 4

    @property
    def strips(self) -> bool:
        """Whether each tile of pixels runs its channel blocks as one strip statement."""
        return self.blocks > 1

    def spec(self, pixels: int) -> DepthwiseSpec:
        """The tile kernel for `pixels` consecutive output pixels (along a row)."""
        return DepthwiseSpec(self.tap_offsets(), pixels, self.stride_w * self.channels, self.zero_point,
                             self.output_pixel_bytes, self.requant, in_strip=self.strips)

    def statement(self, pixels: int) -> Program | Strip:
        """The statement of one tile of `pixels`: its channel blocks as a strip, or the one tile."""
        spec = self.spec(pixels)
        return depthwise_strip_program(spec, self.blocks) if self.strips else depthwise_program(spec)


@dataclass(frozen=True)
class DepthwiseChoice:
    pixels: int  # output pixels per tile (along a row of the output)
    cost: Cost


def legal_pixels(problem: DepthwiseProblem, target: Target) -> list[int]:
    """Tile widths that fit the registers, stay within a row of the output and reach every tap
    by an LDR immediate."""
    found = []
    for pixels in range(1, problem.out_width + 1):
        if depthwise_registers(pixels, problem.zero_point) > target.registers:
            break
        farthest = max(problem.tap_offsets()) + (pixels - 1) * problem.stride_w * problem.channels
        if farthest > MAX_OFFSET or problem.output_pixel_bytes * (pixels - 1) + 12 > MAX_OFFSET:
            break
        found.append(pixels)
    return found


def llc_overhead(problem: DepthwiseProblem, pixels: int, registers: int, overhead: Overhead) -> tuple[int, int]:
    """(ALU instructions, stack cycles) of llc's code around the statements (overhead.py): per
    statement in a row's loop over its full tiles or alone, by whether it takes all `registers`,
    and per output row; one output row's loop folds (lowering's canonicalize), which changes
    what llc writes around the loop over its tiles."""
    full, rest = divmod(problem.out_width, pixels)
    rows = problem.out_height
    in_loop = rows * full if full > 1 else 0
    alone = rows * ((full == 1) + (rest > 0))
    o = overhead
    all_registers = depthwise_registers(pixels, problem.zero_point) >= registers
    if all_registers:
        loop = (o.depthwise_loop_statement_all_registers_alu, o.depthwise_loop_statement_all_registers_stack_cycles)
        single = (o.depthwise_single_statement_all_registers_alu,
                  o.depthwise_single_statement_all_registers_stack_cycles)
    else:
        loop = (o.depthwise_loop_statement_alu, o.depthwise_loop_statement_stack_cycles)
        single = (o.depthwise_single_statement_alu, o.depthwise_single_statement_stack_cycles)
    requant = (o.depthwise_requant_statement_alu, o.depthwise_requant_stack_cycles) if problem.requant else (0, 0)
    row_loops = rows if full > 1 else 0
    alu = (loop[0] * in_loop + single[0] * alone + requant[0] * (in_loop + alone) + o.depthwise_row_alu * rows
           + o.depthwise_pixel_loop_alu * row_loops + o.call_alu)
    stack = loop[1] * in_loop + single[1] * alone + requant[1] * (in_loop + alone) + o.depthwise_row_stack_cycles * rows
    if rows == 1 and full > 1:  # the row loop folds (one trip); the loop over the row's tiles stays
        if all_registers:
            alu -= o.depthwise_one_row_all_registers_alu
            stack -= o.depthwise_one_row_all_registers_stack_cycles
            if not rest:  # llc then keeps its loop state in registers: no reload per statement
                alu -= o.depthwise_one_row_statement_alu * full
                stack -= o.depthwise_one_row_statement_stack_cycles * full
        else:
            alu += o.depthwise_one_row_narrow_statement_alu * full - o.depthwise_one_row_alu
            stack -= o.depthwise_one_row_stack_cycles
    return alu, stack


def depthwise_cost(problem: DepthwiseProblem, target: Target, pixels: int,
                   overhead: Overhead = OVERHEAD) -> Cost:
    """The exact count of one schedule: per output row, full tiles of `pixels` and an edge
    tile of the rest, each a statement over all channel blocks (problem.statement)."""
    full, rest = divmod(problem.out_width, pixels)
    per_row = [(pixels, full)] + ([(rest, 1)] if rest else [])
    totals: dict[str, int] = {}
    loads: dict[str, int] = {}
    stores = store_bytes = 0
    cycles = 0
    statements = 0
    for width, count in per_row:
        ex = problem.statement(width).execution()
        times = count * problem.out_height
        statements += times
        for name, value in ex.by_class.items():
            totals[name] = totals.get(name, 0) + value * times
        for operand, value in ex.loads.items():
            loads[operand] = loads.get(operand, 0) + value * times
        stores += ex.stores.get("C", 0) * times
        store_bytes += ex.store_bytes.get("C", 0) * times
        cycles += ex.cycles * times
    alu, stack_cycles = llc_overhead(problem, pixels, target.registers, overhead)
    cycles += (alu + stack_cycles + 3 * overhead.tile_branches_taken * statements
               + 3 * overhead.outer_branches_taken * problem.out_height
               + 2 * (1 + overhead.call_saved_registers) + 2)
    totals["alu"] = totals.get("alu", 0) + alu
    totals["branch"] = totals.get("branch", 0) + statements + problem.out_height
    traffic = (float(loads.get("A", 0)), float(loads.get("B", 0)), 0.0, float(loads.get("C", 0)),
               float(stores), 0.0, float(loads.get("Q", 0)), 0.0)
    memory = {name: [0, 0, 0, 0] for name in target.memories}
    for where, count, size, write in ((problem.weights_memory, loads.get("A", 0), 4, False),
                                      (problem.weights_memory, loads.get("Q", 0), 4, False),
                                      (problem.input_memory, loads.get("B", 0), 4, False),
                                      (problem.output_memory, loads.get("C", 0), 4, False),
                                      (problem.output_memory, stores, store_bytes // max(1, stores), True)):
        memory[where][1 if write else 0] += count
        memory[where][3 if write else 2] += size * count
    operand_loads = {"A": loads.get("A", 0), "B": loads.get("B", 0), "buffer": 0, "C": loads.get("C", 0)}
    if problem.requant:
        operand_loads["params"] = loads.get("Q", 0)
    return Cost(
        loads=sum(loads.values()), stores=stores, load_bytes=4 * sum(loads.values()), store_bytes=store_bytes,
        memory={name: MemoryTraffic(*entry) for name, entry in memory.items()},
        operand_loads=operand_loads,
        operand_load_bytes={name: 4 * count for name, count in operand_loads.items()},
        operand_stores={"C": stores, "buffer": 0},
        instructions=sum(totals.values()) + 2, instructions_by_class=totals, cycles=cycles,
        energy_nj=_energy(problem, target, cycles, traffic), access_cost=0.0,
    )


def _energy(problem: DepthwiseProblem, target: Target, cycles: int, traffic: tuple[float, ...]) -> float:
    from mema_mlir.model.problem import Problem

    view = Problem(1, 1, 1, a_memory=problem.weights_memory, b_memory=problem.input_memory,
                   c_memory=problem.output_memory, params_memory=problem.weights_memory)
    return energy_nj(view, target, cycles, traffic)


def choose_depthwise(problem: DepthwiseProblem, target: Target, objective: str = "cycles") -> DepthwiseChoice:
    """The tile width of least cost (ScheduleError when none is legal)."""
    if not target.has_dsp:
        raise ScheduleError(f"target '{target.name}' has no DSP extension (SMLABB/SXTB16)")
    candidates = legal_pixels(problem, target)
    if not candidates:
        raise ScheduleError("no depthwise tile reaches every tap by an LDR immediate")
    key = {"cycles": lambda c: c.cycles, "energy": lambda c: c.energy_nj,
           "accesses": lambda c: c.loads + c.stores}[objective]
    costs = [(key(cost), -pixels, pixels, cost) for pixels in candidates
             for cost in [depthwise_cost(problem, target, pixels)]]
    _, _, pixels, cost = min(costs, key=lambda item: item[:3])
    return DepthwiseChoice(pixels, cost)
