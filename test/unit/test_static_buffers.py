"""The arena planner of mema-static-buffers: buffers alive at the same time never share bytes,
and the arena is no larger than first-fit needs."""

from __future__ import annotations

import random

from mema_mlir.passes.mema_static_buffers import ALIGNMENT, Interval, assign_offsets


def test_live_buffers_never_overlap_and_dead_ones_are_reused():
    rng = random.Random(7)
    for _ in range(300):
        buffers = []
        for _ in range(rng.randint(1, 12)):
            first = rng.randint(0, 20)
            buffers.append(Interval(rng.randint(1, 500), first, first + rng.randint(0, 8)))
        offsets, size = assign_offsets(buffers)
        assert size % ALIGNMENT == 0
        for i, a in enumerate(buffers):
            assert offsets[i] % ALIGNMENT == 0 and offsets[i] + a.size <= size
            for j, b in enumerate(buffers[:i]):
                if a.first <= b.last and b.first <= a.last:  # alive together
                    assert offsets[i] + a.size <= offsets[j] or offsets[j] + b.size <= offsets[i]
        # Never more than keeping every buffer apart; never less than the peak of live bytes.
        assert size <= sum(-(-b.size // ALIGNMENT) * ALIGNMENT for b in buffers)
        peak = max(sum(b.size for b in buffers if b.first <= t <= b.last) for t in range(30))
        assert size >= peak


def test_a_chain_of_temporaries_takes_two_buffers():
    # t0 -> t1 -> t2 -> t3, each read once by the next: two slots suffice.
    chain = [Interval(64, i, i + 1) for i in range(4)]
    offsets, size = assign_offsets(chain)
    assert size == 128 and offsets[0] == offsets[2] and offsets[1] == offsets[3]
