"""kernel_counts.tile_execution (the optimiser's fast path) against the Program itself: the
same Execution, exactly, over random kernel shapes, K, unrolls, C layouts and the fused
requantization."""

from __future__ import annotations

import random

import pytest

from mema_mlir.model.costs import tile_spec
from mema_mlir.model.kernel_counts import tile_execution
from mema_mlir.model.microkernel import tile_program
from mema_mlir.model.problem import Problem
from mema_mlir.model.schedule import K_UNROLLS, families
from mema_mlir.model.target import load_target

TARGET = load_target("cortex-m4")


def random_problem(rng: random.Random) -> Problem:
    """A random problem: int8 or int16, K with and without a rest, C row-major int32, a
    convolution's transposed int32 (strides up to MOVT's range) or a fused requantization's int8."""
    elem = rng.choice(["i8", "i16"])
    k = rng.choice([1, 2, 3, 4, 5, 7, 8, 9, 16, 27, 64, 97, 130, 576, 640])
    n = rng.choice([1, 2, 5, 64, 300, 1024, 20000])
    requant = elem == "i8" and rng.random() < 0.3
    c_strides = ((1, rng.randint(1, 300)) if requant
                 else rng.choice([(0, 4), (4, 4 * rng.randint(1, 20000))]))
    return Problem(rng.randint(1, 64), n, k, elem, b_k_contiguous=rng.random() < 0.5,
                   a_constant=rng.random() < 0.7, c_row_bytes=c_strides[0], c_col_bytes=c_strides[1],
                   requant=requant)


@pytest.mark.parametrize("seed", range(40))
def test_fast_execution_equals_the_programs(seed: int) -> None:
    rng = random.Random(seed)
    checked = 0
    while checked < 60:
        problem = random_problem(rng)
        smlad = [family for family in families(problem, TARGET) if family[0] == "smlad"]
        family = rng.choice(smlad)
        spec = tile_spec(problem, family, rng.choice(K_UNROLLS), rng.randint(1, 4), rng.randint(1, 4))
        program = tile_program(spec, check=False)
        execution, loops = tile_execution(spec)
        assert execution == program.execution(), (spec, family)
        assert loops == program.uses_counter
        checked += 1


@pytest.mark.parametrize("seed", range(10))
def test_sample_affine_equals_the_four_tiles(seed: int) -> None:
    """The optimiser's per-family coefficients, summed from the blocks' own, are those of the
    four sample tiles' exact counts; their cycles are the tiles'."""
    from mema_mlir.model.kernel_counts import SAMPLE_TILES, sample_affine, tile_counts
    rng = random.Random(1000 + seed)
    for _ in range(40):
        problem = random_problem(rng)
        family = rng.choice([f for f in families(problem, TARGET) if f[0] == "smlad"])
        ku = rng.choice(K_UNROLLS)
        specs = tuple(tile_spec(problem, family, ku, rows, cols) for rows, cols in SAMPLE_TILES)
        coefficients, cycles, loops = sample_affine(specs)
        samples = [tile_counts(spec) for spec in specs]
        assert list(cycles) == [sample[1] for sample in samples]
        assert loops == samples[0][2]
        for index, (rows, cols) in enumerate(SAMPLE_TILES):
            rebuilt = {key: c0 + c1 * rows + c2 * cols + c3 * rows * cols
                       for key, (c0, c1, c2, c3) in coefficients.items()}
            expected = samples[index][0]
            assert {key: value for key, value in rebuilt.items() if value} == \
                {key: value for key, value in expected.items() if value}, (family, rows, cols)
