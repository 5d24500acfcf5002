"""Every kernel variant the generator writes, on the emulated Cortex-M4, against numpy bit for bit.

Shapes cover the edges: dimension 1, primes, K < 4 and K not a multiple of the group, M and N not
multiples of the tile; values include -128/127 and -32768/32767, and C starts non-zero.
"""

from __future__ import annotations

import numpy as np
import pytest
from kernels import VARIANTS, Variant, kernel_object, random_operands, run_kernel

from mema_mlir.model import load_target
from mema_mlir.model.registers import registers_needed
from mema_mlir.model.schedule import K_UNROLLS

SHAPES = [(1, 1, 1), (5, 3, 10), (7, 1, 13), (1, 11, 3), (13, 7, 17), (4, 4, 8), (6, 5, 35), (3, 2, 70)]
TILES = [(1, 1), (2, 2), (3, 1), (1, 4), (4, 1), (2, 3), (3, 2)]
REGISTERS = load_target("cortex-m4").registers


def fitting_tile(variant: Variant, index: int) -> tuple[int, int]:
    """The index-th tile of TILES (cyclically) that fits the Cortex-M4's registers."""
    family = (variant.kernel, variant.a_form, variant.b_form, variant.kept)
    fitting = [t for t in TILES if registers_needed(variant.elem, family, *t) <= REGISTERS]
    return fitting[index % len(fitting)]


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
@pytest.mark.parametrize("shape_index", range(len(SHAPES)))
def test_kernel_matches_numpy(variant: Variant, shape_index: int) -> None:
    m, n, k = SHAPES[shape_index]
    mr, nr = fitting_tile(variant, shape_index)
    ku = K_UNROLLS[shape_index % len(K_UNROLLS)] if variant.kernel == "smlad" else 1
    rng = np.random.default_rng(1000 + shape_index)
    a, b, c, expected = random_operands(rng, m, n, k, variant.elem, variant.b_k_contiguous)
    result = run_kernel(kernel_object(m, n, k, mr, nr, variant, ku), a, b, c, variant, mr)
    np.testing.assert_array_equal(result.outputs["C"], expected)
    # C is read once and written once per element: the accumulators live in registers.
    assert result.traffic.buffers["C"].reads == m * n
    assert result.traffic.buffers["C"].writes == m * n
    # Every estimated cycle is charged to some address (what hot-loop timing relies on).
    assert sum(result.cycles_at.values()) == result.cycles
