"""The analytic choice against the exhaustive oracle, and the choices' qualitative properties."""

from __future__ import annotations

import dataclasses
import itertools
import math
import random

import pytest

from mema_mlir.model import (
    Problem,
    ProblemError,
    Schedule,
    ScheduleError,
    check_schedule,
    choose,
    load_target,
    lower_bound,
    objective_of,
    predict,
    schedule_space,
)
from mema_mlir.model.analytic import staircase
from mema_mlir.model.cases import random_case
from mema_mlir.model.ranking import OBJECTIVES
from mema_mlir.model.schedule import families, tile_fits

PROPERTY_CASES = 300


def with_flash_read_cycles(cycles: float):
    target = load_target()
    memories = dict(target.memories)
    memories["flash"] = dataclasses.replace(memories["flash"], read_cycles=cycles)
    return dataclasses.replace(target, memories=memories)


def test_analytic_equals_exhaustive_on_random_cases():
    rng = random.Random(20240601)
    compared = 0
    for _ in range(PROPERTY_CASES):
        case = random_case(rng)
        for objective in OBJECTIVES:
            analytic = choose(case.problem, case.target, objective)
            oracle = choose(case.problem, case.target, objective, "exhaustive")
            assert objective_of(analytic.cost, objective) == objective_of(oracle.cost, objective), case
            # The shared tie-break makes them agree on the schedule too, not just its cost.
            assert analytic.schedule == oracle.schedule, case
            assert analytic.candidates_evaluated <= oracle.candidates_evaluated
            compared += 1
    assert compared == 3 * PROPERTY_CASES


@pytest.mark.parametrize("m", [128, 64, 12, 10, 3])
def test_matrix_vector_gives_spare_registers_to_mr(m):
    target = load_target()
    for objective in OBJECTIVES:
        choice = choose(Problem(m, 1, 640), target, objective)
        s = choice.schedule
        assert s.nr == 1
        tallest = max(mr for mr in range(1, target.registers + 1)
                      if tile_fits(Problem(m, 1, 640), target, s.family, mr, 1))
        # As few row blocks as the tallest legal tile gives (the tile itself may be balanced).
        assert -(-m // s.mr) == -(-m // tallest)


def test_dearer_weight_memory_stretches_the_tile_along_n():
    # B [K, N]: only output-stationary tiles apply, and they stretch along N.
    problem = Problem(64, 64, 576, b_k_contiguous=False)
    cheap = choose(problem, with_flash_read_cycles(1), "accesses")
    dear = choose(problem, with_flash_read_cycles(20), "accesses")
    assert dear.schedule.nr > cheap.schedule.nr
    assert dear.schedule.nr / dear.schedule.mr > cheap.schedule.nr / cheap.schedule.mr
    assert dear.cost.operand_loads["A"] < cheap.cost.operand_loads["A"]


def test_dear_enough_weights_are_kept_in_registers():
    """With B K-contiguous a weight-stationary block applies: at 20x SRAM's read cost it reads
    every weight word once (K/2 words of int16 pairs per row) and wins the accesses objective;
    at the built-in costs an output-stationary tile does."""
    problem = Problem(64, 64, 576)
    dear = choose(problem, with_flash_read_cycles(20), "accesses")
    assert dear.schedule.stationarity == "weight"
    assert dear.cost.operand_loads["A"] == 64 * 576 // 2
    assert choose(problem, load_target(), "accesses").schedule.stationarity == "output"
    assert choose(problem, load_target(), "cycles").schedule.stationarity == "output"


def test_weight_reuse_grows_monotonically_with_flash_cost():
    problem = Problem(96, 200, 128)
    a_loads = [choose(problem, with_flash_read_cycles(c), "accesses").cost.operand_loads["A"]
               for c in (0.5, 1, 2, 4, 8, 16, 32)]
    assert a_loads == sorted(a_loads, reverse=True)


def test_no_dsp_target_never_gets_smlad():
    target = load_target("cortex-m3")
    rng = random.Random(5)
    for _ in range(60):
        case = random_case(rng)
        for search in ("analytic", "exhaustive"):
            assert choose(case.problem, target, case.objective, search).schedule.kernel == "mla"
        assert all(s.kernel == "mla" for s in schedule_space(case.problem, target))
    with pytest.raises(ScheduleError, match="no DSP"):
        check_schedule(Problem(8, 8, 8), target, Schedule(2, 2, 1, "smlad", "bytes", "words"))


def test_every_schedule_in_the_space_is_legal():
    target = load_target()
    problem = Problem(37, 11, 1500, b_k_contiguous=False)
    space = list(schedule_space(problem, target))
    assert space
    for s in space:
        check_schedule(problem, target, s)
        assert s.registers(problem.elem) <= target.registers


def test_register_counts():
    # Accumulators + scratch (microkernel.scratch_registers) + 2 pointers and a counter.
    # 2x2 bytes/words, B kept: 4 + (2 per kept column + 2 for the streamed row) + 3.
    assert Schedule(2, 2, 1, "smlad", "bytes", "words").registers("i8") == 13
    # A strided B kept packs each column right after its 4 loads: 2 more while the last loads.
    assert Schedule(2, 2, 1, "smlad", "bytes", "strided").registers("i8") == 4 + 2 * 2 + 2 + 3
    # int16 pairs on both sides run step by step: 4x2 keeps 2 B words and streams 1 A word.
    assert Schedule(4, 2, 1, "smlad", "pairs", "packed", "b", "ji").registers("i8") == 14
    # Both slices in registers: every line of the step.
    assert Schedule(2, 3, 1, "smlad", "pairs", "packed", "ab", "ji").registers("i8") == 6 + 5 + 3
    assert Schedule(3, 3, 1, "smlad", "halves", "words").registers("i16") == 16
    assert Schedule(4, 2, 1, "mla", "elements", "elements").registers("i8") == 14


def test_row_major_operands_limit_rows_by_the_ldr_immediate():
    target = load_target()
    # A run-time int8 A of K = 2048: rows 0 and 1 are reachable (offset 2048), row 2 is not;
    # a constant A is re-laid out in panels and never limited.
    problem = Problem(64, 64, 2048, a_constant=False)
    family = ("smlad", "bytes", "words", "b")
    assert tile_fits(problem, target, family, 2, 1)
    assert not tile_fits(problem, target, family, 3, 1)
    assert all(s.mr <= 2 for s in schedule_space(problem, target) if s.family[:3] == family[:3])
    assert tile_fits(Problem(64, 64, 2048, a_constant=True), target, ("smlad", "pairs", "packed", "b"), 4, 2)


def test_fixed_tile_takes_the_best_forms_for_that_tile():
    target = load_target()
    problem = Problem(64, 64, 576)
    choice = choose(problem, target, "cycles", ("fixed", 2, 2))
    assert (choice.schedule.mr, choice.schedule.nr) == (2, 2)
    assert choice.search == "fixed"
    best_2x2 = min((s for s in schedule_space(problem, target) if (s.mr, s.nr) == (2, 2)),
                   key=lambda s: predict(problem, s, target).cycles)
    assert choice.schedule.family == best_2x2.family
    assert choice.cost.cycles == predict(problem, best_2x2, target).cycles


def test_fixed_tile_that_cannot_run_is_an_error():
    target = load_target()
    with pytest.raises(ScheduleError, match="registers"):
        choose(Problem(64, 64, 64), target, "cycles", ("fixed", 4, 4))
    with pytest.raises(ScheduleError, match="larger than"):
        choose(Problem(2, 64, 64), target, "cycles", ("fixed", 4, 1))
    with pytest.raises(ScheduleError, match="positive"):
        choose(Problem(2, 64, 64), target, "cycles", ("fixed", 0, 1))


def test_bad_arguments():
    target = load_target()
    with pytest.raises(ValueError, match="objective"):
        choose(Problem(4, 4, 4), target, "speed")
    with pytest.raises(ValueError, match="search"):
        choose(Problem(4, 4, 4), target, "cycles", "greedy")
    with pytest.raises(ProblemError, match="dram"):
        choose(Problem(4, 4, 4, b_memory="dram"), target)
    with pytest.raises(ProblemError, match="writable"):
        choose(Problem(4, 4, 4, c_memory="flash"), target)
    with pytest.raises(ProblemError):
        Problem(0, 4, 4)
    with pytest.raises(ProblemError):
        Problem(4, 4, 4, elem="f32")


def test_too_few_registers_for_any_schedule():
    target = dataclasses.replace(load_target(), registers=5)
    with pytest.raises(ScheduleError, match="needs 6 registers"):
        choose(Problem(4, 4, 4), target)


@pytest.mark.parametrize("shape", [(64, 64, 576), (128, 1, 640), (16, 1024, 27), (5, 3, 7), (1, 1, 1)])
@pytest.mark.parametrize("elem", ["i8", "i16"])
def test_lower_bound_below_every_schedule(shape, elem):
    target = load_target()
    for contiguous in (True, False):
        problem = Problem(*shape, elem=elem, b_k_contiguous=contiguous)
        bound = lower_bound(problem, target)
        assert bound.stores == shape[0] * shape[1]
        for s in schedule_space(problem, target):
            cost = predict(problem, s, target)
            assert bound.total <= cost.loads + cost.stores
            assert bound.loads <= cost.loads


def test_lower_bound_below_random_choices():
    rng = random.Random(99)
    for _ in range(200):
        case = random_case(rng)
        choice = choose(case.problem, case.target, case.objective)
        assert choice.lower_bound.total <= choice.cost.loads + choice.cost.stores
        assert choice.lower_bound.loads <= choice.cost.loads


def test_lower_bound_forms():
    bound = lower_bound(Problem(64, 64, 576), load_target())
    # Compulsory: A and B once (4 int8 per word), C once; communication dominates here.
    assert bound.compulsory_loads == 64 * 576 // 4 * 2 + 4096
    assert bound.fast_store_words == 11 and bound.elements_per_word == 4
    assert bound.communication_words > bound.compulsory_loads
    assert bound.loads == math.ceil(bound.communication_words) - 4096


def test_staircase_corners_are_maximal():
    target = load_target()
    problem = Problem(100, 100, 64)
    for family in families(problem, target):
        for mr, nr in staircase(problem, target, family):
            assert tile_fits(problem, target, family, mr, nr)
            assert not tile_fits(problem, target, family, mr + 1, nr)
            assert not tile_fits(problem, target, family, mr, nr + 1)


def test_continuous_optimum_is_reported_and_clamped():
    target = load_target()
    choice = choose(Problem(128, 1, 640), target)
    assert choice.continuous is not None
    assert choice.continuous.nr <= 1.0 + 1e-12
    assert choice.continuous.mr == pytest.approx(choice.continuous.budget)
    assert choose(Problem(8, 8, 8), target, search="exhaustive").continuous is None


def test_fixed_forms_force_the_kernel():
    # CMSIS-NN's kernel shape: 2x2, int8 weights split in the loop, activations packed to int16.
    target = load_target()
    problem = Problem(64, 64, 576)
    choice = choose(problem, target, "cycles", ("fixed", 2, 2, ("bytes", "packed", "b")))
    assert choice.schedule.family == ("smlad", "bytes", "packed", "b")
    free = choose(problem, target, "cycles", ("fixed", 2, 2, ("bytes", "packed", None)))
    assert free.schedule.family[1:3] == ("bytes", "packed")
    assert free.cost.cycles <= choice.cost.cycles
    with pytest.raises(ScheduleError, match="15 registers"):
        choose(problem, target, "cycles", ("fixed", 2, 2, ("bytes", "packed", "ab")))
    with pytest.raises(ScheduleError, match="does not apply"):
        choose(problem, target, "cycles", ("fixed", 2, 2, ("halves", "words", None)))


@pytest.mark.parametrize("seed", range(6))
def test_side_line_limits_agree_with_every_offset(seed: int) -> None:
    """The legality check reads each side's most lines from two points of max_offset (linear in
    the lines); that must be the same verdict as building every tile's sides."""
    from mema_mlir.model.microkernel import MAX_OFFSET, max_offset, tile_sides
    from mema_mlir.model.schedule import side_line_limits

    rng = random.Random(seed)
    for _ in range(80):
        elem = rng.choice(["i8", "i16"])
        k = rng.choice([1, 3, 4, 27, 64, 576, 1000, 2047, 2048, 4095, 5000])
        n = rng.choice([1, 9, 64, 300, 1024, 2048, 3000])
        a_form = "halves" if elem == "i16" else rng.choice(["bytes", "pairs"])
        b_form = rng.choice(["words", "strided", "packed"])
        a_panel = rng.random() < 0.5
        a_most, b_most = side_line_limits(elem, k, n, a_form, b_form, a_panel)
        for lines in range(1, 40):
            a_side, b_side = tile_sides(elem, k, n, a_form, b_form, a_panel, lines, lines)
            assert (lines <= a_most) == (max_offset(a_side) <= MAX_OFFSET), (elem, k, n, a_form, lines)
            assert (lines <= b_most) == (max_offset(b_side) <= MAX_OFFSET), (elem, k, n, b_form, lines)


def test_k_loops_longer_than_a_movw_are_refused() -> None:
    """A strip resets a tile's trip counter with one MOVW (at most 65,535 trips): the unrolls
    that would need more are not in the space, and a K no unroll brings under it is said."""
    from mema_mlir.model.schedule import MAX_STRIP_TRIPS, unroll_fits

    m4, m3 = load_target("cortex-m4"), load_target("cortex-m3")
    problem = Problem(2, 2, 4 * (MAX_STRIP_TRIPS + 1))  # int8: 65,536 groups
    kus = {s.ku for s in schedule_space(problem, m4) if s.kernel == "smlad"}
    assert 1 not in kus and 2 in kus
    assert not unroll_fits(problem, ("smlad", "bytes", "words", "b"), 1)
    for search in ("analytic", ("fixed", 1, 1)):
        with pytest.raises(ScheduleError, match="too long for one tile's k loop"):
            choose(Problem(1, 1, 8 * (MAX_STRIP_TRIPS + 1)), m3, search=search)


@pytest.mark.parametrize("m, n, k, elem", [(1, 8, 70000, "i8"), (7, 64, 70000, "i16")])
def test_an_edge_tile_cheaper_than_a_strip_step_is_found(m: int, n: int, k: int, elem: str) -> None:
    """An MLA tile whose strip step moves B by MOVW/MOVT (K * N * e > 65535) costs more in a strip
    than as an edge tile of its own: the corner that leaves an edge (1x5 on N = 8) beats its
    balanced tile (1x4), and the analytic search must try it (found by review)."""
    target = load_target("cortex-m3")
    problem = Problem(m, n, k, elem=elem, b_k_contiguous=False)
    for objective in OBJECTIVES:
        assert (choose(problem, target, objective).schedule
                == choose(problem, target, objective, search="exhaustive").schedule), objective


def test_stationary_statement_levels_cost_more_with_more_registers() -> None:
    """The analytic search prices every block up to a level's register cap at that level's
    figures (analytic._search): exact only if a level never costs less than the one below."""
    from mema_mlir.model.costs import STREAM_LEVELS, stream_overhead
    from mema_mlir.model.overhead import OVERHEAD

    for trips in (1, 2):  # a one-trip statement (N = 1 or M = 1) has figures of its own
        levels = [stream_overhead(level, OVERHEAD, trips) for level in STREAM_LEVELS]
        for lower, higher in itertools.pairwise(levels):
            for part in ("statement", "block", "slice_loop", "looped_statement"):
                (alu, stack), (next_alu, next_stack) = getattr(lower, part), getattr(higher, part)
                assert next_alu >= alu and next_alu + next_stack >= alu + stack, (trips, part)


def test_a_slice_loop_only_adds() -> None:
    """The rates without the k-slices' loop bound a stationary block's from below (analytic
    search: bounds from the level's rates, exact costs from the schedule's)."""
    from mema_mlir.model.costs import STREAM_LEVELS, dot, rates, schedule_monomials, slices_loop
    from mema_mlir.model.schedule import is_stream, schedule_space

    target = load_target()
    for problem in (Problem(23, 17, 61, elem="i8"), Problem(9, 40, 33, elem="i16"), Problem(5, 1, 90, elem="i8")):
        looped = 0
        for s in (s for s in schedule_space(problem, target) if is_stream(s.family)):
            x = schedule_monomials(problem, s)
            for level in STREAM_LEVELS:
                plain = dot(rates(problem, s.family, s.ku, level=level).cycles, x)
                sliced = dot(rates(problem, s.family, s.ku, level=level, sliced=True).cycles, x)
                if slices_loop(problem, s):
                    assert sliced > plain
                    looped += 1
        assert looped > 0


@pytest.mark.parametrize("m, n, k, elem, registers", [(45, 106, 5, "i16", 12), (51, 59, 3, "i16", 13),
                                                      (17, 78, 2, "i16", 14), (39, 95, 4, "i8", 14),
                                                      (22, 108, 6, "i16", 12)])
def test_stationary_levels_keep_the_analytic_choice_exact(m: int, n: int, k: int, elem: str, registers: int) -> None:
    """Shapes where a weight-stationary block wins on cycles, with blocks of each register level:
    the analytic search (one pass per level) agrees with the oracle, on every objective."""
    target = load_target()
    problem = Problem(m, n, k, elem=elem)
    chosen = choose(problem, target, "cycles").schedule
    assert chosen.stationarity == "weight" and chosen.registers(elem) == registers
    for objective in OBJECTIVES:
        analytic = choose(problem, target, objective)
        assert analytic.schedule == choose(problem, target, objective, search="exhaustive").schedule, objective


def test_stationary_family_floor_is_below_its_candidates() -> None:
    """The analytic search writes a stationary family's candidates only when its floor is
    reached: the floor must be below every candidate's bound, at every register level."""
    import itertools as it

    from mema_mlir.model.analytic import _candidates, _family_floor, _register_levels, best_ku
    from mema_mlir.model.schedule import is_stream

    rng = random.Random(99)
    checked = 0
    for _ in range(300):
        case = random_case(rng)
        for family in (f for f in families(case.problem, case.target) if is_stream(f)):
            ku = best_ku(case.problem, family)
            levels = _register_levels(case.target, family)
            for objective in OBJECTIVES:
                floor = _family_floor(case.problem, case.target, objective, family, ku, levels[0][0])
                for bound, *_ in _candidates(case.problem, case.target, objective, family, ku, levels, it.count()):
                    assert floor <= bound + 1e-9 * max(1.0, abs(bound)), (case, family, objective)
                    checked += 1
    assert checked > 500
