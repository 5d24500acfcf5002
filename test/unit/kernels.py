"""Test helpers: build a kernel from codegen directly, compile it, run it on the emulator."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from mlir.ir import Context, Module

from mema_mlir import emit, model
from mema_mlir.codegen import TileParams, standalone_module
from mema_mlir.emulator import Buffer, RunResult, run_function
from mema_mlir.relayout import panel_layout


@dataclass(frozen=True)
class Variant:
    kernel: str
    a_form: str
    b_form: str
    kept: str
    elem: str
    b_k_contiguous: bool = True
    a_constant: bool = False

    @property
    def name(self) -> str:
        return (f"{self.kernel}-{self.a_form}-{self.b_form}-{self.kept}-{self.elem}"
                f"-{'nk' if self.b_k_contiguous else 'kn'}{'-const' if self.a_constant else ''}")


def _variants() -> tuple[Variant, ...]:
    found = []
    for elem in ("i8", "i16"):
        for a_form in (("bytes", "pairs") if elem == "i8" else ("halves",)):
            for b_form in ("words", "strided", "packed"):
                for kept in ("b", "a", "ab"):
                    contiguous = b_form != "strided"
                    constant = a_form == "pairs" or (b_form == "packed" and kept == "a")
                    found.append(Variant("smlad", a_form, b_form, kept, elem, contiguous, constant))
        # A packed B read from a [K, N] source.
        found.append(Variant("smlad", "halves" if elem == "i16" else "bytes", "packed", "b", elem, False))
        for kept in ("b", "a", "ab"):  # the MLA micro-kernel, B [N, K] and [K, N]
            found.append(Variant("mla", "elements", "elements", kept, elem, True))
            found.append(Variant("mla", "elements", "elements", kept, elem, False))
    return tuple(found)


VARIANTS = _variants()


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


def tile_params(mr: int, nr: int, variant: Variant, ku: int = 1) -> TileParams:
    order = "ji" if variant.b_form == "packed" else "ij"
    return TileParams(mr, nr, ku, variant.kernel, variant.a_form, variant.b_form, variant.kept, order)


def kernel_object(m: int, n: int, k: int, mr: int, nr: int, variant: Variant, ku: int = 1) -> bytes:
    """Compile the codegen's kernel for one tile and variant to a Cortex-M4 object."""
    text = standalone_module(m, n, k, variant.elem, tile_params(mr, nr, variant, ku),
                             a_constant=variant.a_constant, b_k_contiguous=variant.b_k_contiguous)
    with Context():
        module = Module.parse(text)
        emit.lower_to_llvm_dialect(module)
        return emit.emit_lowered(module, model.load_target("cortex-m4"), "obj")


def run_kernel(obj: bytes, a: np.ndarray, b: np.ndarray, c: np.ndarray, variant: Variant,
               mr: int) -> RunResult:
    """Weights (A) in flash, B and C in SRAM, as the model's default placement says; a constant
    A passed in the panel layout the DSP kernels read."""
    a_physical = (panel_layout(a, mr, variant.a_form) if variant.a_constant and variant.kernel == "smlad"
                  else a)
    return run_function(obj, "kernel", [Buffer("A", a_physical, "flash"), Buffer("B", b, "sram"),
                                        Buffer("C", c.copy(), "sram")])
