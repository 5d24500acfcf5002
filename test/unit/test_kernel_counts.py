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


@pytest.mark.parametrize("seed", range(40))
def test_fast_execution_equals_the_programs(seed: int) -> None:
    rng = random.Random(seed)
    checked = 0
    while checked < 60:
        elem = rng.choice(["i8", "i16"])
        k = rng.choice([1, 2, 3, 4, 5, 7, 8, 9, 16, 27, 64, 97, 130, 576, 640])
        n = rng.choice([1, 2, 5, 64, 300, 1024, 20000])
        requant = elem == "i8" and rng.random() < 0.3
        # C: row-major int32, a convolution's transposed int32 (strides up to MOVT's range), or
        # a fused requantization's int8 output.
        c_strides = ((1, rng.randint(1, 300)) if requant
                     else rng.choice([(0, 4), (4, 4 * rng.randint(1, 20000))]))
        problem = Problem(rng.randint(1, 64), n, k, elem, b_k_contiguous=rng.random() < 0.5,
                          a_constant=rng.random() < 0.7, c_row_bytes=c_strides[0], c_col_bytes=c_strides[1],
                          requant=requant)
        smlad = [family for family in families(problem, TARGET) if family[0] == "smlad"]
        family = rng.choice(smlad)
        spec = tile_spec(problem, family, rng.choice(K_UNROLLS), rng.randint(1, 4), rng.randint(1, 4))
        program = tile_program(spec, check=False)
        execution, loops = tile_execution(spec)
        assert execution == program.execution(), (spec, family)
        assert loops == program.uses_counter
        checked += 1
