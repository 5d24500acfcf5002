"""Exact closed-form counts of the emitted kernel, and the cycles and energy that follow.

Why everything is a function of two integers. Every per-tile count is affine in the tile's
mr', nr' and mr'*nr' (plus a per-tile constant), and summing over the tiles of one block row
gives sum(mr') = M, sum(nr') = N whatever the edges are. So with p = ceil(M/mr) row blocks and
q = ceil(N/nr) column blocks, a whole matmul's count is a combination of the monomials

    1 (per call), M*q (A rows, once per column block), N*p (B columns, once per row block),
    M*N (outputs), p*q (tiles), p or q (outer block-loop iterations, by loop order)

with coefficients that depend only on the kernel family, K and ku. `Rates` holds those
coefficients; `predict` evaluates them. The same coefficients with p = M/mr, q = N/nr give the
continuous relaxation the analytic optimiser starts from (a lower bound, since ceil(x) >= x).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from mema_mlir.model.kernels import group_k, kernel_shape
from mema_mlir.model.overhead import (
    OVERHEAD,
    Overhead,
    first_loads_follow_c_loads,
    k_loop_overhead,
    k_loop_trips,
)
from mema_mlir.model.problem import Problem
from mema_mlir.model.schedule import Schedule
from mema_mlir.model.target import Target
from mema_mlir.model.timing import (
    BRANCH_NOT_TAKEN,
    PIPELINED_LOAD_STORE,
    SINGLE_LOAD_STORE,
    TAKEN_PENALTY,
    multiple_cycles,
)

# Coefficient vectors are indexed by these monomials.
ONE, ROWS, COLS, OUTPUTS, TILES, OUTER = range(6)
Vector = tuple[float, ...]

QUANTITIES = (
    "loads_a", "loads_b", "loads_c", "stores_c", "bytes_a", "bytes_b",
    "extend", "alu", "dsp_mac", "mul", "taken", "not_taken", "bursts", "store_multiple",
    "load_multiple", "stack_cycles",
)


@dataclass(frozen=True)
class Rates:
    """Coefficients of each counted quantity on the monomials (1, M*q, N*p, M*N, p*q, outer)."""

    vectors: dict[str, Vector] = field(hash=False)
    cycles: Vector = ()

    def at(self, name: str, monomials: Vector) -> float:
        return dot(self.vectors[name], monomials)


def _vec(one: int = 0, rows: int = 0, cols: int = 0, outputs: int = 0, tiles: int = 0,
         outer: int = 0) -> Vector:
    return (one, rows, cols, outputs, tiles, outer)


def dot(c: Vector, x: Vector) -> float:
    return c[0] * x[0] + c[1] * x[1] + c[2] * x[2] + c[3] * x[3] + c[4] * x[4] + c[5] * x[5]


@dataclass(frozen=True)
class KLoops:
    """One tile's k-loop control: the only part of a cost that ku changes."""

    alu: int
    taken: int
    not_taken: int
    merged_bursts: int  # 1 when the first group's loads join the C loads' burst

    @property
    def cycles(self) -> int:
        return (self.alu + (1 + TAKEN_PENALTY) * self.taken + BRANCH_NOT_TAKEN * self.not_taken
                - (SINGLE_LOAD_STORE - PIPELINED_LOAD_STORE) * self.merged_bursts)


def k_loops(problem: Problem, kernel: str, ku: int, overhead: Overhead = OVERHEAD) -> KLoops:
    """The k-loop control of one tile, from the trip counts of its (up to) three k loops."""
    groups, rest = divmod(problem.k, group_k(problem.elem, kernel))
    trips = k_loop_trips(groups, rest, ku)
    alu, taken, not_taken = k_loop_overhead(trips, overhead)
    return KLoops(alu, taken, not_taken, 1 if first_loads_follow_c_loads(trips, overhead) else 0)


@lru_cache(maxsize=4096)
def rates(problem: Problem, kernel: str, a_form: str, b_form: str, ku: int,
          overhead: Overhead = OVERHEAD) -> Rates:
    """The closed-form coefficients for one family and unroll (independent of mr, nr)."""
    shape = kernel_shape(problem.elem, kernel, a_form, b_form)
    groups, rest = divmod(problem.k, shape.group)
    # Per row of A per column block: the group loads plus one element load per remainder k.
    row_loads = shape.a_loads * groups + rest
    row_bytes = shape.a_loads * shape.a_load_bytes * groups + rest * shape.a_rem_bytes
    col_loads = shape.b_loads * groups + rest
    col_bytes = shape.b_loads * shape.b_load_bytes * groups + rest * shape.b_rem_bytes
    macs_dsp = shape.macs * groups if shape.mac_class == "dsp_mac" else 0
    macs_mul = rest + (shape.macs * groups if shape.mac_class == "mul" else 0)
    loops = k_loops(problem, kernel, ku, overhead)
    saved = overhead.call_saved_registers
    vectors = {
        "loads_a": _vec(rows=row_loads),
        "loads_b": _vec(cols=col_loads),
        "loads_c": _vec(outputs=1),
        "stores_c": _vec(outputs=1),
        "bytes_a": _vec(rows=row_bytes),
        "bytes_b": _vec(cols=col_bytes),
        "extend": _vec(rows=shape.a_extend * groups, cols=shape.b_extend * groups),
        "alu": _vec(one=overhead.call_alu, cols=shape.b_pack * groups,
                    tiles=overhead.tile_alu + loops.alu, outer=overhead.outer_alu),
        "dsp_mac": _vec(outputs=macs_dsp),
        "mul": _vec(outputs=macs_mul),
        "taken": _vec(tiles=overhead.tile_branches_taken + loops.taken, outer=overhead.outer_branches_taken),
        "not_taken": _vec(tiles=loops.not_taken),
        # Load/store bursts per tile: C loads, C stores, and in the k loops either one per group
        # and remainder k (loads issued back to back) or one per load (llc interleaves them with
        # the MACs, as measured on the emitted code: overhead.k_loads_back_to_back).
        "bursts": (_vec(tiles=2 + groups + rest - loops.merged_bursts)
                   if overhead.k_loads_back_to_back
                   else _vec(rows=row_loads, cols=col_loads, tiles=2)),
        "store_multiple": _vec(one=1),
        "load_multiple": _vec(one=1),
        # PUSH of the saved registers, POP of them with pc (a taken transfer).
        "stack_cycles": _vec(one=multiple_cycles(saved) + multiple_cycles(saved) + TAKEN_PENALTY),
    }
    # A burst of n single loads/stores costs 2 + (n - 1): every access 1, every burst 1 more.
    weights = {
        "loads_a": PIPELINED_LOAD_STORE, "loads_b": PIPELINED_LOAD_STORE,
        "loads_c": PIPELINED_LOAD_STORE, "stores_c": PIPELINED_LOAD_STORE,
        "bursts": SINGLE_LOAD_STORE - PIPELINED_LOAD_STORE,
        "extend": 1, "alu": 1, "dsp_mac": 1, "mul": 1,
        "taken": 1 + TAKEN_PENALTY, "not_taken": BRANCH_NOT_TAKEN, "stack_cycles": 1,
    }
    cycles = tuple(sum(w * vectors[name][i] for name, w in weights.items()) for i in range(6))
    return Rates(vectors, cycles)


def monomials(problem: Problem, mr: float, nr: float, loop_order: str, exact: bool = True) -> Vector:
    """(1, M*q, N*p, M*N, p*q, outer) for a tile; exact=False gives the continuous relaxation."""
    if exact:
        p = -(-problem.m // int(mr))
        q = -(-problem.n // int(nr))
    else:
        p = problem.m / mr
        q = problem.n / nr
    outer = p if loop_order == "ij" else q
    return (1, problem.m * q, problem.n * p, problem.m * problem.n, p * q, outer)


@dataclass(frozen=True)
class MemoryTraffic:
    """Data accesses that reach one memory."""

    reads: int
    writes: int
    read_bytes: int
    write_bytes: int


@dataclass(frozen=True)
class Cost:
    """Predicted counts of one schedule. Loads/stores/bytes and data instructions are exact;
    loop and address instructions, cycles and energy are estimates (see overhead.py)."""

    loads: int
    stores: int
    load_bytes: int
    store_bytes: int
    memory: dict[str, MemoryTraffic] = field(hash=False)
    operand_loads: dict[str, int] = field(hash=False)  # "A", "B", "C"
    operand_load_bytes: dict[str, int] = field(hash=False)
    instructions: int = 0
    instructions_by_class: dict[str, int] = field(default_factory=dict, hash=False)
    cycles: int = 0  # est. cycles (shared Cortex-M4 timing table)
    energy_nj: float = 0.0  # estimate
    access_cost: float = 0.0  # sum over memories of reads*read_cycles + writes*write_cycles


def access_cost(problem: Problem, target: Target, loads_a: float, loads_b: float,
                loads_c: float, stores_c: float) -> float:
    """The `accesses` objective: every access weighted by its memory's cost (target file)."""
    a = target.memory(problem.a_memory)
    b = target.memory(problem.b_memory)
    c = target.memory(problem.c_memory)
    return (loads_a * a.read_cycles + loads_b * b.read_cycles + loads_c * c.read_cycles
            + stores_c * c.write_cycles)


def energy_nj(problem: Problem, target: Target, cycles: float, loads_a: float, loads_b: float,
              loads_c: float, stores_c: float) -> float:
    """Estimated energy: core cycles plus the per-access energies of the memories touched."""
    a = target.memory(problem.a_memory)
    b = target.memory(problem.b_memory)
    c = target.memory(problem.c_memory)
    return (cycles * target.energy_per_cycle_nj + loads_a * a.read_energy_nj
            + loads_b * b.read_energy_nj + loads_c * c.read_energy_nj + stores_c * c.write_energy_nj)


def objective_value(objective: str, problem: Problem, target: Target, r: Rates, x: Vector) -> float:
    """One objective at monomials x: exact for integer block counts, a lower bound for relaxed."""
    loads = (r.at("loads_a", x), r.at("loads_b", x), r.at("loads_c", x), r.at("stores_c", x))
    if objective == "accesses":
        return access_cost(problem, target, *loads)
    cycles = dot(r.cycles, x)
    if objective == "cycles":
        return cycles
    return energy_nj(problem, target, cycles, *loads)


def predict(problem: Problem, schedule: Schedule, target: Target,
            overhead: Overhead = OVERHEAD) -> Cost:
    """The closed-form cost of `schedule` (which is assumed legal; see check_schedule)."""
    r = rates(problem, schedule.kernel, schedule.a_form, schedule.b_form, schedule.ku, overhead)
    return cost_at(problem, target, r, monomials(problem, schedule.mr, schedule.nr, schedule.loop_order))


def cost_at(problem: Problem, target: Target, r: Rates, x: Vector) -> Cost:
    """Evaluate the rates at exact (integer) monomials."""
    v = {name: int(r.at(name, x)) for name in QUANTITIES}
    cycles = int(dot(r.cycles, x))
    loads = v["loads_a"] + v["loads_b"] + v["loads_c"]
    by_class = {
        "load": loads,
        "store": v["stores_c"],
        "extend": v["extend"],
        "alu": v["alu"],
        "dsp_mac": v["dsp_mac"],
        "mul": v["mul"],
        "branch": v["taken"] + v["not_taken"],
        "load_multiple": v["load_multiple"],
        "store_multiple": v["store_multiple"],
    }
    operand_bytes = {"A": v["bytes_a"], "B": v["bytes_b"], "C": 4 * v["loads_c"]}
    memory = _memory_traffic(problem, target, v, operand_bytes)
    traffic = (v["loads_a"], v["loads_b"], v["loads_c"], v["stores_c"])
    return Cost(
        loads=loads,
        stores=v["stores_c"],
        load_bytes=sum(operand_bytes.values()),
        store_bytes=4 * v["stores_c"],
        memory=memory,
        operand_loads={"A": v["loads_a"], "B": v["loads_b"], "C": v["loads_c"]},
        operand_load_bytes=operand_bytes,
        instructions=sum(by_class.values()),
        instructions_by_class=by_class,
        cycles=cycles,
        energy_nj=energy_nj(problem, target, cycles, *traffic),
        access_cost=access_cost(problem, target, *traffic),
    )


def _memory_traffic(problem: Problem, target: Target, v: dict[str, int],
                    operand_bytes: dict[str, int]) -> dict[str, MemoryTraffic]:
    reads = dict.fromkeys(target.memories, 0)
    read_bytes = dict.fromkeys(target.memories, 0)
    writes = dict.fromkeys(target.memories, 0)
    for where, count, nbytes in ((problem.a_memory, v["loads_a"], operand_bytes["A"]),
                                 (problem.b_memory, v["loads_b"], operand_bytes["B"]),
                                 (problem.c_memory, v["loads_c"], operand_bytes["C"])):
        target.memory(where)
        reads[where] += count
        read_bytes[where] += nbytes
    writes[problem.c_memory] += v["stores_c"]
    return {name: MemoryTraffic(reads[name], writes[name], read_bytes[name], 4 * writes[name])
            for name in target.memories}
