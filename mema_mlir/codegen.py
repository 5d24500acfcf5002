"""Write the register-tiled loop nest of one matmul as MLIR text (affine + llvm intrinsics).

The text is parsed in the op's context and spliced in place of the `linalg.matmul` by mema-tile.
Shape of the code, which the analytical model counts instruction by instruction:

    for each register tile (full tiles in affine loops, edge tiles as their own nests):
      load the mr' x nr' accumulators from C                    (C read once)
      affine.for over k groups, iter_args = the accumulators    (ku groups per iteration)
      affine.for over leftover groups (ku = 1)
      affine.for over the K % group remainder (element loads, multiply-add)
      store the accumulators to C                              (C written once)

Operands are addressed through one raw pointer each (`memref.extract_aligned_pointer_as_index`),
so that a 32-bit word can be loaded from an int8 row at any byte offset: the LDR the DSP kernel
wants. Upstream's vector lowering would widen every index to i64 on this 32-bit target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


def pairs_layout(a: np.ndarray) -> np.ndarray:
    """A [M, K] int8 as int16 in SMLAD pair order: per 4 k, (a0, a2, a1, a3); the K % 4 tail as is.

    The DSP kernel splits each B word with SXTB16 into (b0, b2) and (b1, b3); A stored this way
    gives the matching pairs with plain word loads and no SXTB16.
    """
    m, k = a.shape
    out = a.astype(np.int16).copy()
    full = (k // 4) * 4
    if full:
        groups = out[:, :full].reshape(m, k // 4, 4)
        out[:, :full] = groups[:, :, [0, 2, 1, 3]].reshape(m, full)
    return out


GROUP_K = {("smlad", "i8"): 4, ("smlad", "i16"): 2, ("mla", "i8"): 1, ("mla", "i16"): 1}


@dataclass(frozen=True)
class TileParams:
    """The parts of a schedule the generator obeys (the model's Schedule carries more)."""

    mr: int
    nr: int
    ku: int
    kernel: str  # "smlad" | "mla"
    a_form: str  # "bytes" | "pairs" | "halves" | "elements"
    b_form: str  # "words" | "strided" | "elements"
    loop_order: str = "ij"


@dataclass(frozen=True)
class OperandLayout:
    """How A, B, C sit in memory once compile-time re-layout is done."""

    m: int
    n: int
    k: int
    elem: str  # "i8" | "i16": the element type of B (and of A unless A is pre-expanded)
    a_type: str  # memref type text of the A the kernel reads
    b_type: str
    c_type: str
    a_pairs: bool  # A is the pre-expanded int16 pairs buffer [M, K]
    b_k_contiguous: bool  # B is [N, K]
    a_arg_type: str = ""  # the type of the op's own A operand, when A is read from a re-laid global
    b_arg_type: str = ""
    a_global: str = ""  # symbol of the compile-time re-laid copy of A, if any
    b_global: str = ""
    offset_bytes: tuple[int, int, int] = (0, 0, 0)  # static offsets of A, B, C (e.g. row subviews)


@dataclass(frozen=True)
class Idx:
    """An index: an SSA induction variable (or None) plus a constant."""

    iv: str | None
    const: int = 0


class _Text:
    """Lines of MLIR with indentation and fresh SSA names."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 1
        self.counter = 0

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"%{stem}{self.counter}"

    def emit(self, line: str) -> None:
        self.lines.append("  " * self.depth + line)


class KernelWriter:
    """Writes one function `@kernel(%A, %B, %C)` whose body is the tiled matmul."""

    def __init__(self, layout: OperandLayout, tile: TileParams, schedule_attr: str) -> None:
        self.layout = layout
        self.tile = tile
        self.schedule_attr = schedule_attr
        self.t = _Text()
        self.group = GROUP_K[(tile.kernel, layout.elem)]
        b_bytes = 1 if layout.elem == "i8" else 2
        self.a_elem_bytes = 2 if (layout.a_pairs or layout.elem == "i16") else 1
        self.b_elem_bytes = b_bytes

    # ---- small emitters -------------------------------------------------------------------
    def const_i32(self, value: int) -> str:
        name = f"%c{value}_i32".replace("-", "m")
        self._consts[name] = value  # emitted once, at the top of the function
        return name

    def address(self, base: str, terms: list[tuple[Idx, int]], const: int) -> str:
        """Byte address base + sum(idx * scale) + const, as an !llvm.ptr."""
        dims: list[str] = []
        parts: list[str] = []
        total = const
        for idx, scale in terms:
            total += idx.const * scale
            if idx.iv is None:
                continue
            if idx.iv not in dims:
                dims.append(idx.iv)
            parts.append(f"d{dims.index(idx.iv)} * {scale}" if scale != 1 else f"d{dims.index(idx.iv)}")
        expr = " + ".join(parts + ([str(total)] if total else []))
        if not dims:
            offset_i32 = self.const_i32(total)
        else:
            dim_list = ", ".join(f"d{i}" for i in range(len(dims)))
            offset = self.t.fresh("off")
            self.t.emit(f"{offset} = affine.apply affine_map<({dim_list}) -> ({expr})>({', '.join(dims)})")
            offset_i32 = self.t.fresh("offi")
            self.t.emit(f"{offset_i32} = arith.index_cast {offset} : index to i32")
        pointer = self.t.fresh("p")
        self.t.emit(f"{pointer} = llvm.getelementptr {base}[{offset_i32}] : (!llvm.ptr, i32) -> !llvm.ptr, i8")
        return pointer

    def load(self, pointer: str, bits: int) -> str:
        """A load of `bits`, sign-extended to i32 when narrower (LDR, LDRSH, LDRSB)."""
        value = self.t.fresh("w" if bits == 32 else "e")
        self.t.emit(f"{value} = llvm.load {pointer} {{alignment = 1 : i64}} : !llvm.ptr -> i{bits}")
        if bits == 32:
            return value
        wide = self.t.fresh("x")
        self.t.emit(f"{wide} = arith.extsi {value} : i{bits} to i32")
        return wide

    def intrinsic(self, name: str, *args: str) -> str:
        result = self.t.fresh("s" if name == "sxtb16" else "m")
        types = ", ".join("i32" for _ in args)
        self.t.emit(f'{result} = llvm.call_intrinsic "llvm.arm.{name}"({", ".join(args)}) : ({types}) -> i32')
        return result

    def rotate_right_8(self, word: str) -> str:
        high = self.t.fresh("r")
        low = self.t.fresh("r")
        rotated = self.t.fresh("ror")
        self.t.emit(f"{high} = arith.shrui {word}, {self.const_i32(8)} : i32")
        self.t.emit(f"{low} = arith.shli {word}, {self.const_i32(24)} : i32")
        self.t.emit(f"{rotated} = arith.ori {high}, {low} : i32")
        return rotated

    def pack_halves(self, low: str, high: str) -> str:
        """(low & 0xffff) | (high << 16): the PKHBT instruction."""
        masked = self.t.fresh("lo")
        shifted = self.t.fresh("hi")
        packed = self.t.fresh("pk")
        self.t.emit(f"{masked} = arith.andi {low}, {self.const_i32(65535)} : i32")
        self.t.emit(f"{shifted} = arith.shli {high}, {self.const_i32(16)} : i32")
        self.t.emit(f"{packed} = arith.ori {masked}, {shifted} : i32")
        return packed

    def multiply_add(self, acc: str, a: str, b: str) -> str:
        product = self.t.fresh("mul")
        total = self.t.fresh("acc")
        self.t.emit(f"{product} = arith.muli {a}, {b} : i32")
        self.t.emit(f"{total} = arith.addi {acc}, {product} : i32")
        return total

    # ---- operand addressing ---------------------------------------------------------------
    # One pointer per operand and tile (pAt, pBt, pCt), moved along k once per loop iteration
    # (pAk, pBk); rows and columns are constant offsets from it, which LDR/STR encode as
    # immediates. This keeps the k loop at three address/loop registers, as the model counts.
    def a_address(self, r: int, kx: int) -> str:
        e = self.a_elem_bytes
        return self.offset_pointer(self.p_ak, r * self.layout.k * e + kx * e)

    def b_address(self, c: int, kx: int) -> str:
        e, lay = self.b_elem_bytes, self.layout
        if lay.b_k_contiguous:
            return self.offset_pointer(self.p_bk, c * lay.k * e + kx * e)
        return self.offset_pointer(self.p_bk, kx * lay.n * e + c * e)

    def offset_pointer(self, base: str, offset: int) -> str:
        if offset == 0:
            return base
        return self.address(base, [], offset)

    def k_strides(self) -> tuple[int, int]:
        """Bytes that pAk and pBk advance per k."""
        lay = self.layout
        b_stride = self.b_elem_bytes if lay.b_k_contiguous else lay.n * self.b_elem_bytes
        return self.a_elem_bytes, b_stride

    # ---- the k-step bodies ----------------------------------------------------------------
    def dsp_group(self, accs: list[str], rows: int, cols: int, kx: int) -> list[str]:
        """One group of k for the SMLAD kernels; returns the new accumulators."""
        lay, tile = self.layout, self.tile
        if lay.elem == "i8":
            # Keep the split values of the smaller side in registers and stream the other side
            # one half-word pair at a time (word, then low pair, then high pair): the staging
            # the model's register count assumes.
            def a_parts(row: int) -> list[Callable[[], str]]:
                if tile.a_form == "pairs":
                    return [lambda: self.load(self.a_address(row, kx), 32),
                            lambda: self.load(self.a_address(row, kx + 2), 32)]
                word = self.load(self.a_address(row, kx), 32)
                return [lambda: self.intrinsic("sxtb16", word),
                        lambda: self.intrinsic("sxtb16", self.rotate_right_8(word))]

            def b_parts(col: int) -> list[Callable[[], str]]:
                if tile.b_form == "strided":
                    b = [self.load(self.b_address(col, kx + q), 8) for q in range(4)]
                    return [lambda: self.pack_halves(b[0], b[2]),
                            lambda: self.pack_halves(b[1], b[3])]
                word = self.load(self.b_address(col, kx), 32)
                return [lambda: self.intrinsic("sxtb16", word),
                        lambda: self.intrinsic("sxtb16", self.rotate_right_8(word))]

            out = list(accs)
            stream_rows = cols <= rows
            kept = [[make() for make in (b_parts(c) if stream_rows else a_parts(c))]
                    for c in range(cols if stream_rows else rows)]
            for s_index in range(rows if stream_rows else cols):
                makers = a_parts(s_index) if stream_rows else b_parts(s_index)
                for half, make in enumerate(makers):
                    streamed = make()
                    for k_index, kept_pair in enumerate(kept):
                        r, c = (s_index, k_index) if stream_rows else (k_index, s_index)
                        a, b = (streamed, kept_pair[half]) if stream_rows else (kept_pair[half], streamed)
                        i = r * cols + c
                        out[i] = self.intrinsic("smlad", a, b, out[i])
            return out
        a_words = [self.load(self.a_address(row, kx), 32) for row in range(rows)]
        b_words: list[str] = []
        for col in range(cols):
            if tile.b_form == "strided":
                b_words.append(self.pack_halves(self.load(self.b_address(col, kx), 16),
                                                self.load(self.b_address(col, kx + 1), 16)))
            else:
                b_words.append(self.load(self.b_address(col, kx), 32))
        out = list(accs)
        for r, a in enumerate(a_words):
            for c, b in enumerate(b_words):
                i = r * cols + c
                out[i] = self.intrinsic("smlad", a, b, out[i])
        return out

    def element_step(self, accs: list[str], rows: int, cols: int, kx: int) -> list[str]:
        """One k of multiply-add with element loads (the MLA kernel and every remainder)."""
        a_bits = 8 * self.a_elem_bytes
        b_bits = 8 * self.b_elem_bytes
        a_vals = [self.load(self.a_address(row, kx), a_bits) for row in range(rows)]
        b_vals = [self.load(self.b_address(col, kx), b_bits) for col in range(cols)]
        out = list(accs)
        for r, a in enumerate(a_vals):
            for c, b in enumerate(b_vals):
                i = r * cols + c
                out[i] = self.multiply_add(out[i], a, b)
        return out

    # ---- loops ----------------------------------------------------------------------------
    def k_loop(self, accs: list[str], rows: int, cols: int, lo: int, hi: int,
               step: int, body: str, unroll: int) -> list[str]:
        """affine.for over k in [lo, hi): the accumulators and the two moving operand pointers
        are iter_args (pointers advance by a constant, so rows and columns stay immediates)."""
        if hi <= lo:
            return accs
        t = self.t
        a_stride, b_stride = self.k_strides()
        entry_a = self.offset_pointer(self.p_at, lo * a_stride)
        entry_b = self.offset_pointer(self.p_bt, lo * b_stride)
        k = t.fresh("k")
        iters = [t.fresh("acc") for _ in accs]
        iter_a, iter_b = t.fresh("pa"), t.fresh("pb")
        results = t.fresh("res")
        count = len(accs)
        bind = ", ".join(f"{i} = {a}" for i, a in zip(iters, accs, strict=True))
        types = ", ".join(["i32"] * count + ["!llvm.ptr", "!llvm.ptr"])
        t.emit(f"{results}:{count + 2} = affine.for {k} = {lo} to {hi} step {step} "
               f"iter_args({bind}, {iter_a} = {entry_a}, {iter_b} = {entry_b}) -> ({types}) {{")
        t.depth += 1
        current = iters
        self.p_ak, self.p_bk = iter_a, iter_b
        for u in range(unroll):
            if body == "group":
                current = self.dsp_group(current, rows, cols, u * self.group)
            else:
                current = self.element_step(current, rows, cols, u)
        next_a = self.offset_pointer(iter_a, step * a_stride)
        next_b = self.offset_pointer(iter_b, step * b_stride)
        t.emit(f"affine.yield {', '.join(current)}, {next_a}, {next_b} : {types}")
        t.depth -= 1
        t.emit("}")
        return [f"{results}#{i}" for i in range(count)]

    def tile_body(self, row0: Idx, col0: Idx, mr: int, nr: int) -> None:
        """Load accumulators, run the k loops, store: one register tile of mr x nr."""
        t, lay = self.t, self.layout
        self.p_at = self.address("%ptrA", [(row0, lay.k * self.a_elem_bytes)], 0)
        b_scale = lay.k * self.b_elem_bytes if lay.b_k_contiguous else self.b_elem_bytes
        self.p_bt = self.address("%ptrB", [(col0, b_scale)], 0)
        p_ct = self.address("%ptrC", [(row0, lay.n * 4), (col0, 4)], 0)
        accs: list[str] = []
        for r in range(mr):
            for c in range(nr):
                accs.append(self.load(self.offset_pointer(p_ct, (r * lay.n + c) * 4), 32))
        group, ku, k_total = self.group, self.tile.ku, lay.k
        groups = k_total // group
        main_end = (groups // ku) * ku * group
        if self.tile.kernel == "smlad":
            accs = self.k_loop(accs, mr, nr, 0, main_end, ku * group, "group", ku)
            accs = self.k_loop(accs, mr, nr, main_end, groups * group, group, "group", 1)
            accs = self.k_loop(accs, mr, nr, groups * group, k_total, 1, "element", 1)
        else:
            accs = self.k_loop(accs, mr, nr, 0, main_end, ku, "element", ku)
            accs = self.k_loop(accs, mr, nr, main_end, k_total, 1, "element", 1)
        index = 0
        for r in range(mr):
            for c in range(nr):
                pointer = self.offset_pointer(p_ct, (r * lay.n + c) * 4)
                t.emit(f"llvm.store {accs[index]}, {pointer} {{alignment = 4 : i64}} : i32, !llvm.ptr")
                index += 1

    def blocks(self, extent: int, size: int) -> list[tuple[int, int, int]]:
        """(start, end, tile) of the full-tile range and the edge tile along one dimension."""
        full_end = (extent // size) * size
        parts = []
        if full_end > 0:
            parts.append((0, full_end, size))
        if extent > full_end:
            parts.append((full_end, extent, extent - full_end))
        return parts

    def nest(self) -> None:
        """All tiles: the full-tile loops first, then the edge rows/columns."""
        t, lay, tile = self.t, self.layout, self.tile
        row_blocks = self.blocks(lay.m, tile.mr)
        col_blocks = self.blocks(lay.n, tile.nr)
        outer_is_rows = tile.loop_order == "ij"
        outer_blocks, inner_blocks = (row_blocks, col_blocks) if outer_is_rows else (col_blocks, row_blocks)
        first = True
        for o_start, o_end, o_size in outer_blocks:
            o_iv = None
            # The first outer block is always a loop (even of one trip) to carry mema.schedule.
            if o_end - o_start > o_size or first:
                o_iv = t.fresh("i" if outer_is_rows else "j")
                attr = f" {{mema.schedule = {self.schedule_attr}}}" if first else ""
                t.emit(f"affine.for {o_iv} = {o_start} to {o_end} step {o_size} {{")
                t.depth += 1
                self._pending_attr = attr
            outer = Idx(o_iv, 0 if o_iv else o_start)
            for i_start, i_end, i_size in inner_blocks:
                i_iv = None
                if i_end - i_start > i_size:
                    i_iv = t.fresh("j" if outer_is_rows else "i")
                    t.emit(f"affine.for {i_iv} = {i_start} to {i_end} step {i_size} {{")
                    t.depth += 1
                inner = Idx(i_iv, 0 if i_iv else i_start)
                row0, col0 = (outer, inner) if outer_is_rows else (inner, outer)
                mr, nr = (o_size, i_size) if outer_is_rows else (i_size, o_size)
                self.tile_body(row0, col0, mr, nr)
                if i_iv:
                    t.depth -= 1
                    t.emit("}")
            if o_iv:
                t.depth -= 1
                t.emit("}" + self._pending_attr)
            first = False

    def write(self) -> str:
        """The whole kernel function as MLIR text."""
        self._consts: dict[str, int] = {}
        self._pending_attr = ""
        t, lay = self.t, self.layout
        for (name, type_text, symbol), offset in zip(
                (("A", lay.a_type, lay.a_global), ("B", lay.b_type, lay.b_global), ("C", lay.c_type, "")),
                lay.offset_bytes, strict=True):
            source = f"%{name}"
            if symbol:
                source = f"%relaid{name}"
                t.emit(f"{source} = memref.get_global @{symbol} : {type_text}")
            t.emit(f"%addr{name} = memref.extract_aligned_pointer_as_index {source} : {type_text} -> index")
            t.emit(f"%addr{name}_i32 = arith.index_cast %addr{name} : index to i32")
            if offset:  # the aligned pointer is the buffer's base; a subview starts further on
                t.emit(f"%raw{name} = llvm.inttoptr %addr{name}_i32 : i32 to !llvm.ptr")
                t.emit(f"%ptr{name} = llvm.getelementptr %raw{name}[{self.const_i32(offset)}] "
                       ": (!llvm.ptr, i32) -> !llvm.ptr, i8")
            else:
                t.emit(f"%ptr{name} = llvm.inttoptr %addr{name}_i32 : i32 to !llvm.ptr")
        self.nest()
        t.emit("return")
        t.lines[0:0] = [f"  {name} = arith.constant {value} : i32" for name, value in self._consts.items()]
        a_arg = lay.a_arg_type or lay.a_type
        b_arg = lay.b_arg_type or lay.b_type
        header = f"func.func @kernel(%A: {a_arg}, %B: {b_arg}, %C: {lay.c_type}) {{"
        return "\n".join([header, *t.lines, "}"])
