"""Random problems and targets for property checks (the unit tests and the soak benchmark).

One generator for both, so that the soak runs exactly the distribution the tests sample. Sizes
are log-uniform so that small and edge-heavy shapes (N = 1, M < mr...) are common; memory
costs are small integers half of the time, so that exact ties (the hard case for agreeing on
one schedule) are common too.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from mema_mlir.model.problem import Problem
from mema_mlir.model.ranking import OBJECTIVES
from mema_mlir.model.target import Memory, Target


@dataclass(frozen=True)
class Case:
    problem: Problem
    target: Target
    objective: str


def _size(rng: random.Random, top: int) -> int:
    return min(top, max(1, int(math.exp(rng.uniform(0.0, math.log(top + 1))))))


def _cost(rng: random.Random, top: float) -> float:
    if rng.random() < 0.5:
        return float(rng.randint(0, int(top)))
    return round(rng.uniform(0.0, top), 3)


def random_target(rng: random.Random) -> Target:
    """A target with 6..14 registers, DSP or not, random memory costs and energies."""
    memories = {
        "flash": Memory("flash", 1 << 20, _cost(rng, 10), 0.0, _cost(rng, 5), 0.0, writable=False),
        "sram": Memory("sram", 1 << 17, _cost(rng, 4), _cost(rng, 4), _cost(rng, 2),
                       _cost(rng, 2)),
    }
    return Target(
        name="random", description="property-test target", source="random", triple="thumbv7em-none-eabi",
        cpu="cortex-m4", features="", registers=rng.randint(6, 14), word_bytes=4,
        has_dsp=rng.random() < 0.7, clock_hz=1e8, energy_per_cycle_nj=_cost(rng, 2),
        memories=memories, placement={"weights": "flash", "activations": "sram", "outputs": "sram"},
    )


def random_problem(rng: random.Random, top: int = 2048) -> Problem:
    """M, N, K in 1..top, either element type, random layouts, constness and placement."""
    a_constant = rng.random() < 0.6
    b_constant = rng.random() < 0.2
    return Problem(
        m=_size(rng, top), n=1 if rng.random() < 0.15 else _size(rng, top), k=_size(rng, top),
        elem=rng.choice(("i8", "i16")), b_k_contiguous=rng.random() < 0.5,
        a_constant=a_constant, b_constant=b_constant,
        a_memory="flash" if a_constant and rng.random() < 0.8 else "sram",
        b_memory="flash" if b_constant and rng.random() < 0.5 else "sram",
        c_memory="sram",
    )


def random_case(rng: random.Random) -> Case:
    return Case(random_problem(rng), random_target(rng), rng.choice(OBJECTIVES))
