"""A convolution's im2col packing of one output pixel, as one inline-asm statement.

Column p of a convolution's B (output pixel p = (p // OW, p % OW)) reads, per filter row kh,
the KW * C contiguous input values at input[oh * SH + kh, ow * SW, :] (NHWC). Finding that
address needs a division and a remainder by OW; written by llc they cost from -9 to +17 cycles
per pixel around the model's constant, depending on the shape (spills, its division code). So
the address comes from a table instead: a constant global (flash) of every pixel's byte offset
in the input, read by the statement itself, which then packs all KH filter rows:

    LDRH/LDR src, [tab, #column * entry]   the pixel's offset (tab: the block's first pixel)
    ADD      src, src, base                the input's address
    [per filter row: MOVW n, #trips; the packing loop of one column (microkernel.pack_program)
     whose last store moves dst on; then src to the next filter row: ADDW, or MOVW/MOVT + ADD]

dst moves from one filter row's place in the panel to the next's by the packing's own
post-indexed stores (the rows of the panel are the groups of K, filter row after filter row),
so only src needs a step. Every count is exact; what llc adds around the statement (its
operands) is the one estimated part (overhead.im2col_statement_*).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from mema_mlir.model.microkernel import (
    MAX_ADD_IMMEDIATE,
    Execution,
    Insn,
    PackSpec,
    Program,
    pack_program,
)

# A table entry: a halfword when every pixel's offset fits, else a word.
TABLE_ENTRY_BYTES = (2, 4)


def table_entry_bytes(largest_offset: int) -> int:
    """The offset table's entry size for offsets up to `largest_offset`."""
    return 2 if largest_offset < 1 << 16 else 4


@dataclass(frozen=True)
class Im2colSpec:
    """One output pixel's packing: its place in a block `columns` wide, each of its
    `filter_height` rows' `row_values` int8 values (`row_bytes` apart in the input), the
    input's zero point (subtracted), and the offset table's entry size."""

    columns: int
    column: int
    row_values: int
    filter_height: int
    row_bytes: int
    table_bytes: int = 2
    zero_point: int = 0

    def __post_init__(self) -> None:
        if self.table_bytes not in TABLE_ENTRY_BYTES:
            raise ValueError(f"offset table entries are 2 or 4 bytes, not {self.table_bytes}")
        if not 0 <= self.column < self.columns:
            raise ValueError(f"column {self.column} is outside a block of {self.columns}")
        if self.column * self.table_bytes > MAX_ADD_IMMEDIATE:
            raise ValueError(f"column {self.column}'s table entry is beyond a load's offset range")
        if self.row_bytes < self.row_values:
            raise ValueError("a filter row's values overlap the next row's")


@dataclass(frozen=True)
class Chain:
    """Programs run one after the other in one statement (each its own loop, local label 1);
    duck-types Program for inline_asm (lines, scratch, preloaded)."""

    parts: tuple[Program, ...]
    scratch: int
    inputs: tuple[str, ...]
    preloaded: tuple[tuple[str, str], ...] = ()

    def lines(self) -> list[str]:
        return [line for part in self.parts for line in part.lines()]

    def execution(self) -> Execution:
        """The parts' counts summed; each part's first single access pipelines after the
        previous part's last one, as in the trace."""
        by_class: dict[str, int] = {}
        tables: tuple[dict[str, int], ...] = ({}, {}, {}, {})
        cycles = 0
        after_single = False
        for part in self.parts:
            ex = part.execution(after_single=after_single)
            cycles += ex.cycles
            for cls, count in ex.by_class.items():
                by_class[cls] = by_class.get(cls, 0) + count
            for total, table in zip(tables, (ex.loads, ex.load_bytes, ex.stores, ex.store_bytes), strict=True):
                for key, value in table.items():
                    total[key] = total.get(key, 0) + value
            after_single = part.ends_single(after_single)
        return Execution(by_class, *tables, cycles)


def _row_step(step: int) -> list[Insn]:
    """src from the end of one filter row's values to the start of the next row's."""
    if step == 0:
        return []
    if step <= MAX_ADD_IMMEDIATE:
        return [Insn(f"addw {{src}}, {{src}}, #{step}", "alu")]
    load = [Insn(f"movw {{t0}}, #{step & 0xFFFF}", "alu")]
    if step >> 16:
        load.append(Insn(f"movt {{t0}}, #{step >> 16}", "alu"))
    return [*load, Insn("add {src}, {src}, {t0}", "alu")]


def im2col_program(spec: Im2colSpec) -> Chain:
    """The statement packing one output pixel's KH filter rows (registers: `src`, `dst`, `n`,
    scratch `t*`; inputs `tab`, `base` and, with a zero point, `zp2`)."""
    row = pack_program(PackSpec("i8", "rows", spec.columns, spec.row_values, 0, spec.zero_point, advance=True))
    load = "ldrh" if spec.table_bytes == 2 else "ldr"
    offset = spec.column * spec.table_bytes
    address = f"[{{tab}}, #{offset}]" if offset else "[{tab}]"
    entry = [Insn(f"{load} {{src}}, {address}", "load", "T", 1, spec.table_bytes),
             Insn("add {src}, {src}, {base}", "alu")]
    step = _row_step(spec.row_bytes - 4 * (spec.row_values // 4))  # the loads moved src by whole groups
    counter = [Insn(f"movw {{n}}, #{row.trips}", "alu")] if row.trips else []
    parts = tuple(dataclasses.replace(row, prologue=tuple((entry if kh == 0 else step) + counter))
                  for kh in range(spec.filter_height))
    scratch = max(row.scratch, 1 if step else 0)
    return Chain(parts, scratch, ("tab", "base", *row.inputs))


def uses_counter(chain: Chain) -> bool:
    """Whether the statement's rows loop (its `n` register is written)."""
    return any(part.trips for part in chain.parts)


def registers(chain: Chain) -> int:
    """Registers the statement takes: src, dst, the counter, scratch and inputs."""
    return 2 + uses_counter(chain) + chain.scratch + len(chain.inputs)

