"""The I/O lower bound every schedule is reported against.

Two bounds, the larger wins:
* compulsory traffic: every byte of A and B read at least once (a load moves at most one word),
  every element of C read once (C += A.B) and written once;
* communication (Smith, Lowery, Langou, van de Geijn, "A Tight I/O Lower Bound for Matrix
  Multiplication", arXiv:1702.02017, after Hong & Kung 1981): computing C += A.B with the
  M*N*K scalar multiply-adds on a machine whose fast memory holds S elements moves at least
  2*M*N*K/sqrt(S) - 2*S elements between fast and slow memory.

Applying it to registers: the fast store is the S words the kernel can give to data (registers
minus the loop/address ones). A word holds at most rho elements (4 int8, 2 int16; an int32
partial sum is one), so the registers hold at most rho*S elements and a load or store moves at
most rho: words >= (2*M*N*K/sqrt(rho*S) - 2*rho*S) / rho. Over-estimating the capacity and the
elements per access only weakens the bound, so it stays valid. docs/model.md has the details.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mema_mlir.model.problem import Problem
from mema_mlir.model.registers import LOOP_AND_ADDRESS_REGISTERS
from mema_mlir.model.target import Target


@dataclass(frozen=True)
class LowerBound:
    """Lower bounds on the loads and stores of any output-stationary schedule (words)."""

    loads: int
    stores: int
    compulsory_loads: int
    communication_words: float  # the Smith et al. bound in words (loads + stores); may be < 0
    fast_store_words: int  # S
    elements_per_word: int  # rho

    @property
    def total(self) -> int:
        return self.loads + self.stores


def lower_bound(problem: Problem, target: Target) -> LowerBound:
    """max(compulsory, communication) loads; M*N stores (C written once).

    The loads figure subtracts the M*N stores from the communication bound, which is valid for
    schedules that write each output once (every schedule the generator emits); loads + stores
    is a bound for any schedule.
    """
    m, n, k, e = problem.m, problem.n, problem.k, problem.elem_bytes
    outputs = m * n
    # A fused requantization (problem.requant) reads no C and writes int8 outputs, which a
    # word store could write four at a time.
    c_reads, stores = (0, -(-outputs // 4)) if problem.requant else (outputs, outputs)
    compulsory = -(-m * k * e // 4) + -(-k * n * e // 4) + c_reads
    rho = 4 // e
    s = max(1, target.registers - LOOP_AND_ADDRESS_REGISTERS)
    elements = 2 * m * n * k / math.sqrt(rho * s) - 2 * rho * s
    words = elements / rho
    loads = max(compulsory, math.ceil(words) - stores)
    return LowerBound(loads, stores, compulsory, words, s, rho)
