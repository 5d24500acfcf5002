"""Test helpers: build a kernel from codegen directly, compile it, run it on the emulator."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from mlir.ir import Context, Module

from mema_mlir import emit, model
from mema_mlir.codegen import KernelWriter, OperandLayout, TileParams, pairs_layout
from mema_mlir.emulator import Buffer, RunResult, run_function


@dataclass(frozen=True)
class Variant:
    kernel: str
    a_form: str
    b_form: str
    elem: str

    @property
    def b_k_contiguous(self) -> bool:
        return self.b_form != "strided"


VARIANTS = (
    Variant("smlad", "bytes", "words", "i8"),
    Variant("smlad", "pairs", "words", "i8"),
    Variant("smlad", "bytes", "strided", "i8"),
    Variant("smlad", "pairs", "strided", "i8"),
    Variant("smlad", "halves", "words", "i16"),
    Variant("smlad", "halves", "strided", "i16"),
    Variant("mla", "elements", "elements", "i8"),
    Variant("mla", "elements", "elements", "i16"),
)


def random_operands(rng: np.random.Generator, m: int, n: int, k: int, elem: str, b_k_contiguous: bool):
    """A, B (in the given layout), C with the extreme values planted, and numpy's C + A.B."""
    dtype, lo, hi = (np.int8, -128, 127) if elem == "i8" else (np.int16, -32768, 32767)
    a = rng.integers(lo, hi + 1, (m, k)).astype(dtype)
    b = rng.integers(lo, hi + 1, (n, k) if b_k_contiguous else (k, n)).astype(dtype)
    a.flat[0], b.flat[0] = lo, lo  # lo * lo: the largest product
    a.flat[-1], b.flat[-1] = hi, lo
    c = rng.integers(-(2**31), 2**31, (m, n), dtype=np.int64).astype(np.int32)
    b_kn = b.T if b_k_contiguous else b
    exact = c.astype(np.int64) + a.astype(np.int64) @ b_kn.astype(np.int64)
    wrapped = ((exact + 2**31) % 2**32 - 2**31).astype(np.int32)  # int32 accumulation wraps
    return a, b, c, wrapped


def kernel_object(m: int, n: int, k: int, mr: int, nr: int, variant: Variant) -> bytes:
    """Compile the codegen's kernel for one tile and variant to a Cortex-M4 object."""
    a_elem = "i16" if variant.a_form == "pairs" or variant.elem == "i16" else "i8"
    b_shape = f"{n}x{k}" if variant.b_k_contiguous else f"{k}x{n}"
    layout = OperandLayout(
        m, n, k, variant.elem, f"memref<{m}x{k}x{a_elem}>", f"memref<{b_shape}x{variant.elem}>",
        f"memref<{m}x{n}xi32>", variant.a_form == "pairs", variant.b_k_contiguous,
    )
    text = KernelWriter(layout, TileParams(mr, nr, 1, variant.kernel, variant.a_form, variant.b_form), "{}").write()
    with Context():
        module = Module.parse(text)
        emit.lower_to_llvm_dialect(module)
        return emit.emit_lowered(module, model.load_target("cortex-m4"), "obj")


def run_kernel(obj: bytes, a: np.ndarray, b: np.ndarray, c: np.ndarray, variant: Variant) -> RunResult:
    """Weights (A) in flash, B and C in SRAM, as the model's default placement says."""
    a_physical = pairs_layout(a) if variant.a_form == "pairs" else a
    return run_function(obj, "kernel", [Buffer("A", a_physical, "flash"), Buffer("B", b, "sram"),
                                        Buffer("C", c.copy(), "sram")])
