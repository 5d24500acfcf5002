"""The MLA micro-kernel: one register tile for cores without the DSP extension (Cortex-M3),
as inline assembly whose every instruction the model counts.

Per k, by the family's `kept`: "a" (or "b"): A's (B's) elements loaded back to back by
LDRSB/LDRSH, then for each line of the other side its element and one MLA per kept line; "ab":
every element of both sides in one burst (B's, then A's), then every MLA.
The first load of each operand post-increments its pointer by one k (A: one element; B: one
element of a [N, K] B, one row of a [K, N] B), the others read at offsets from it; a step of B
beyond an ADDW immediate goes through a scratch register (MOVW/MOVT, ADD) once the MLAs are
done. ku k-steps per loop trip, the K % ku rest straight after; C's tile loaded before and
stored after as for the DSP tiles (microkernel.c_access). Registers: the accumulators, the kept
elements (and one streamed element), the two pointers and the trip counter
(registers.registers_needed counts exactly these).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from mema_mlir.model.microkernel import (
    MAX_ADD_IMMEDIATE,
    MAX_TILE_LINES,
    Execution,
    Insn,
    Program,
    Strip,
    _Access,
    _Pending,
    _resolve,
    c_access,
    pointer_step_form,
    strip_end_offset,
    strip_of,
)

_LOAD = {"i8": "ldrsb", "i16": "ldrsh"}


@dataclass(frozen=True)
class MlaSpec:
    """One rows x cols tile: where its operands' lines are and how far one k moves them."""

    elem: str  # "i8" | "i16"
    kept: str  # "a" | "b" | "ab"
    rows: int
    cols: int
    k: int
    ku: int
    a_line_bytes: int  # between rows of A (K elements)
    b_line_bytes: int  # between columns of B: K elements ([N, K]) or one ([K, N])
    b_k_bytes: int  # between consecutive k of a column of B: one element ([N, K]) or N ([K, N])
    c_row_bytes: int
    c_col_bytes: int = 4

    @property
    def elem_bytes(self) -> int:
        return 1 if self.elem == "i8" else 2



def mla_scratch(kept: str, rows: int, cols: int) -> int:
    """The kept elements, and one streamed element unless both sides are kept."""
    return {"a": rows + 1, "b": cols + 1}.get(kept, rows + cols)


def _k_step(spec: MlaSpec, check: bool) -> list[Insn]:
    """One k of the tile, moving both pointers on by one k."""
    e = spec.elem_bytes
    load = _LOAD[spec.elem]
    a = ("pa", spec.rows, spec.a_line_bytes, "A")
    b = ("pb", spec.cols, spec.b_line_bytes, "B")

    def element(side: tuple[str, int, int, str], line: int, register: str) -> _Pending:
        pointer, _, line_bytes, role = side
        return _Pending(f"{load} {{{register}}}, {{addr}}", "load", role, 1, e, _Access(pointer, line * line_bytes))

    def mla(row: int, col: int, a_register: str, b_register: str) -> _Pending:
        return _Pending(f"mla {{c{row}_{col}}}, {{{a_register}}}, {{{b_register}}}, {{c{row}_{col}}}", "mul")

    block: list[_Pending] = []
    if spec.kept == "ab":
        b_registers = [f"t{line}" for line in range(spec.cols)]
        a_registers = [f"t{spec.cols + line}" for line in range(spec.rows)]
        block += [element(b, line, register) for line, register in enumerate(b_registers)]
        block += [element(a, line, register) for line, register in enumerate(a_registers)]
        block += [mla(row, col, a_registers[row], b_registers[col])
                  for row in range(spec.rows) for col in range(spec.cols)]
    else:
        keeps_a = spec.kept == "a"
        kept, streamed = (a, b) if keeps_a else (b, a)
        kept_registers = [f"t{line}" for line in range(kept[1])]
        value = f"t{kept[1]}"
        block += [element(kept, line, register) for line, register in enumerate(kept_registers)]
        for line in range(streamed[1]):
            block.append(element(streamed, line, value))
            for kept_line, kept_register in enumerate(kept_registers):
                block.append(mla(kept_line, line, kept_register, value) if keeps_a
                             else mla(line, kept_line, value, kept_register))
    wide = spec.b_k_bytes > MAX_ADD_IMMEDIATE
    step = _resolve(block, {"pa": e} if wide else {"pa": e, "pb": spec.b_k_bytes}, check)
    if wide:  # the scratch registers are free once the MLAs are done
        step.append(Insn(f"movw {{t0}}, #{spec.b_k_bytes & 0xFFFF}", "alu"))
        if spec.b_k_bytes > 0xFFFF:
            step.append(Insn(f"movt {{t0}}, #{spec.b_k_bytes >> 16}", "alu"))
        step.append(Insn("add {pb}, {pb}, {t0}", "alu"))
    return step


def mla_program(spec: MlaSpec, check: bool = True) -> Program:
    """The statement of one MLA tile (see the module's docstring). ValueError if an offset
    cannot be encoded, unless `check` is off (the counts do not depend on the offsets)."""
    step = _k_step(spec, check)
    trips, left = divmod(spec.k, spec.ku)
    body = step * spec.ku if trips else []
    tail: list[Insn] = []
    if trips == 1:  # a single trip is straight-line code
        tail, body, trips = body, [], 0
    tail += step * left
    prologue, epilogue, preloaded = c_access(spec.rows, spec.cols, spec.c_row_bytes, spec.c_col_bytes)
    return Program(tuple(body), trips, tuple(tail), mla_scratch(spec.kept, spec.rows, spec.cols), ("pa", "pb"),
                   prologue=tuple(prologue), preloaded=preloaded, epilogue=tuple(epilogue))


@lru_cache(maxsize=4096)
def mla_execution(spec: MlaSpec) -> Execution:
    """mla_program(spec).execution(), kept across problems (the model samples 4 tiles each)."""
    return mla_program(spec, check=False).execution()


def mla_strip_deltas(spec: MlaSpec, inner: str) -> tuple[int, int, int, int]:
    """(pa, pb, t0, t1) bytes from where a tile leaves its pointers (A and B one k-step per k
    on, C where its stores leave it) to the next tile's start along `inner` ("rows": the next
    rows, B back to the tile's first column; "cols": the next columns, A back to its first row)."""
    return _strip_deltas(spec.elem_bytes, spec.k, spec.a_line_bytes, spec.b_line_bytes, spec.b_k_bytes,
                         spec.c_row_bytes, spec.c_col_bytes, inner, spec.rows, spec.cols)


def _strip_deltas(e: int, k: int, a_line: int, b_line: int, b_k: int, c_row: int, c_col: int, inner: str,
                  rows: int, cols: int) -> tuple[int, int, int, int]:
    c_net = strip_end_offset(c_row, c_col, rows, cols, False)
    if inner == "rows":
        return rows * a_line - k * e, -k * b_k, rows * c_row - c_net, 0
    return -k * e, cols * b_line - k * b_k, cols * c_col - c_net, 0


def mla_strip_forms(spec: MlaSpec, inner: str) -> tuple[str, str, str, str]:
    """The step's pointer-move forms for every tile of this problem (microkernel.strip_forms's
    rule: each move is affine in the tile's rows and columns, so the corners decide)."""
    return _strip_forms(spec.elem_bytes, spec.k, spec.a_line_bytes, spec.b_line_bytes, spec.b_k_bytes,
                        spec.c_row_bytes, spec.c_col_bytes, inner)


@lru_cache(maxsize=4096)
def _strip_forms(*facts: int | str) -> tuple[str, str, str, str]:
    corners = (1, MAX_TILE_LINES)
    deltas = [_strip_deltas(*facts, rows, cols) for rows in corners for cols in corners]  # type: ignore[arg-type]
    return tuple(pointer_step_form(d[i] for d in deltas) for i in range(4))  # type: ignore[return-value]


def clear_problem_caches() -> None:
    """Forget the strip forms of particular problems (costs.clear_problem_caches)."""
    _strip_forms.cache_clear()


def mla_strip_program(spec: MlaSpec, tiles: int, inner: str, entry_form: str, check: bool = True) -> Strip:
    """The full tiles of one block row ("cols") or column ("rows") in one statement: each tile's
    mla_program, then the step to the next (microkernel.strip_of)."""
    c_net = strip_end_offset(spec.c_row_bytes, spec.c_col_bytes, spec.rows, spec.cols, False)
    return strip_of(mla_program(spec, check), tiles, mla_strip_deltas(spec, inner), mla_strip_forms(spec, inner),
                    entry_form, c_net, check)
