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

import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from mema_mlir.model.im2col import Im2colSpec, im2col_program
from mema_mlir.model.kernel_counts import clear_kernel_problem_caches, family_affine
from mema_mlir.model.microkernel import (
    MAX_ADD_IMMEDIATE,
    MAX_POST_INDEX,
    STRIP_INNER,
    Execution,
    PackSpec,
    TileSpec,
    c_lines_need_steps,
    pack_program,
    strip_entry_execution,
    strip_entry_form,
    strip_forms,
    strip_step_execution,
    tile_sides,
)
from mema_mlir.model.mla_kernel import MlaSpec, mla_execution, mla_strip_forms
from mema_mlir.model.mla_kernel import clear_problem_caches as clear_mla_problem_caches
from mema_mlir.model.overhead import OVERHEAD, Overhead
from mema_mlir.model.problem import Problem
from mema_mlir.model.registers import Family
from mema_mlir.model.schedule import Schedule, grid_extent, is_stream, side_line_limits
from mema_mlir.model.stationary import KERNEL_STATIONARITY, StreamSpec, pair_words, stream_program
from mema_mlir.model.target import Target
from mema_mlir.model.timing import (
    TAKEN_PENALTY,
    multiple_cycles,
)

# Coefficient vectors are indexed by these monomials. The last three split the tiles by how
# they are emitted when the full tiles of a block row (column) run as one strip statement:
# EDGE the inner dimension's edge tiles (statements of their own, llc's code around each),
# STRIP_IJ / STRIP_JI the tiles inside strips for that loop order (each adds the strip's step).
ONE, ROWS, COLS, OUTPUTS, TILES, OUTER, EDGE, STRIP_IJ, STRIP_JI = range(9)
MONOMIALS = 9
Vector = tuple[float, ...]

# Data accesses: A, B (from their own memories), the packing buffer (reads and writes), C, the
# parameter table of a fused requantization ("params", with the weights) and a convolution's
# table of pixel offsets ("pixels", with the weights too: model.im2col).
TRAFFIC = ("loads_a", "loads_b", "loads_buf", "loads_c", "stores_c", "stores_buf", "loads_q", "loads_t")
QUANTITIES = TRAFFIC + (
    "bytes_a", "bytes_b", "bytes_buf_read", "bytes_buf_write", "bytes_c_read", "bytes_c_write", "bytes_q", "bytes_t",
    "extend", "alu", "dsp_mac", "mul", "branch", "load_multiple", "store_multiple",
    # LDRD / STRD instructions: each is two of the loads (stores) above but one instruction.
    "load_double", "store_double",
    # LDR / STR of the stack inside a statement (C's address saved over the k loop, a strip's
    # end address): instructions, not data accesses.
    "stack_load", "stack_store",
)


@dataclass(frozen=True)
class Rates:
    """Coefficients of each counted quantity, and of est. cycles, on the monomials
    (1, M*q, N*p, M*N, p*q, outer)."""

    vectors: dict[str, Vector] = field(hash=False)
    cycles: Vector = ()

    def at(self, name: str, monomials: Vector) -> float:
        return dot(self.vectors[name], monomials)

    def traffic(self, monomials: Vector) -> tuple[float, ...]:
        """(loads_a, loads_b, loads_buf, loads_c, stores_c, stores_buf) at these monomials."""
        return tuple(self.at(name, monomials) for name in TRAFFIC)


def _vec(one: float = 0, rows: float = 0, cols: float = 0, outputs: float = 0, tiles: float = 0,
         outer: float = 0, edge: float = 0, strip_ij: float = 0, strip_ji: float = 0) -> Vector:
    return (one, rows, cols, outputs, tiles, outer, edge, strip_ij, strip_ji)


def _add(a: Vector, b: Vector) -> Vector:
    return tuple(map(operator.add, a, b))


def dot(c: Vector, x: Vector) -> float:
    return (c[0] * x[0] + c[1] * x[1] + c[2] * x[2] + c[3] * x[3] + c[4] * x[4] + c[5] * x[5]
            + c[6] * x[6] + c[7] * x[7] + c[8] * x[8])


@lru_cache(maxsize=64)
def _call_vectors(overhead: Overhead) -> tuple[dict[str, Vector], Vector]:
    """Per call: argument moves (ALU), PUSH of the saved registers, POP of them with pc (a
    taken transfer). The cycles returned are the PUSH and POP's; the ALU's go with "alu"."""
    saved = overhead.call_saved_registers
    vectors = {"alu": _vec(one=overhead.call_alu), "store_multiple": _vec(one=1),
               "load_multiple": _vec(one=1)}
    cycles = _vec(one=multiple_cycles(saved) + multiple_cycles(saved) + TAKEN_PENALTY)
    return vectors, cycles


def saved_registers(statement_registers: Sequence[int]) -> int:
    """The registers llc pushes (lr and the callee-saved r4-r11 it uses) in a function that is
    only these inline-asm statements, no loop around them: a statement's operands take r0-r3,
    r12, lr first, then r4 on (measured: R - 5 for one statement of R registers, except 4 at
    R = 8; with several statements the values live between them take about two more)."""
    widest = max(statement_registers)
    if len(statement_registers) == 1:
        return 4 if widest == 8 else min(9, max(0, widest - 5))
    return min(9, max(0, widest - 3))


STRAIGHT_LINE_KINDS = ("tile", "mla", "stationary", "depthwise", "conv")


def straight_line_adjustment(statement_registers: Sequence[int], kind: str = "tile",
                             beyond_lowest: tuple[int, int] = (0, 0), globals_used: int = 0,
                             overhead: Overhead = OVERHEAD) -> tuple[int, int]:
    """(instructions, est. cycles) to add to a kernel's prediction when its function is that
    kernel alone and no loop is left outside its statements: the loop nest's figures price loop
    control, loop state and a full PUSH/POP of 9 registers that such a function does not run.
    `kind` (STRAIGHT_LINE_KINDS): the SMLAD tile kernels, the MLA one, a weight- or
    input-stationary block, a depthwise convolution, a convolution (its pixels' packing
    statements and its tiles); `beyond_lowest`: (ALU, stack cycles) the nest charged around
    the function's statements and blocks beyond the lowest register level's figures (a
    stationary block of a higher level: llc has no loop state to reload in straight-line
    code). Applied to the chosen schedule's prediction (passes/mema_tile.py); the search ranks
    without it (it depends on the statements' registers, which the staircase argument does
    not see). `globals_used`: the globals whose
    address the function materialises (MOVW + MOVT each, which the constants leave out)."""
    if kind not in STRAIGHT_LINE_KINDS:
        raise ValueError(f"straight-line kind '{kind}': expected one of {', '.join(STRAIGHT_LINE_KINDS)}")
    single = len(statement_registers) == 1
    name = "" if kind in ("tile", "mla") else f"_{kind}"
    multi = "" if single or kind in ("depthwise", "conv") else "_multi"
    if kind == "mla" and not single:
        alu, cycles = overhead.straight_line_multi_alu_mla, overhead.straight_line_multi_cycles_mla
    else:
        alu = getattr(overhead, f"straight_line{name}{multi}_alu")
        cycles = getattr(overhead, f"straight_line{name}{multi}_cycles")
    alu += beyond_lowest[0] - 2 * globals_used
    cycles += beyond_lowest[0] + beyond_lowest[1] - 2 * globals_used
    full = overhead.call_saved_registers
    saved = saved_registers(statement_registers)
    if saved:
        call = 2 * (multiple_cycles(full) - multiple_cycles(saved))
        instructions = 0
    else:  # no PUSH; the POP {..., pc} becomes BX LR (taken, like the POP)
        call = 2 * multiple_cycles(full) - 1
        instructions = -1
    return instructions - alu, -(cycles + call)


def mla_spec(problem: Problem, kept: str, ku: int, rows: int, cols: int) -> MlaSpec:
    """The MLA micro-kernel of one rows x cols tile of this problem (shared with the generator)."""
    e = problem.elem_bytes
    b_line, b_k = (problem.k * e, e) if problem.b_contiguous else (e, problem.n * e)
    return MlaSpec(problem.elem, kept, rows, cols, problem.k, ku, problem.k * e, b_line, b_k, *problem.c_strides)


def _mla_rates(problem: Problem, family: Family, ku: int, overhead: Overhead) -> Rates:
    """The MLA micro-kernel (cores without the DSP extension): exact per-tile counts of
    mla_kernel.mla_program, affine in the tile's rows and columns (sampled at 4 tiles), plus
    llc's code around each statement (estimated, overhead.py)."""
    kept = family[3]
    trips, left = divmod(problem.k, ku)
    e = problem.elem_bytes
    b_k = e if problem.b_contiguous else problem.n * e
    # The counts depend on the problem only through these classes (mla_kernel: the step of B's
    # pointer, whether C's lines are stepped and how): a table of the kernel's shapes.
    b_k_class = 1 if b_k <= MAX_POST_INDEX else 4095 if b_k <= MAX_ADD_IMMEDIATE else 0xFFFF if b_k <= 0xFFFF else 1 << 16
    far, near = sorted(problem.c_strides, reverse=True)
    c_class = (8, 4) if not c_lines_need_steps(far, near) else (0xFFFF, 4) if far <= 0xFFFF else (1 << 16, 4)
    if problem.c_strides[0] < problem.c_strides[1]:  # C walked by columns (a transposed C)
        c_class = (c_class[1], c_class[0])
    shape = (problem.elem, kept, ku, left, b_k_class, c_class)
    if trips < 3:
        per_key, cycles = _mla_shape_table(*shape, trips)
    else:  # from 2 trips on, every count grows by the same amount per trip (one more body)
        (two, two_cycles), (slope, slope_cycles) = _mla_trip_slope(*shape)
        extra = trips - 2
        per_key = {key: _add(vector, _scale(slope[key], extra)) for key, vector in two.items()}
        cycles = _add(two_cycles, _scale(slope_cycles, extra))
    counter = trips > 1  # the tile's k loop (one trip is straight-line code)
    strips = _strip_vectors(problem, family, counter, overhead)
    vectors, cycles = _tiles_in_strips(per_key, cycles, False, overhead.mla_tile_alu + (1 if counter else 0),
                                       overhead.mla_tile_stack_cycles, strips, overhead)
    return Rates(vectors, cycles)


@lru_cache(maxsize=4096)
def _mla_shape_table(elem: str, kept: str, ku: int, left: int, b_k: int, c_strides: tuple[int, int],
                     trips: int) -> tuple[dict[tuple[str, str], Vector], Vector]:
    """Per-tile count vectors of the MLA kernel for this shape class and trip count, from the
    programs of the 4 sample tiles; kept across problems (no problem's sizes enter it)."""
    e = 1 if elem == "i8" else 2
    samples = [mla_execution(MlaSpec(elem, kept, rows, cols, trips * ku + left, ku, e, e, b_k, *c_strides))
               for rows, cols in _SAMPLE_TILES]
    counts = [_execution_counts(ex) for ex in samples]
    family = ("mla", "elements", "elements", kept)
    per_key = {key: _affine_vector(family, *(sample.get(key, 0) for sample in counts)) for key in set().union(*counts)}
    return per_key, _affine_vector(family, *(ex.cycles for ex in samples))


@lru_cache(maxsize=4096)
def _mla_trip_slope(*shape: object) -> tuple[tuple[dict[tuple[str, str], Vector], Vector],
                                              tuple[dict[tuple[str, str], Vector], Vector]]:
    """The shape's vectors at 2 trips, and what each further trip adds."""
    (two, two_cycles), (three, three_cycles) = (_mla_shape_table(*shape, t) for t in (2, 3))  # type: ignore[arg-type]
    keys = two.keys() | three.keys()
    two = {key: two.get(key, _ZERO) for key in keys}
    slope = {key: _sub(three.get(key, _ZERO), two[key]) for key in keys}
    return (two, two_cycles), (slope, _sub(three_cycles, two_cycles))


def _sub(a: Vector, b: Vector) -> Vector:
    return tuple(map(operator.sub, a, b))


def _scale(a: Vector, factor: int) -> Vector:
    return tuple(factor * x for x in a)


def _affine_vector(family: Family, f11: float, f21: float, f12: float, f22: float) -> Vector:
    """A per-tile count as (tiles, rows, cols, outputs) coefficients from its values at the
    (1, 1), (2, 1), (1, 2), (2, 2) tiles (the micro-kernels are affine in those: tested); counts
    grow with the tile, which the optimiser's monotonicity needs."""
    both = f22 - f21 - f12 + f11
    rows, cols = f21 - f11 - both, f12 - f11 - both
    const = f11 - rows - cols - both
    assert const >= 0 and rows >= 0 and cols >= 0 and both >= 0, (family, const, rows, cols, both)
    return _vec(rows=rows, cols=cols, outputs=both, tiles=const)


_SAMPLE_TILES = ((1, 1), (2, 1), (1, 2), (2, 2))


def _affine(samples: dict[tuple[int, int], float]) -> tuple[float, float, float, float]:
    """(constant, rows, cols, rows*cols) coefficients of a per-tile count from its values at
    (1, 1), (2, 1), (1, 2), (2, 2) tiles (the micro-kernels are affine in those: tested)."""
    f11, f21, f12, f22 = samples[(1, 1)], samples[(2, 1)], samples[(1, 2)], samples[(2, 2)]
    both = f22 - f21 - f12 + f11
    rows = f21 - f11 - both
    cols = f12 - f11 - both
    return f11 - rows - cols - both, rows, cols, both


def tile_spec(problem: Problem, family: Family, ku: int, rows: int, cols: int) -> TileSpec:
    """The micro-kernel of one rows x cols tile of this problem (shared with the generator)."""
    _, a_form, b_form, kept = family
    a, b = tile_sides(problem.elem, problem.k, problem.n, a_form, b_form, problem.a_constant, rows, cols)
    return TileSpec(problem.elem, a, b, kept, ku, problem.k, *problem.c_strides, requant=problem.requant)


def pack_spec(problem: Problem, columns: int) -> PackSpec:
    """The packing micro-kernel of one contiguous piece of a B column (the whole column, or
    one filter row of a convolution's im2col) into a block `columns` wide."""
    e = problem.elem_bytes
    source = "rows" if problem.b_contiguous or problem.b_packed_only else "strided"
    values = problem.b_segment_values or problem.k // problem.b_segments
    return PackSpec(problem.elem, source, columns, values, problem.n * e, problem.b_zero_point)


def im2col_spec(problem: Problem) -> Im2colSpec:
    """A convolution's packing statement of one pixel (the same counts for every pixel)."""
    values = problem.b_segment_values or problem.k // problem.b_segments
    return Im2colSpec(1, 0, values, problem.b_segments, problem.b_segment_bytes or values,
                      problem.b_table_bytes, problem.b_zero_point)


@lru_cache(maxsize=1024)
def _im2col_execution(spec: Im2colSpec) -> Execution:
    return im2col_program(spec).execution()


@lru_cache(maxsize=1024)
def _pack_execution(spec: PackSpec) -> Execution:
    """One packing statement's counts: the same for every packed family of a problem."""
    return pack_program(spec).execution()


_ZERO: Vector = (0,) * MONOMIALS
# Which micro-kernel count is which quantity, B's reads going to the buffer when B is packed.
_SMLAD_QUANTITY_OF: dict[bool, tuple[tuple[tuple[str, str], str], ...]] = {
    packed: ((("load", "A"), "loads_a"), (("load_bytes", "A"), "bytes_a"),
             (("load", "B"), "loads_buf" if packed else "loads_b"),
             (("load_bytes", "B"), "bytes_buf_read" if packed else "bytes_b"),
             (("class", "extend"), "extend"), (("class", "dsp_mac"), "dsp_mac"), (("class", "mul"), "mul"),
             (("load", "C"), "loads_c"), (("store", "C"), "stores_c"), (("load_bytes", "C"), "bytes_c_read"),
             (("store_bytes", "C"), "bytes_c_write"), (("load", "Q"), "loads_q"), (("load_bytes", "Q"), "bytes_q"),
             (("class", "load_double"), "load_double"), (("class", "store_double"), "store_double"),
             (("class", "stack_load"), "stack_load"), (("class", "stack_store"), "stack_store"))
    for packed in (False, True)
}


def _asm_tile_overhead(elem: str, groups: int, overhead: Overhead) -> tuple[int, int]:
    """(ALU instructions, stack cycles) of llc's code around one micro-kernel statement: less
    when the statement has no k-group (only the rest's element code, no pointer moved)."""
    if groups:
        return overhead.asm_tile_alu, overhead.asm_tile_stack_cycles
    if elem == "i8":
        return overhead.rest_only_tile_alu_i8, overhead.rest_only_tile_stack_cycles_i8
    return overhead.rest_only_tile_alu_i16, overhead.rest_only_tile_stack_cycles_i16


def _smlad_rates(problem: Problem, family: Family, ku: int, overhead: Overhead) -> Rates:
    """The inline-assembly micro-kernels: exact per-tile counts from microkernel.py, plus llc's
    code around them (C loads and stores exact, the rest estimated in overhead.py)."""
    packed = family[2] == "packed"
    # Exactly tile_program(spec).execution()'s counts on the four sample tiles, as affine
    # coefficients built from blocks written once per kernel shape (kernel_counts.py).
    _, a_form, b_form, kept = family
    sides = tuple(tile_sides(problem.elem, problem.k, problem.n, a_form, b_form, problem.a_constant, rows, cols)
                  for rows, cols in _SAMPLE_TILES)
    first = TileSpec(problem.elem, *sides[0], kept, ku, problem.k)
    coefficients, sample_cycles, loops = family_affine(problem.elem, sides, kept, ku, first.groups, first.rest,
                                                       *problem.c_strides, problem.requant)

    per_key: dict[tuple[str, str], Vector] = {}
    for key, (const, rows, cols, both) in coefficients.items():
        # Counts grow with the tile: the optimiser's monotonicity needs no negative coefficient.
        assert const >= 0 and rows >= 0 and cols >= 0 and both >= 0, (family, key, const, rows, cols, both)
        per_key[key] = _vec(rows=rows, cols=cols, outputs=both, tiles=const)
    base_alu, base_stack = _asm_tile_overhead(problem.elem, first.groups, overhead)
    tile_alu = base_alu + (1 if loops else 0) + (overhead.requant_tile_alu if problem.requant else 0)
    stack_cycles = base_stack + (overhead.requant_tile_stack_cycles if problem.requant else 0)
    strips = _strip_vectors(problem, family, bool(loops), overhead)
    vectors, cycles = _tiles_in_strips(per_key, _affine_vector(family, *sample_cycles), packed, tile_alu,
                                       stack_cycles, strips, overhead)
    if packed:
        if problem.b_packed_only:  # a convolution: one statement per pixel packs its filter rows
            pack = _im2col_execution(im2col_spec(problem))
            statement_alu, statement_stack = overhead.im2col_statement_alu, overhead.im2col_statement_stack_cycles
        else:  # one statement per column
            pack = _pack_execution(pack_spec(problem, 1))
            statement_alu, statement_stack = overhead.pack_column_alu, 0
        n = problem.n
        vectors["loads_b"] = _vec(one=n * pack.loads.get("B", 0))
        vectors["bytes_b"] = _vec(one=n * pack.load_bytes.get("B", 0))
        vectors["loads_t"] = _vec(one=n * pack.loads.get("T", 0))
        vectors["bytes_t"] = _vec(one=n * pack.load_bytes.get("T", 0))
        vectors["stores_buf"] = _vec(one=n * pack.stores.get("buffer", 0))
        vectors["bytes_buf_write"] = _vec(one=n * pack.store_bytes.get("buffer", 0))
        vectors["extend"] = _add(vectors["extend"], _vec(one=n * pack.by_class.get("extend", 0)))
        vectors["store_double"] = _add(vectors["store_double"], _vec(one=n * pack.by_class.get("store_double", 0)))
        column_alu = pack.by_class.get("alu", 0) + statement_alu
        vectors["alu"] = _add(vectors["alu"], _vec(one=n * column_alu, outer=overhead.pack_block_alu))
        vectors["branch"] = _add(vectors["branch"], _vec(one=n * pack.by_class.get("branch", 0)))
        cycles = _add(cycles, _vec(one=n * (pack.cycles + statement_alu + statement_stack),
                                   outer=overhead.pack_block_alu))
    return Rates(vectors, cycles)


def _tiles_in_strips(per_key: dict[tuple[str, str], Vector], tile_cycles: Vector, packed: bool, tile_alu: int,
                     stack_cycles: int, strips: tuple[dict[str, Vector], Vector],
                     overhead: Overhead) -> tuple[dict[str, Vector], Vector]:
    """The quantities and cycles of a micro-kernel whose full tiles run as strips: every tile's
    exact counts (`per_key`, `tile_cycles`: affine in its rows and columns), the call, per outer
    block its strip (`strips`: _strip_vectors), and llc's code around each inner edge tile, a
    statement of its own (`tile_alu` ALU instructions and `stack_cycles`)."""
    vectors = dict.fromkeys(QUANTITIES, _ZERO)
    for key, name in _SMLAD_QUANTITY_OF[packed]:
        vectors[name] = per_key.get(key, _ZERO)
    call, call_cycles = _call_vectors(overhead)
    own_cycles = tile_alu + stack_cycles + (1 + TAKEN_PENALTY) * overhead.tile_branches_taken
    vectors["alu"] = _add(_add(per_key.get(("class", "alu"), _ZERO), call["alu"]),
                          _vec(edge=tile_alu, outer=overhead.asm_outer_alu))
    vectors["branch"] = _add(per_key.get(("class", "branch"), _ZERO),
                             _vec(edge=overhead.tile_branches_taken, outer=overhead.outer_branches_taken))
    for name in ("store_multiple", "load_multiple"):  # the call's PUSH/POP
        vectors[name] = _add(call[name], per_key.get(("class", name), _ZERO))
    strip_vectors, strip_cycles = strips
    for name, vector in strip_vectors.items():
        vectors[name] = _add(vectors[name], vector)
    cycles = _add(_add(tile_cycles, call_cycles), call["alu"])
    cycles = _add(_add(cycles, _vec(edge=own_cycles)), strip_cycles)
    cycles = _add(cycles, _vec(outer=overhead.asm_outer_alu + (1 + TAKEN_PENALTY) * overhead.outer_branches_taken))
    return vectors, cycles


def _strip_vectors(problem: Problem, family: Family, counter: bool,
                   overhead: Overhead) -> tuple[dict[str, Vector], Vector]:
    """What strips add: per tile in a strip, its step (exact, by loop order:
    microkernel.strip_step_execution); per strip (one per outer block), its entry and exit, the
    last BNE not taken, and llc's code around the statement (estimated: overhead.asm_strip_*;
    the counter's first value when the tile loops)."""
    _, a_form, b_form, _ = family
    facts = (problem.elem, problem.k, problem.n, a_form, b_form, problem.a_constant, *problem.c_strides,
             problem.requant)
    if family[0] == "mla":
        spec = mla_spec(problem, family[3], 1, 1, 1)
        forms = (mla_strip_forms(spec, STRIP_INNER["ij"]), mla_strip_forms(spec, STRIP_INNER["ji"]))
    else:
        forms = (strip_forms(*facts, STRIP_INNER["ij"]), strip_forms(*facts, STRIP_INNER["ji"]))
    far, near = sorted(problem.c_strides, reverse=True)
    # A tile ends with C's stores (an ADD of C's stride when stepped) or the requantization's
    # restores of the operand pointers.
    ends_single = problem.requant or not c_lines_need_steps(far, near)
    c_row, c_col = problem.c_strides
    entry_form = strip_entry_form(problem.m * c_row + problem.n * c_col)
    return _strip_table(*forms, counter, ends_single, problem.requant, entry_form, overhead)


@lru_cache(maxsize=1024)
def _strip_table(forms_ij: tuple[str, ...], forms_ji: tuple[str, ...], counter: bool, ends_single: bool,
                 requant: bool, entry_form: str, overhead: Overhead) -> tuple[dict[str, Vector], Vector]:
    """_strip_vectors for given step forms: a table of the kernel's shapes (no problem's sizes
    enter it), kept across problems like the micro-kernels' blocks. Callers only read it."""
    steps = {"ij": strip_step_execution(forms_ij, counter, ends_single),
             "ji": strip_step_execution(forms_ji, counter, ends_single)}
    vectors: dict[str, Vector] = {}
    for cls in ("alu", "branch", "stack_load"):
        vectors[cls] = _vec(strip_ij=steps["ij"].by_class.get(cls, 0), strip_ji=steps["ji"].by_class.get(cls, 0))
    # llc's code per strip, and with a requantization its table row's address.
    strip_alu = overhead.asm_strip_alu + (1 if counter else 0) + (overhead.requant_tile_alu if requant else 0)
    strip_stack = overhead.asm_strip_stack_cycles + (overhead.requant_tile_stack_cycles if requant else 0)
    entry_alu = {"imm": 1, "wide16": 2}.get(entry_form, 3)  # the end address from t0
    vectors["alu"] = _add(vectors["alu"], _vec(outer=strip_alu + entry_alu + 1))  # + the exit's ADD SP
    vectors["stack_store"] = _vec(outer=1)  # the entry's save of the end address
    entry_exit, saving = strip_entry_execution(entry_form)
    cycles = _vec(outer=strip_alu + strip_stack + entry_exit - TAKEN_PENALTY - saving,
                  strip_ij=steps["ij"].cycles, strip_ji=steps["ji"].cycles)
    return vectors, cycles


def stream_spec(problem: Problem, family: Family, lines: int, groups: int) -> StreamSpec:
    """The statement of one lines x groups block of a weight- or input-stationary family (its
    offsets as for a middle slice: the counts do not depend on them)."""
    stationarity = KERNEL_STATIONARITY[family[0]]
    total_groups = grid_extent(problem, family)[1]
    trips = problem.n if stationarity == "weight" else problem.m
    return StreamSpec(problem.elem, stationarity, lines, groups, trips, problem.k, 4 * problem.n,
                      a_row_bytes=total_groups * 4 * pair_words(problem.elem))


def _execution_counts(execution: Execution) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {("class", cls): count for cls, count in execution.by_class.items()}
    for kind, table in (("load", execution.loads), ("load_bytes", execution.load_bytes),
                        ("store", execution.stores), ("store_bytes", execution.store_bytes)):
        counts.update({(kind, operand): value for operand, value in table.items()})
    return counts


@lru_cache(maxsize=4096)
def _statement_table(elem: str, stationarity: str, lines: int, groups: int,
                     trips: int) -> tuple[dict[tuple[str, str], int], int]:
    """A stationary statement's counts and cycles for 1, 2 or 3 trips: its instructions do not
    depend on the problem's sizes (only its offsets do, which no count reads), so this is a
    table of the kernel's shapes, kept across problems like the micro-kernels' blocks."""
    spec = StreamSpec(elem, stationarity, lines, groups, trips, 64, 256, a_row_bytes=256)
    execution = stream_program(spec, check=False).execution()
    return _execution_counts(execution), execution.cycles


def _statement_counts(elem: str, stationarity: str, lines: int, groups: int,
                      trips: int) -> tuple[dict[tuple[str, str], int], int]:
    """stream_program(...).execution() of `trips` trips: from 2 trips on, every count and the
    cycles grow by the same amount per trip (one more body, SUBS and taken BNE)."""
    if trips < 3:
        return _statement_table(elem, stationarity, lines, groups, trips)
    two, two_cycles = _statement_table(elem, stationarity, lines, groups, 2)
    three, three_cycles = _statement_table(elem, stationarity, lines, groups, 3)
    extra = trips - 2
    counts = {key: two.get(key, 0) + extra * (three.get(key, 0) - two.get(key, 0)) for key in two.keys() | three.keys()}
    return counts, two_cycles + extra * (three_cycles - two_cycles)


# llc's code around a weight- or input-stationary statement grows with the registers its block
# takes: one set of figures per level, a level being the most registers it covers (overhead.py).
STREAM_LEVELS = (11, 13, 14)
_LEVEL_SUFFIX = {11: "", 13: "_tight", 14: "_all_registers"}


def stream_level(registers: int) -> int:
    """The level of a block taking `registers` registers."""
    return next((level for level in STREAM_LEVELS if registers <= level), STREAM_LEVELS[-1])


@dataclass(frozen=True)
class StreamOverhead:
    """llc's code around the stationary statements of one schedule, as (ALU instructions,
    stack cycles): per statement, per block of kept lines, per block whose k-slices before the
    last run in a loop, and per statement in that loop (beyond the statement's figure; its
    back-edge is Overhead.tile_branches_taken)."""

    statement: tuple[int, int]
    block: tuple[int, int]
    slice_loop: tuple[int, int]
    looped_statement: tuple[int, int]


def stream_overhead(level: int, overhead: Overhead, trips: int = 2) -> StreamOverhead:
    """The figures of a block at this register level whose statements loop `trips` times over
    the streamed lines (once: the one-trip statement figures)."""
    suffix = _LEVEL_SUFFIX[level]

    def pair(name: str) -> tuple[int, int]:
        return getattr(overhead, f"stream_{name}{suffix}_alu"), getattr(overhead, f"stream_{name}{suffix}_stack_cycles")

    return StreamOverhead(pair("one_trip_statement" if trips == 1 else "statement"), pair("block"),
                          pair("slice_loop"), pair("looped_statement"))


def slices_loop(problem: Problem, schedule: Schedule) -> bool:
    """Whether a stationary schedule's k-slices before the last run in a loop of more than one
    trip (codegen.stream_nest; a loop of one trip is folded by the lowering): 3 slices or more."""
    return schedule.grid(problem.elem)[1] * 2 < grid_extent(problem, schedule.family)[1]


def stream_trips(problem: Problem, family: Family) -> int:
    """How many times a stationary statement's loop runs: once per line of the streamed operand."""
    return problem.n if KERNEL_STATIONARITY[family[0]] == "weight" else problem.m


def _stream_rates(problem: Problem, family: Family, level: int, sliced: bool, overhead: Overhead) -> Rates:
    """The weight- and input-stationary statements: exact counts of stream_program (affine in
    the block's lines and groups, sampled at 1 and 2 of each, like the tiles), plus llc's code
    around the statements at the block's register level (estimated, overhead.py); `sliced`: the
    k-slices before the last loop (slices_loop)."""
    stationarity = KERNEL_STATIONARITY[family[0]]
    trips = stream_trips(problem, family)
    samples = [_statement_counts(problem.elem, stationarity, lines, groups, trips)
               for lines, groups in _SAMPLE_TILES]
    return _statement_rates([counts for counts, _ in samples], [cycles for _, cycles in samples], family,
                            stream_overhead(level, overhead, trips), sliced, overhead)


def _statement_rates(counts: list[dict[tuple[str, str], int]], sample_cycles: list[int], family: Family,
                     figures: StreamOverhead, sliced: bool, overhead: Overhead) -> Rates:
    """Rates of a kernel that runs one statement per block and k-slice, from its exact counts
    and cycles at the 4 sample tiles (_SAMPLE_TILES), plus llc's code around each statement and
    block (estimated, overhead.py). With `sliced`, the looped statements are the statements
    (monomial tiles) but one per block (outer)."""

    s11, s21, s12, s22 = counts
    per_key = {key: _affine_vector(family, s11.get(key, 0), s21.get(key, 0), s12.get(key, 0), s22.get(key, 0))
               for key in s11.keys() | s21.keys() | s12.keys() | s22.keys()}
    vectors = dict.fromkeys(QUANTITIES, _ZERO)
    for key, name in _SMLAD_QUANTITY_OF[False]:
        vectors[name] = per_key.get(key, _ZERO)
    call, call_cycles = _call_vectors(overhead)
    branch_cycles = 1 + TAKEN_PENALTY
    statement_alu, statement_cycles = figures.statement[0], sum(figures.statement)
    block_alu = overhead.asm_outer_alu + figures.block[0]
    block_cycles = block_alu + figures.block[1] + branch_cycles * overhead.outer_branches_taken
    branches = _vec(outer=overhead.outer_branches_taken)
    if sliced:
        looped_alu, looped_cycles = figures.looped_statement[0], sum(figures.looped_statement)
        looped_cycles += branch_cycles * overhead.tile_branches_taken
        statement_alu += looped_alu
        statement_cycles += looped_cycles
        block_alu += figures.slice_loop[0] - looped_alu
        block_cycles += sum(figures.slice_loop) - looped_cycles
        branches = _add(branches, _vec(tiles=overhead.tile_branches_taken, outer=-overhead.tile_branches_taken))
    vectors["alu"] = _add(_add(per_key.get(("class", "alu"), _ZERO), call["alu"]),
                          _vec(tiles=statement_alu, outer=block_alu))
    vectors["branch"] = _add(per_key.get(("class", "branch"), _ZERO), branches)
    for name in ("store_multiple", "load_multiple"):
        vectors[name] = call[name]
    cycles = _add(_add(_affine_vector(family, *sample_cycles), call_cycles), call["alu"])
    cycles = _add(cycles, _vec(tiles=statement_cycles, outer=block_cycles))
    return Rates(vectors, cycles)


def rates(problem: Problem, family: Family, ku: int, overhead: Overhead = OVERHEAD,
          level: int = STREAM_LEVELS[-1], sliced: bool = False) -> Rates:
    """The closed-form coefficients for one family and unroll (independent of mr, nr); for a
    weight- or input-stationary family, those of blocks at register `level` (stream_level)
    whose k-slices loop or not (`sliced`, slices_loop: what that loop adds is never negative,
    so the rates without it bound every block's from below)."""
    # One memo key per value, however the arguments were passed; the level and the slice loop
    # only for stationary families (the others have none).
    if not is_stream(family):
        return _rates(problem, family, ku, overhead, STREAM_LEVELS[-1], False)
    return _rates(problem, family, ku, overhead, level, sliced)


@lru_cache(maxsize=4096)
def _rates(problem: Problem, family: Family, ku: int, overhead: Overhead, level: int, sliced: bool) -> Rates:
    if family[0] == "mla":
        return _mla_rates(problem, family, ku, overhead)
    if is_stream(family):
        return _stream_rates(problem, family, level, sliced, overhead)
    return _smlad_rates(problem, family, ku, overhead)


def schedule_rates(problem: Problem, schedule: Schedule, overhead: Overhead = OVERHEAD) -> Rates:
    """The rates that price this schedule: its family's, at its block's register level and
    with its k-slices' loop when it has one."""
    if not is_stream(schedule.family):
        return rates(problem, schedule.family, schedule.ku, overhead)
    return rates(problem, schedule.family, schedule.ku, overhead, stream_level(schedule.registers(problem.elem)),
                 slices_loop(problem, schedule))


def clear_problem_caches() -> None:
    """Forget everything memoised for particular problems (the rates, the tile sides, the C
    and packing code of given strides), keeping only the tables of the target's kernel blocks,
    which no problem's sizes enter: what a first derivation for an unseen op pays."""
    _rates.cache_clear()
    _pack_execution.cache_clear()
    _im2col_execution.cache_clear()
    tile_sides.cache_clear()
    side_line_limits.cache_clear()
    strip_forms.cache_clear()
    clear_mla_problem_caches()
    clear_kernel_problem_caches()


def monomials(problem: Problem, mr: float, nr: float, loop_order: str, exact: bool = True,
              family: Family | None = None, relaxed_edges: bool = False) -> Vector:
    """(1, M*q, N*p, M*N, p*q, outer, edge tiles, strip tiles for "ij", for "ji") for a tile;
    exact=False gives the continuous relaxation, with every tile in a strip, or with
    `relaxed_edges` one edge tile per outer block: each is below the exact monomials of a tile
    without, resp. with, an inner edge, so the smaller objective of the two is a lower bound
    whichever of edge and strip tiles costs more (analytic._search).
    For a weight- (input-) stationary family, (mr, nr) are the kept block's lines and k-groups
    on the grid of M (N) lines by ceil(K / group) groups (schedule.grid_extent)."""
    rows, cols = grid_extent(problem, family) if family is not None else (problem.m, problem.n)
    if exact:
        p = -(-rows // int(mr))
        q = -(-cols // int(nr))
        # The inner dimension's edge: one tile per outer block outside the strip.
        inner_edge = cols % int(nr) != 0 if loop_order == "ij" else rows % int(mr) != 0
    else:
        p = rows / mr
        q = cols / nr
        inner_edge = relaxed_edges
    outer = p if loop_order == "ij" else q
    edge = outer if inner_edge else 0
    strips = p * q - edge
    return (1, rows * q, cols * p, rows * cols, p * q, outer, edge,
            strips if loop_order == "ij" else 0, strips if loop_order == "ji" else 0)


def schedule_monomials(problem: Problem, schedule: Schedule) -> Vector:
    """The exact monomials of a schedule, on its family's grid."""
    return monomials(problem, *schedule.grid(problem.elem), schedule.loop_order, family=schedule.family)


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
    the instructions llc writes around the kernels, cycles and energy are estimates."""

    loads: int
    stores: int
    load_bytes: int
    store_bytes: int
    memory: dict[str, MemoryTraffic] = field(hash=False)
    operand_loads: dict[str, int] = field(hash=False)  # "A", "B", "C", "buffer"
    operand_load_bytes: dict[str, int] = field(hash=False)
    operand_stores: dict[str, int] = field(default_factory=dict, hash=False)  # "C", "buffer"
    instructions: int = 0
    instructions_by_class: dict[str, int] = field(default_factory=dict, hash=False)
    cycles: int = 0  # est. cycles (shared Cortex-M4 timing table)
    energy_nj: float = 0.0  # estimate
    access_cost: float = 0.0  # sum over memories of reads*read_cycles + writes*write_cycles


def _traffic_memories(problem: Problem) -> tuple[tuple[str, str, bool], ...]:
    """(quantity, memory, is a write) for each kind of data access."""
    return (("loads_a", problem.a_memory, False), ("loads_b", problem.b_memory, False),
            ("loads_buf", problem.buffer_memory, False), ("loads_c", problem.c_memory, False),
            ("stores_c", problem.c_memory, True), ("stores_buf", problem.buffer_memory, True),
            ("loads_q", problem.params_memory, False), ("loads_t", problem.params_memory, False))


def access_cost(problem: Problem, target: Target, traffic: tuple[float, ...]) -> float:
    """The `accesses` objective: every access weighted by its memory's cost (target file)."""
    total = 0.0
    for (_, where, write), count in zip(_traffic_memories(problem), traffic, strict=True):
        memory = target.memory(where)
        total += count * (memory.write_cycles if write else memory.read_cycles)
    return total


def energy_nj(problem: Problem, target: Target, cycles: float, traffic: tuple[float, ...]) -> float:
    """Estimated energy: core cycles plus the per-access energies of the memories touched."""
    total = cycles * target.energy_per_cycle_nj
    for (_, where, write), count in zip(_traffic_memories(problem), traffic, strict=True):
        memory = target.memory(where)
        total += count * (memory.write_energy_nj if write else memory.read_energy_nj)
    return total


def counted_energy_nj(target: Target, cycles: int, accesses: dict[str, tuple[int, int]]) -> float:
    """Estimated energy of a measured run: its cycles and its (reads, writes) per memory, at the
    target's figures (the same estimate as energy_nj, over counts instead of predictions)."""
    total = cycles * target.energy_per_cycle_nj
    for where, (reads, writes) in accesses.items():
        memory = target.memory(where)
        total += reads * memory.read_energy_nj + writes * memory.write_energy_nj
    return total


def objective_value(objective: str, problem: Problem, target: Target, r: Rates, x: Vector) -> float:
    """One objective at monomials x: exact for integer block counts, a lower bound for relaxed."""
    if objective == "cycles":
        return dot(r.cycles, x)
    traffic = r.traffic(x)
    if objective == "accesses":
        return access_cost(problem, target, traffic)
    return energy_nj(problem, target, dot(r.cycles, x), traffic)


def predict(problem: Problem, schedule: Schedule, target: Target,
            overhead: Overhead = OVERHEAD) -> Cost:
    """The closed-form cost of `schedule` (which is assumed legal; see check_schedule)."""
    return cost_at(problem, target, schedule_rates(problem, schedule, overhead), schedule_monomials(problem, schedule))


def cost_at(problem: Problem, target: Target, r: Rates, x: Vector) -> Cost:
    """Evaluate the rates at exact (integer) monomials."""
    v = {name: round(r.at(name, x)) for name in QUANTITIES}
    cycles = round(dot(r.cycles, x))
    loads = v["loads_a"] + v["loads_b"] + v["loads_buf"] + v["loads_c"] + v["loads_q"] + v["loads_t"]
    stores = v["stores_c"] + v["stores_buf"]
    by_class = {
        "load": loads - 2 * v["load_double"] + v["stack_load"],  # an LDRD is one, for two loads
        "store": stores - 2 * v["store_double"] + v["stack_store"],
        "load_double": v["load_double"],
        "store_double": v["store_double"],
        "extend": v["extend"],
        "alu": v["alu"],
        "dsp_mac": v["dsp_mac"],
        "mul": v["mul"],
        "branch": v["branch"],
        "load_multiple": v["load_multiple"],
        "store_multiple": v["store_multiple"],
    }
    operand_bytes = {"A": v["bytes_a"], "B": v["bytes_b"], "buffer": v["bytes_buf_read"],
                     "C": v["bytes_c_read"]}
    operand_loads = {"A": v["loads_a"], "B": v["loads_b"], "buffer": v["loads_buf"], "C": v["loads_c"]}
    if problem.requant:
        operand_loads["params"] = v["loads_q"]
        operand_bytes["params"] = v["bytes_q"]
    if problem.b_packed_only:
        operand_loads["pixels"] = v["loads_t"]
        operand_bytes["pixels"] = v["bytes_t"]
    traffic = tuple(float(v[name]) for name in TRAFFIC)
    return Cost(
        loads=loads,
        stores=stores,
        load_bytes=sum(operand_bytes.values()),
        store_bytes=v["bytes_c_write"] + v["bytes_buf_write"],
        memory=_memory_traffic(problem, target, v),
        operand_loads=operand_loads,
        operand_load_bytes=operand_bytes,
        operand_stores={"C": v["stores_c"], "buffer": v["stores_buf"]},
        instructions=sum(by_class.values()),
        instructions_by_class=by_class,
        cycles=cycles,
        energy_nj=energy_nj(problem, target, cycles, traffic),
        access_cost=access_cost(problem, target, traffic),
    )


def _memory_traffic(problem: Problem, target: Target, v: dict[str, int]) -> dict[str, MemoryTraffic]:
    totals = {name: [0, 0, 0, 0] for name in target.memories}  # reads, writes, read/write bytes
    sizes = {"loads_a": v["bytes_a"], "loads_b": v["bytes_b"], "loads_buf": v["bytes_buf_read"],
             "loads_c": v["bytes_c_read"], "stores_c": v["bytes_c_write"], "stores_buf": v["bytes_buf_write"],
             "loads_q": v["bytes_q"], "loads_t": v["bytes_t"]}
    for name, where, write in _traffic_memories(problem):
        target.memory(where)
        entry = totals[where]
        entry[1 if write else 0] += v[name]
        entry[3 if write else 2] += sizes[name]
    return {name: MemoryTraffic(*entry) for name, entry in totals.items()}
