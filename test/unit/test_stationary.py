"""Weight- and input-stationary schedules through the whole pipeline on the emulated Cortex-M4:
random shapes and blocks, bit-exact with numpy, loads, stores and bytes exactly as predicted,
est. cycles within 5%;
the compile-time panel; the schedule syntax and its errors."""

from __future__ import annotations

import numpy as np
import pytest

from mema_mlir.model import Problem, load_target
from mema_mlir.planning import parse_schedule_option
from mema_mlir.random_matmuls import draw_stationary, matmul_text
from mema_mlir.relayout import PAIR_ORDER, stationary_panel
from mema_mlir.run import check_file

CASES = 40
MAX_MACS = 40_000
TARGET = load_target("cortex-m4")


@pytest.mark.parametrize("case", range(CASES))
def test_stationary_blocks_are_bit_exact_and_predicted(case: int) -> None:
    rng = np.random.default_rng(20261127 + case)
    m, n, k, elem, stationarity, lines, kr = draw_stationary(rng, MAX_MACS)
    text = matmul_text(rng, m, n, k, elem, True, True)
    (check,) = check_file(text, schedule=f"{stationarity}:{lines}x{kr}", seed=case)
    assert check.numpy_checked
    assert check.matmuls == [f"{m}x{n}x{k}"], "the matmul was tiled"
    assert check.problems == [], f"{m}x{n}x{k} {elem} {stationarity}:{lines}x{kr}"
    # llc's code around the statements is estimated (costs.stream_overhead): within 5% here.
    error = (check.predicted["cycles"] - check.measured["cycles"]) / check.measured["cycles"]
    assert abs(error) <= 0.05, f"{m}x{n}x{k} {elem} {stationarity}:{lines}x{kr}: est. cycles {error:+.1%}"


@pytest.mark.parametrize("elem", ["i8", "i16"])
def test_panel_groups_end_at_k_with_the_overlap_zeroed(elem: str) -> None:
    """Row r of one-line blocks: its whole groups in pair order, then the group that ends at K
    with the values the previous group already has set to zero; blocks of 2 rows interleave."""
    rng = np.random.default_rng(5)
    dtype, group = (np.int8, 4) if elem == "i8" else (np.int16, 2)
    a = rng.integers(-128, 128, size=(3, 2 * group + 1)).astype(dtype)
    one = stationary_panel(a, 1, elem).reshape(3, 3, group)
    order = PAIR_ORDER if group == 4 else [0, 1]
    for r in range(3):
        for g in range(2):
            assert list(one[r, g]) == list(a[r, g * group:(g + 1) * group][order])
        last = a[r, -group:].astype(np.int16)
        last[:group - 1] = 0
        assert list(one[r, 2]) == list(last[order])
    two = stationary_panel(a, 2, elem)
    first_block = two[:2 * 3 * group].reshape(3, 2, group)  # [group][row][values]
    assert np.array_equal(first_block.transpose(1, 0, 2), one[:2])
    assert np.array_equal(two[2 * 3 * group:].reshape(3, group), one[2])


def test_schedule_syntax() -> None:
    assert parse_schedule_option("weight:1x16") == ("stationary", "weight", 1, 16)
    assert parse_schedule_option("input:3x4") == ("stationary", "input", 3, 4)
    for bad in ("weight:0x4", "input:3x", "output:2x2", "weight:1x16:pairs/words"):
        with pytest.raises(ValueError, match="weight:LINESxKR"):
            parse_schedule_option(bad)


@pytest.mark.parametrize("schedule, reason", [
    ("weight:2x6", "kr=6 is not a multiple of 4"),
    ("weight:4x16", "needs 41 registers"),
    ("input:1x200", "kr=200 is larger than K = 70"),
])
def test_illegal_blocks_are_refused_with_the_reason(schedule: str, reason: str) -> None:
    text = matmul_text(np.random.default_rng(1), 11, 37, 70, "i8", True, True)
    with pytest.raises(Exception, match=reason):
        check_file(text, schedule=schedule)


@pytest.mark.parametrize("elem", ["i8", "i16"])
@pytest.mark.parametrize("stationarity", ["weight", "input"])
def test_register_count_is_the_statements(elem: str, stationarity: str) -> None:
    """The model's register need is what the statement binds: partial sums, scratch registers,
    the two pointers and the trip counter (so llc has nothing to spill inside it)."""
    from mema_mlir.model.stationary import StreamSpec, stream_program, stream_registers
    for lines in range(1, 7):
        for groups in range(1, 7):
            spec = StreamSpec(elem, stationarity, lines, groups, 5, 64, 400, a_row_bytes=128)
            program = stream_program(spec, check=False)
            bound = lines + program.scratch + len(program.pointers) + (1 if program.uses_counter else 0)
            assert bound == stream_registers(elem, lines, groups), (lines, groups)


@pytest.mark.parametrize("schedule", ["analytic", "weight:2x2", "input:1x2", "fixed:2x2"])
def test_two_matmuls_sharing_one_constant_reuse_its_layout(schedule: str) -> None:
    """The second matmul reads the panel global the first one created (it was an internal
    error: the kernel was parsed without that global)."""
    from pathlib import Path
    text = (Path(__file__).parent / "Inputs" / "two-matmuls-one-constant.mlir").read_text()
    (check,) = check_file(text, schedule=schedule)
    assert check.matmuls == ["12x5x17", "12x36x17"]
    assert check.problems == []


def test_stationary_legality_is_exact_at_the_offset_limit() -> None:
    """Input-stationary with 2 int16 columns of K = 2046: the farthest kept-B offset is
    (2 - 1) * 4092 + 4 * (1 - 1) = 4092, in range."""
    from mema_mlir.model import Schedule, check_schedule
    problem = Problem(3, 2, 2046, "i16")
    check_schedule(problem, TARGET, Schedule(1, 2, 1, "smlad-is", "halves", "words", "b", "ij", "input", 2))
    with pytest.raises(Exception, match="loop_order ij"):
        check_schedule(problem, TARGET, Schedule(1, 2, 1, "smlad-is", "halves", "words", "b", "ji", "input", 2))


def test_side_hash_survives_pickling() -> None:
    import pickle

    from mema_mlir.model.microkernel import Side
    side = Side("A", "w16", 2, "panel", "i16", padded=True, pairs=True)
    again = pickle.loads(pickle.dumps(side))
    assert again == side and hash(again) == hash(side) and "_hash" not in side.__getstate__()
