"""Write the register-tiled loop nest of one matmul as MLIR text (affine + llvm dialect).

The text is parsed in the op's context and spliced in place of the `linalg.matmul` by mema-tile.
Shape of the code, which the analytical model counts instruction by instruction:

    for each column block (loop order "ji" with a packed B: pack the block's columns first)
      for each register tile (full tiles in affine loops, edge tiles as their own nests):
        one inline-asm micro-kernel statement (SMLAD kernels: microkernel.py; MLA, for
        cores without DSP: mla_kernel.py; the full tiles of a block row or column of SMLAD
        tiles in one strip statement): C's mr' x nr' accumulators loaded (C read once), the
        k loop, the accumulators stored (C written once)

Operands are addressed through one raw pointer each (`memref.extract_aligned_pointer_as_index`),
so that a 32-bit word can be loaded from an int8 row at any byte offset: the LDR the DSP kernel
wants. Upstream's vector lowering would widen every index to i64 on this 32-bit target.
"""

from __future__ import annotations

from dataclasses import dataclass

from mema_mlir.inline_asm import Operand, inline_asm
from mema_mlir.matmul import ConvGeometry
from mema_mlir.model.im2col import Im2colSpec, im2col_program, uses_counter
from mema_mlir.model.microkernel import (
    REQUANT_ROW_BYTES,
    STRIP_INNER,
    PackSpec,
    StripSpec,
    TileSpec,
    group_k,
    pack_program,
    panel_row_bytes,
    strip_deltas,
    strip_entry_form,
    strip_forms,
    strip_program,
    tile_program,
    tile_sides,
)
from mema_mlir.model.mla_kernel import MlaSpec, mla_program, mla_strip_program
from mema_mlir.model.stationary import (
    KERNEL_STATIONARITY,
    StreamSpec,
    group_values,
    last_group_offsets,
    pair_words,
    stream_program,
)


@dataclass(frozen=True)
class TileParams:
    """The parts of a schedule the generator obeys (the model's Schedule carries more)."""

    mr: int
    nr: int
    ku: int
    kernel: str  # "smlad" | "mla"
    a_form: str  # "bytes" | "pairs" | "halves" | "elements"
    b_form: str  # "words" | "strided" | "packed" | "elements"
    kept: str = "b"  # "a" | "b" | "ab"
    loop_order: str = "ij"
    kr: int = 0  # weight- and input-stationary kernels: k-values of the kept block (0: K)


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
    a_panel: bool  # A is the compile-time panel buffer (relayout.panel_layout) of a constant
    b_k_contiguous: bool  # B is [N, K]
    a_arg_type: str = ""  # the type of the op's own A operand, when A is read from a re-laid global
    b_arg_type: str = ""
    a_global: str = ""  # symbol of the compile-time re-laid copy of A, if any
    b_global: str = ""
    offset_bytes: tuple[int, int, int] = (0, 0, 0)  # static offsets of A, B, C (e.g. row subviews)
    pack_global: str = ""  # symbol of the run-time packing buffer of B, if any
    pack_type: str = ""
    conv: ConvGeometry | None = None  # B is this convolution's input, im2col'ed while packing
    pixel_global: str = ""  # a convolution's table of pixel offsets (ConvGeometry.pixel_offsets)
    pixel_type: str = ""
    c_strides: tuple[int, int] = (0, 4)  # bytes between C's rows (0: 4 * N) and columns
    # A fused requantization: C is the int8 output, each row's parameters in this global
    # (model.requant.parameter_table, REQUANT_ROW_BYTES per row).
    requant_global: str = ""
    requant_type: str = ""


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


class Emitter:
    """What every kernel writer shares: MLIR text, i32 constants hoisted to the function's top,
    and byte addresses off raw pointers."""

    def __init__(self) -> None:
        self.t = _Text()
        self._consts: dict[str, int] = {}

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
        if not dims:
            return self.offset_pointer(base, total)
        expr = " + ".join(parts + ([str(total)] if total else []))
        dim_list = ", ".join(f"d{i}" for i in range(len(dims)))
        offset = self.t.fresh("off")
        self.t.emit(f"{offset} = affine.apply affine_map<({dim_list}) -> ({expr})>({', '.join(dims)})")
        offset_i32 = self.t.fresh("offi")
        self.t.emit(f"{offset_i32} = arith.index_cast {offset} : index to i32")
        return self.gep(base, offset_i32)

    def gep(self, base: str, offset_i32: str) -> str:
        pointer = self.t.fresh("p")
        self.t.emit(f"{pointer} = llvm.getelementptr {base}[{offset_i32}] : (!llvm.ptr, i32) -> !llvm.ptr, i8")
        return pointer

    def offset_pointer(self, base: str, offset: int) -> str:
        if offset == 0:
            return base
        return self.gep(base, self.const_i32(offset))

    def raw_pointers(self, operands: list[tuple[str, str, str, int]]) -> None:
        """%ptr<name> for each (name, memref type, global symbol or "", static byte offset):
        the argument %<name>, or the global when one is named."""
        t = self.t
        for name, type_text, symbol, offset in operands:
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

    def function(self, signature: str) -> str:
        """The function text: signature, hoisted constants, body lines."""
        self.t.emit("return")
        constants = [f"  {name} = arith.constant {value} : i32" for name, value in self._consts.items()]
        return "\n".join([signature, *constants, *self.t.lines, "}"])


class KernelWriter(Emitter):
    """Writes one function `@kernel(%A, %B, %C)` whose body is the tiled matmul."""

    def __init__(self, layout: OperandLayout, tile: TileParams, schedule_attr: str) -> None:
        super().__init__()
        self.layout = layout
        self.tile = tile
        self.schedule_attr = schedule_attr
        self.elem_bytes = 1 if layout.elem == "i8" else 2
        # Bytes from one row of A (as the kernel reads it) to the next: a panel's rows share it.
        self.a_row_bytes = (panel_row_bytes(layout.elem, layout.k, tile.a_form) if layout.a_panel
                            else layout.k * self.elem_bytes)
        self.c_row_bytes = layout.c_strides[0] or 4 * layout.n
        self.c_col_bytes = layout.c_strides[1]

    # ---- tile pointers --------------------------------------------------------------------
    def tile_pointers(self, row0: Idx, col0: Idx) -> tuple[str, str, str]:
        """A at the tile's first row (its panel, for a re-laid constant), B at its first column
        (the packing buffer for a packed B), C at the tile's corner."""
        lay = self.layout
        p_a = self.address("%ptrA", [(row0, self.a_row_bytes)], 0)
        if self.tile.b_form == "packed":
            p_b = "%ptrP"
        else:
            b_scale = lay.k * self.elem_bytes if lay.b_k_contiguous else self.elem_bytes
            p_b = self.address("%ptrB", [(col0, b_scale)], 0)
        p_c = self.address("%ptrC", [(row0, self.c_row_bytes), (col0, self.c_col_bytes)], 0)
        return p_a, p_b, p_c

    # ---- the DSP micro-kernel (inline assembly) ---------------------------------------------
    def dsp_tile(self, row0: Idx, col0: Idx, mr: int, nr: int) -> None:
        """C's tile is loaded and stored by the micro-kernel itself (its address enters in a
        scratch register), so that no accumulator is live into or out of the statement."""
        lay, tile = self.layout, self.tile
        p_a, p_b, p_c = self.tile_pointers(row0, col0)
        a_side, b_side = tile_sides(lay.elem, lay.k, lay.n, tile.a_form, tile.b_form, lay.a_panel, mr, nr)
        requant = bool(lay.requant_global)
        program = tile_program(TileSpec(lay.elem, a_side, b_side, tile.kept, tile.ku, lay.k,
                                        self.c_row_bytes, self.c_col_bytes, requant=requant))
        accumulators = [f"c{r}_{c}" for r in range(mr) for c in range(nr)]
        registers = [Operand(name, "", "i32") for name in accumulators]
        registers += [Operand("pa", p_a, "!llvm.ptr"), Operand("pb", p_b, "!llvm.ptr")]
        if program.uses_counter:
            registers.append(Operand("n", self.const_i32(program.trips), "i32"))
        preloaded = {"c": p_c}
        if requant:
            preloaded["q"] = self.address("%ptrQ", [(row0, REQUANT_ROW_BYTES)], 0)
        registers += [Operand(scratch, preloaded[name], "!llvm.ptr") for name, scratch in program.preloaded]
        inline_asm(program, registers, [], self.t.fresh, self.t.emit)

    def uses_strips(self) -> bool:
        """Full tiles run as strips (one statement per block row or column): every SMLAD or MLA
        tile."""
        return self.tile.kernel in ("smlad", "mla")

    def strip_statement(self, outer: Idx, outer_is_rows: bool, tiles: int, outer_size: int, inner_size: int) -> None:
        """The `tiles` full tiles of one block row ("ij": along the columns) or block column
        ("ji": down the rows) in one statement (microkernel.strip_program): the first tile's
        pointers enter; each tile's step moves them on."""
        lay, tile = self.layout, self.tile
        requant = bool(lay.requant_global)
        first = Idx(None, 0)
        row0, col0 = (outer, first) if outer_is_rows else (first, outer)
        mr, nr = (outer_size, inner_size) if outer_is_rows else (inner_size, outer_size)
        p_a, p_b, p_c = self.tile_pointers(row0, col0)
        entry_form = strip_entry_form(lay.m * self.c_row_bytes + lay.n * self.c_col_bytes)
        if tile.kernel == "mla":
            program = mla_strip_program(self.mla_spec(mr, nr), tiles, STRIP_INNER[tile.loop_order], entry_form)
        else:
            a_side, b_side = tile_sides(lay.elem, lay.k, lay.n, tile.a_form, tile.b_form, lay.a_panel, mr, nr)
            spec = TileSpec(lay.elem, a_side, b_side, tile.kept, tile.ku, lay.k, self.c_row_bytes,
                            self.c_col_bytes, requant=requant)
            facts = (lay.elem, lay.k, lay.n, tile.a_form, tile.b_form, lay.a_panel, self.c_row_bytes,
                     self.c_col_bytes, requant, STRIP_INNER[tile.loop_order])
            program = strip_program(StripSpec(spec, tiles, strip_deltas(*facts, mr, nr), strip_forms(*facts),
                                              entry_form))
        accumulators = [f"c{r}_{c}" for r in range(mr) for c in range(nr)]
        registers = [Operand(name, "", "i32") for name in accumulators]
        registers += [Operand("pa", p_a, "!llvm.ptr"), Operand("pb", p_b, "!llvm.ptr")]
        if program.tile.uses_counter:
            registers.append(Operand("n", self.const_i32(program.tile.trips), "i32"))
        preloaded = {"c": p_c}
        if requant:
            preloaded["q"] = self.address("%ptrQ", [(row0, REQUANT_ROW_BYTES)], 0)
        registers += [Operand(scratch, preloaded[name], "!llvm.ptr") for name, scratch in program.preloaded]
        inline_asm(program, registers, [], self.t.fresh, self.t.emit)

    def pack_block(self, col0: Idx, columns: int) -> None:
        """Pack the block's B columns into the buffer (microkernel.pack_program), one
        statement per column: int16 pairs for int8, a K-contiguous copy for int16."""
        lay = self.layout
        if lay.conv is not None:
            self.pack_im2col(col0, columns, lay.conv)
            return
        strided = not lay.b_k_contiguous
        e = self.elem_bytes
        spec = PackSpec(lay.elem, "strided" if strided else "rows", columns, lay.k, lay.n * e)
        program = pack_program(spec)
        group_bytes = 4 * spec.word_pairs
        strides = [Operand(f"kstride{q}", self.const_i32(q * lay.n * e), "i32")
                   for q in range(1, group_k(lay.elem) + 1)] if strided else []
        for c in range(columns):
            source_scale = e if strided else lay.k * e
            source = self.address("%ptrB", [(col0, source_scale)], c * source_scale)
            registers = [Operand("src", source, "!llvm.ptr"),
                         Operand("dst", self.offset_pointer("%ptrP", c * group_bytes), "!llvm.ptr")]
            if program.uses_counter:
                registers.append(Operand("n", self.const_i32(program.trips), "i32"))
            inline_asm(program, registers, strides, self.t.fresh, self.t.emit)

    def pack_im2col(self, col0: Idx, columns: int, conv: ConvGeometry) -> None:
        """A convolution's columns, one statement per output pixel (model.im2col): it reads the
        pixel's input offset from the table and packs its KH filter rows (KW * C values each,
        contiguous in NHWC; zero point subtracted, zero-padded to whole groups) into the panel."""
        inputs = [Operand("base", "%ptrB", "!llvm.ptr")]
        if conv.input_zero_point:
            zp = conv.input_zero_point
            pair = ((zp & 0xFFFF) | (zp << 16)) & 0xFFFFFFFF
            inputs.append(Operand("zp2", self.const_i32(pair - (1 << 32) if pair >= 1 << 31 else pair), "i32"))
        table = self.address("%ptrT", [(col0, conv.table_bytes)], 0)
        for c in range(columns):
            program = im2col_program(Im2colSpec(columns, c, conv.row_values, conv.filter_height, conv.row_bytes,
                                                conv.table_bytes, conv.input_zero_point))
            registers = [Operand("src", "", "!llvm.ptr"), Operand("dst", self.offset_pointer("%ptrP", c * 8), "!llvm.ptr")]
            if uses_counter(program):
                registers.append(Operand("n", "", "i32"))
            inline_asm(program, registers, [Operand("tab", table, "!llvm.ptr"), *inputs], self.t.fresh, self.t.emit)

    # ---- the MLA micro-kernel (cores without the DSP extension) -----------------------------
    def mla_spec(self, mr: int, nr: int) -> MlaSpec:
        lay, e = self.layout, self.elem_bytes
        b_line, b_k = (lay.k * e, e) if lay.b_k_contiguous else (e, lay.n * e)
        return MlaSpec(lay.elem, self.tile.kept, mr, nr, lay.k, self.tile.ku, lay.k * e, b_line, b_k,
                       self.c_row_bytes, self.c_col_bytes)

    def mla_tile(self, row0: Idx, col0: Idx, mr: int, nr: int) -> None:
        """One register tile as the MLA micro-kernel's statement (mla_kernel.mla_program): C's
        tile loaded and stored inside it, its address entering in a scratch register."""
        p_a, p_b, p_c = self.tile_pointers(row0, col0)
        program = mla_program(self.mla_spec(mr, nr))
        registers = [Operand(f"c{r}_{c}", "", "i32") for r in range(mr) for c in range(nr)]
        registers += [Operand("pa", p_a, "!llvm.ptr"), Operand("pb", p_b, "!llvm.ptr")]
        if program.uses_counter:
            registers.append(Operand("n", self.const_i32(program.trips), "i32"))
        registers += [Operand(scratch, p_c, "!llvm.ptr") for _, scratch in program.preloaded]
        inline_asm(program, registers, [], self.t.fresh, self.t.emit)

    # ---- weight- and input-stationary statements (model/stationary.py) ----------------------
    def stream_nest(self) -> None:
        """Blocks of kept lines (rows of A for weight-stationary, columns of B for input-
        stationary) outside, k-slices of the block inside, one statement each; the statement
        loops over every streamed line itself. The slice holding K's last group is its own
        statement (that group's word is read where it ends)."""
        t, lay, tile = self.t, self.layout, self.tile
        weight = KERNEL_STATIONARITY[tile.kernel] == "weight"
        group = group_values(lay.elem)
        total_groups = -(-lay.k // group)
        lines = tile.mr if weight else tile.nr
        width = -(-(tile.kr or lay.k) // group)
        slices = -(-total_groups // width)
        first = True
        for start, end, size in self.blocks(lay.m if weight else lay.n, lines):
            iv, attr = self.open_outer(start, end, size, "i" if weight else "j", first)
            block = Idx(iv, 0 if iv else start)
            if slices > 1:  # the slices before the last, in a loop of group indices
                g_iv = t.fresh("g")
                t.emit(f"affine.for {g_iv} = 0 to {(slices - 1) * width} step {width} {{")
                t.depth += 1
                self.stream_statement(weight, block, size, Idx(g_iv, 0), width, ())
                t.depth -= 1
                t.emit("}")
            last_start = (slices - 1) * width
            last_width = total_groups - last_start
            offsets = last_group_offsets(lay.elem, lay.k, last_start, last_width)
            self.stream_statement(weight, block, size, Idx(None, last_start), last_width, offsets)
            if iv:
                t.depth -= 1
                t.emit("}" + attr)
            first = False

    def stream_statement(self, weight: bool, block: Idx, lines: int, first_group: Idx, groups: int,
                         offsets: tuple[int, ...]) -> None:
        lay = self.layout
        e = self.elem_bytes
        words = pair_words(lay.elem)
        line_group_bytes = 4 * words  # one line's group in A's panel
        total_groups = -(-lay.k // group_values(lay.elem))
        c_row = self.c_row_bytes
        spec = StreamSpec(lay.elem, "weight" if weight else "input", lines, groups,
                          lay.n if weight else lay.m, lay.k, c_row, offsets,
                          a_row_bytes=total_groups * line_group_bytes)
        program = stream_program(spec)
        if weight:
            kept_address = self.address("%ptrA", [(block, total_groups * line_group_bytes),
                                                  (first_group, lines * line_group_bytes)], 0)
            streamed = ("pb", self.address("%ptrB", [(first_group, 4)], 0))
            c_address = self.address("%ptrC", [(block, c_row)], 0)
            accumulators = [f"c{line}_0" for line in range(lines)]
        else:
            kept_address = self.address("%ptrB", [(block, lay.k * e), (first_group, 4)], 0)
            streamed = ("pa", self.address("%ptrA", [(first_group, line_group_bytes)], 0))
            c_address = self.address("%ptrC", [(block, 4)], 0)
            accumulators = [f"c0_{line}" for line in range(lines)]
        registers = [Operand(name, "", "i32") for name in accumulators]
        registers += [Operand(streamed[0], streamed[1], "!llvm.ptr"), Operand("pc", c_address, "!llvm.ptr")]
        if program.uses_counter:
            registers.append(Operand("n", self.const_i32(program.trips), "i32"))
        registers += [Operand(scratch, kept_address, "!llvm.ptr") for _, scratch in program.preloaded]
        inline_asm(program, registers, [], self.t.fresh, self.t.emit)

    # ---- loops ----------------------------------------------------------------------------
    def tile_body(self, row0: Idx, col0: Idx, mr: int, nr: int) -> None:
        if self.tile.kernel == "smlad":
            self.dsp_tile(row0, col0, mr, nr)
        else:
            self.mla_tile(row0, col0, mr, nr)

    def open_outer(self, start: int, end: int, size: int, stem: str, first: bool) -> tuple[str | None, str]:
        """Open the loop over one range of outer blocks when it has more than one block, and
        always for the first range (even of one trip): it carries mema.schedule. Returns its
        induction variable (None: no loop) and the attribute text its closing brace takes."""
        if end - start <= size and not first:
            return None, ""
        iv = self.t.fresh(stem)
        self.t.emit(f"affine.for {iv} = {start} to {end} step {size} {{")
        self.t.depth += 1
        return iv, f" {{mema.schedule = {self.schedule_attr}}}" if first else ""

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
            o_iv, attr = self.open_outer(o_start, o_end, o_size, "i" if outer_is_rows else "j", first)
            outer = Idx(o_iv, 0 if o_iv else o_start)
            if tile.b_form == "packed":
                self.pack_block(outer, o_size)
            for i_start, i_end, i_size in inner_blocks:
                if i_start == 0 and self.uses_strips():  # the full tiles (blocks(): first): one strip
                    self.strip_statement(outer, outer_is_rows, i_end // i_size, o_size, i_size)
                    continue
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
                t.emit("}" + attr)
            first = False

    def write(self) -> str:
        """The whole kernel function as MLIR text."""
        lay = self.layout
        operands = [("A", lay.a_type, lay.a_global, lay.offset_bytes[0]),
                    ("B", lay.b_type, lay.b_global, lay.offset_bytes[1]),
                    ("C", lay.c_type, "", lay.offset_bytes[2])]
        if lay.pack_global:
            operands.append(("P", lay.pack_type, lay.pack_global, 0))
        if lay.requant_global:
            operands.append(("Q", lay.requant_type, lay.requant_global, 0))
        if lay.pixel_global:
            operands.append(("T", lay.pixel_type, lay.pixel_global, 0))
        self.raw_pointers(operands)
        if self.tile.kernel in KERNEL_STATIONARITY:
            self.stream_nest()
        else:
            self.nest()
        a_arg = lay.a_arg_type or lay.a_type
        b_arg = lay.b_arg_type or lay.b_type
        return self.function(f"func.func @kernel(%A: {a_arg}, %B: {b_arg}, %C: {lay.c_type}) {{")


def standalone_module(m: int, n: int, k: int, elem: str, tile: TileParams, *, a_constant: bool,
                      b_k_contiguous: bool) -> str:
    """A module holding `@kernel(%A, %B, %C)`: C += A.B with this tile, operands as arguments
    (for tests and calibration, without going through mema-tile). A is passed as the kernel
    reads it: relayout.panel_layout(a, mr, a_form) flat when `a_constant` (and the kernel is a
    DSP one; relayout.stationary_panel for the weight- and input-stationary ones), else [M, K]; B as [N, K] or [K, N]; a packed B gets its buffer as a global."""
    a_panel = a_constant and tile.kernel != "mla"
    if a_panel and tile.kernel in KERNEL_STATIONARITY:  # relayout.stationary_panel: int16 groups
        a_type = f"memref<{m * -(-k // group_values(elem)) * group_values(elem)}xi16>"
    elif a_panel:
        elements = panel_row_bytes(elem, k, tile.a_form) * m // (1 if tile.a_form == "bytes" else 2)
        a_type = f"memref<{elements}x{'i8' if tile.a_form == 'bytes' else 'i16'}>"
    else:
        a_type = f"memref<{m}x{k}x{elem}>"
    b_type = f"memref<{n}x{k}x{elem}>" if b_k_contiguous else f"memref<{k}x{n}x{elem}>"
    globals_text: list[str] = []
    pack_global = pack_type = ""
    if tile.b_form == "packed":
        halfwords = tile.nr * panel_row_bytes(elem, k, "packed") // 2
        pack_global, pack_type = "__mema_pack0", f"memref<{halfwords}xi16>"
        globals_text.append(f'memref.global "private" @{pack_global} : {pack_type} = dense<0> '
                            "{alignment = 4 : i64}")
    layout = OperandLayout(m, n, k, elem, a_type, b_type, f"memref<{m}x{n}xi32>", a_panel,
                           b_k_contiguous, pack_global=pack_global, pack_type=pack_type)
    body = "\n".join([*globals_text, KernelWriter(layout, tile, "{}").write()])
    return body
