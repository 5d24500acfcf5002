"""Write a depthwise convolution's tiled nest as MLIR text: one micro-kernel statement per tile
of P output pixels, running every block of 4 channels (microkernel.depthwise_strip_program; a
single block is microkernel.depthwise_program alone).

    for each output row oh:
      for each tile of P pixels along the row (then the edge tile of the rest):
        the statement: for each block of 4 channels, C's 4*P outputs loaded and stored inside
"""

from __future__ import annotations

from mema_mlir.codegen import Emitter, Idx
from mema_mlir.inline_asm import Operand, inline_asm
from mema_mlir.model.depthwise import DepthwiseProblem


class DepthwiseWriter(Emitter):
    """Writes `@kernel(%X, %W, %Y)`: input, filter (its compile-time layout, a global), output."""

    def __init__(self, problem: DepthwiseProblem, pixels: int, types: tuple[str, str, str],
                 weights_global: str, weights_type: str, schedule_attr: str,
                 requant_global: str = "", requant_type: str = "") -> None:
        super().__init__()
        self.problem = problem
        self.pixels = pixels
        self.types = types
        self.weights_global = weights_global
        self.weights_type = weights_type
        self.schedule_attr = schedule_attr
        # A fused requantization (problem.requant): the parameter table's global.
        self.requant_global = requant_global
        self.requant_type = requant_type

    def tile(self, oh: Idx, ow: Idx, pixels: int) -> None:
        """The statement of one tile of pixels, its first channel block's pointers entering."""
        problem = self.problem
        c = problem.channels
        px = self.address("%ptrX", [(oh, problem.stride_h * problem.width * c), (ow, problem.stride_w * c)], 0)
        pw = self.address("%ptrW", [], 0)
        pixel_bytes = problem.output_pixel_bytes
        pc = self.address("%ptrY", [(oh, problem.out_width * pixel_bytes), (ow, pixel_bytes)], 0)
        program = problem.statement(pixels)
        registers = [Operand(f"c{p}_{q}", "", "i32") for p in range(pixels) for q in range(4)]
        registers += [Operand("px", px, "!llvm.ptr"), Operand("pw", pw, "!llvm.ptr"), Operand("t0", pc, "!llvm.ptr")]
        if problem.requant:  # the first block's 4 rows of the parameter table
            registers.append(Operand("t1", self.address("%ptrQ", [], 0), "!llvm.ptr"))
        inputs = []
        if "zp2" in program.inputs:
            zp = problem.zero_point
            pair = ((zp & 0xFFFF) | (zp << 16)) & 0xFFFFFFFF
            inputs = [Operand("zp2", self.const_i32(pair - (1 << 32) if pair >= 1 << 31 else pair), "i32")]
        inline_asm(program, registers, inputs, self.t.fresh, self.t.emit)

    def loop(self, name: str, lower: int, upper: int, step: int) -> Idx:
        iv = self.t.fresh(name)
        self.t.emit(f"affine.for {iv} = {lower} to {upper} step {step} {{")
        self.t.depth += 1
        return Idx(iv, 0)

    def close(self, attribute: str = "") -> None:
        self.t.depth -= 1
        self.t.emit("}" + attribute)

    def write(self) -> str:
        problem = self.problem
        x_type, w_arg_type, y_type = self.types
        pointers = [("X", x_type, "", 0), ("W", self.weights_type, self.weights_global, 0), ("Y", y_type, "", 0)]
        if self.requant_global:
            pointers.append(("Q", self.requant_type, self.requant_global, 0))
        self.raw_pointers(pointers)
        full = (problem.out_width // self.pixels) * self.pixels
        oh = self.loop("oh", 0, problem.out_height, 1)
        for start, end, width in ((0, full, self.pixels), (full, problem.out_width, problem.out_width - full)):
            if end <= start:
                continue
            ow = Idx(None, start)
            if end - start > width:
                ow = self.loop("ow", start, end, width)
            self.tile(oh, ow, width)
            if ow.iv:
                self.close()
        self.close(f" {{mema.schedule = {self.schedule_attr}}}")
        return self.function(f"func.func @kernel(%X: {x_type}, %W: {w_arg_type}, %Y: {y_type}) {{")
