"""The convolution's packing statement (model.im2col), alone in a function on the emulated
Cortex-M4: it packs the pixel's filter rows where the panel wants them, bit for bit, and its
instructions, est. cycles and data accesses in the trace are the ones Chain.execution() says."""

from __future__ import annotations

import numpy as np
import pytest

from mema_mlir import api
from mema_mlir.codegen import Emitter
from mema_mlir.emulator import Buffer, run_function
from mema_mlir.inline_asm import Operand, inline_asm
from mema_mlir.model.im2col import (
    Im2colSpec,
    im2col_program,
    registers,
    table_entry_bytes,
    uses_counter,
)

CASES = [  # columns, column, row values, filter rows, row bytes, table entry, zero point
    (1, 0, 3, 1, 3, 2, 0),  # below one group: the rest only
    (3, 1, 12, 3, 40, 2, -77),  # 3 groups a row: the one-group loop
    (4, 3, 37, 2, 5000, 4, 127),  # the unrolled loop, a leftover group, a rest; ADD through MOVW
    (2, 0, 16, 4, 70_001, 4, -128),  # 4 groups (one unrolled trip, straight-line); MOVW/MOVT
    (5, 2, 64, 2, 64, 2, 0),  # rows back to back: no step
]


def pack_module(spec: Im2colSpec, x_bytes: int, table_entries: int, panel_halfwords: int) -> str:
    """A function @pack(%X, %T, %P) running one statement: the pixel at table[column]."""
    writer = Emitter()
    table_type = f"memref<{table_entries}x{'i16' if spec.table_bytes == 2 else 'i32'}>"
    types = {"X": f"memref<{x_bytes}xi8>", "T": table_type, "P": f"memref<{panel_halfwords}xi16>"}
    writer.raw_pointers([(name, type_text, "", 0) for name, type_text in types.items()])
    program = im2col_program(spec)
    named = [Operand("src", "", "!llvm.ptr"),
             Operand("dst", writer.offset_pointer("%ptrP", spec.column * 8), "!llvm.ptr")]
    if uses_counter(program):
        named.append(Operand("n", "", "i32"))
    inputs = [Operand("tab", "%ptrT", "!llvm.ptr"), Operand("base", "%ptrX", "!llvm.ptr")]
    if spec.zero_point:
        pair = (spec.zero_point & 0xFFFF) | (spec.zero_point << 16)
        pair = (pair & 0xFFFFFFFF) - (1 << 32) if pair & 0x80000000 else pair & 0xFFFFFFFF
        inputs.append(Operand("zp2", writer.const_i32(pair), "i32"))
    inline_asm(program, named, inputs, writer.t.fresh, writer.t.emit)
    signature = "func.func @pack(" + ", ".join(f"%{name}: {type_text}" for name, type_text in types.items()) + ") {"
    return "module {\n" + writer.function(signature) + "\n}\n"


@pytest.mark.parametrize("case", CASES, ids=[f"rv{c[2]}xfh{c[3]}" for c in CASES])
def test_statement_packs_and_times_as_modelled(case: tuple[int, ...]) -> None:
    columns, column, row_values, filter_rows, row_bytes, table_bytes, zero_point = case
    spec = Im2colSpec(columns, column, row_values, filter_rows, row_bytes, table_bytes, zero_point)
    program = im2col_program(spec)
    assert registers(program) <= 14
    rng = np.random.default_rng([abs(v) for v in case])
    offset = 6 if table_bytes == 2 else 70_000  # the pixel's input offset, through the table
    x = rng.integers(-128, 128, offset + (filter_rows - 1) * row_bytes + row_values + 8, dtype=np.int8)
    x[offset], x[offset + row_values - 1] = -128, 127
    table = np.zeros(columns, np.uint16 if table_bytes == 2 else np.int32)
    table[column] = offset
    assert table_entry_bytes(offset) <= table_bytes
    groups = -(-row_values // 4)
    panel = np.full(filter_rows * groups * columns * 4, 0x5555, np.uint16).view(np.int16)
    obj = api.compile_module(pack_module(spec, x.size, columns, panel.size)).output
    result = run_function(obj, "pack", [Buffer("X", x, "sram"), Buffer("T", table, "flash"),
                                        Buffer("P", panel.copy(), "sram")])

    # The panel: row g of K (a group of 4 values) holds 4 int16 per column, pair order (k0, k2, k1, k3).
    packed = result.outputs["P"].reshape(filter_rows * groups, columns, 4)
    for kh in range(filter_rows):
        values = x[offset + kh * row_bytes: offset + kh * row_bytes + row_values].astype(np.int16) - zero_point
        padded = np.zeros(groups * 4, np.int16)
        padded[:row_values] = values
        expected = padded.reshape(groups, 4)[:, [0, 2, 1, 3]]
        np.testing.assert_array_equal(packed[kh * groups:(kh + 1) * groups, column], expected)
    others = [c for c in range(columns) if c != column]
    assert (packed[:, others] == 0x5555).all()  # nothing else written

    ex = program.execution()
    lines = [line for line in program.lines() if not line.endswith(":")]
    executed = sorted(result.exec_counts)
    first = next(a for a in executed if result.disassembly[a].startswith(("ldrh", "ldr")) and
                 result.exec_counts[a] == 1 and a > executed[0])
    statement = executed[executed.index(first):executed.index(first) + len(lines)]
    assert sum(result.exec_counts[a] for a in statement) == ex.instructions
    assert sum(result.cycles_at[a] for a in statement) == ex.cycles
    traffic = result.traffic.buffers
    assert traffic["T"].reads == ex.loads["T"] == 1
    assert traffic["X"].reads == ex.loads["B"]
    assert traffic["X"].read_bytes == ex.load_bytes["B"]
    assert traffic["P"].writes == ex.stores["buffer"] and traffic["P"].reads == 0
