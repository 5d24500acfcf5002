"""The lowering from tiled affine IR to the LLVM dialect, as named pipeline stages.

Each stage is upstream passes only, so it prints as a `--pass-pipeline` string that plain
mlir-opt accepts too. Index arithmetic is 32-bit and memrefs cross function boundaries as bare
pointers: on Armv7E-M anything else costs i64 arithmetic and descriptor structs in registers.
"""

from __future__ import annotations

from dataclasses import dataclass

INDEX_BITWIDTH = 32


@dataclass(frozen=True)
class Stage:
    """A named group of upstream passes."""

    name: str
    passes: tuple[str, ...]
    why: str

    def pipeline(self) -> str:
        """The stage alone, as text for --pass-pipeline."""
        return "builtin.module(" + ",".join(self.passes) + ")"


STAGES: tuple[Stage, ...] = (
    Stage(
        "mema-linalg-to-loops",
        ("func.func(convert-linalg-to-loops)", "canonicalize"),
        "linalg ops mema-tile left (fills, unsupported matmuls) to plain loops: correct, not tiled; "
        "canonicalize drops their single-trip loops (unit dimensions: batch 1, a depthwise channel multiplier)",
    ),
    Stage("mema-lower-affine", ("lower-affine", "canonicalize"),
          "affine.for/apply/load/store to scf, arith, memref; canonicalize folds one-trip loops (a matmul of one "
          "block of rows or columns becomes straight-line code: no loop control, fewer registers to save)"),
    Stage("mema-scf-to-cf", ("convert-scf-to-cf",), "structured loops to blocks and branches"),
    Stage(
        "mema-to-llvm",
        (
            "expand-strided-metadata",
            f"finalize-memref-to-llvm{{index-bitwidth={INDEX_BITWIDTH}}}",
            "convert-math-to-llvm",
            f"convert-arith-to-llvm{{index-bitwidth={INDEX_BITWIDTH}}}",
            f"convert-cf-to-llvm{{index-bitwidth={INDEX_BITWIDTH}}}",
            f"convert-func-to-llvm{{index-bitwidth={INDEX_BITWIDTH} use-bare-ptr-memref-call-conv=1}}",
        ),
        "memref/math/arith/cf/func to the LLVM dialect: 32-bit index, bare-pointer calling convention",
    ),
    Stage("mema-reconcile-casts", ("reconcile-unrealized-casts",), "drop the casts the conversions left"),
)


def lowering_passes() -> tuple[str, ...]:
    """Every upstream pass of the lowering, in order."""
    return tuple(p for stage in STAGES for p in stage.passes)


# Tensors (what a converted TFLite model is) to buffers: function arguments and results become
# identity-layout memrefs, and results are returned through out-parameters (static result
# buffers hoisted into the caller's), so the entry is `void f(const T *in..., T *out...)`.
# Elementwise ops are fused first: TOSA's depthwise convolution leaves its bias add as its own
# int32 pass between the convolution and the requantization (keyword spotting: 4.9% fewer est.
# cycles, 31% less SRAM with it fused into the requantization).
BUFFERIZE = Stage(
    "mema-bufferize",
    ("func.func(linalg-fuse-elementwise-ops)",
     "one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map}",
     "buffer-results-to-out-params{hoist-static-allocs modify-public-functions}",
     "canonicalize"),
    "elementwise ops fused (a bias add into the requantization after it); tensors to buffers; results as "
    "out-parameters (a no-op on modules of memrefs)",
)

LOWERING_NAME = "mema-lowering"
# What `--emit=llvm|asm|obj` and api.compile_module run: bufferize (tensor modules), copies as
# loops, tile, intermediate buffers static, then lower. mema-tile runs before the arena is
# planned: a fused requantization writes its int8 output while the convolution still reads its
# input, which the arena must then keep apart (and the int32 buffer it removes takes no space).
COMPILE_PIPELINE = (f"{BUFFERIZE.name},mema-copies-to-linalg,mema-tile,mema-word-copies,mema-static-buffers,"
                    f"mema-narrow-shifts,{LOWERING_NAME}")
# Without mema's rewrites: upstream MLIR's own lowering of every op, for comparisons.
UNTILED_PIPELINE = (COMPILE_PIPELINE.replace(",mema-tile,", ",").replace(",mema-word-copies,", ",")
                    .replace(",mema-narrow-shifts,", ","))
assert all(name not in UNTILED_PIPELINE for name in ("mema-tile", "mema-word-copies", "mema-narrow-shifts"))


def named_pipelines() -> dict[str, tuple[str, ...]]:
    """Pipeline names usable in --pass-pipeline: bufferization, each lowering stage, and
    `mema-lowering` for all of them."""
    named = {BUFFERIZE.name: BUFFERIZE.passes}
    named.update({stage.name: stage.passes for stage in STAGES})
    named[LOWERING_NAME] = lowering_passes()
    return named
