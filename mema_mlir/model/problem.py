"""One matmul as the model sees it: sizes, element type, layouts, constness, placement.

C[M,N] (int32, row-major) += A[M,K] . B[K,N]. A (weights) is row-major, so K-contiguous; B is
K-contiguous when given transposed ([N,K]) and otherwise strided along K. A constant B is
re-laid out K-contiguous at compile time, so it is never strided.
"""

from __future__ import annotations

from dataclasses import dataclass

from mema_mlir.model.errors import ProblemError

ELEMENT_BYTES = {"i8": 1, "i16": 2}


@dataclass(frozen=True)
class Problem:
    """The sizes and layout facts every cost formula reads."""

    m: int
    n: int
    k: int
    elem: str = "i8"  # "i8" | "i16" (both operands); accumulation is always int32
    b_k_contiguous: bool = True
    a_constant: bool = True  # known at compile time: may be pre-expanded to int16 pairs
    b_constant: bool = False
    a_memory: str = "flash"
    b_memory: str = "sram"
    c_memory: str = "sram"
    buffer_memory: str = "sram"  # where run-time working buffers (packed B) live
    # A convolution seen as a matmul: B is its input im2col'ed, readable only once packed, each
    # column in b_segments contiguous pieces of K / b_segments values (one per filter row), its
    # zero point subtracted while packing; C is its output, C[f, pixel] at pixel * F + f.
    b_packed_only: bool = False
    b_segments: int = 1
    b_segment_values: int = 0  # values per segment in memory, before padding (0: K / b_segments)
    b_zero_point: int = 0
    b_segment_bytes: int = 0  # bytes from one segment's start to the next's (0: contiguous)
    b_table_bytes: int = 2  # entry of the table of each column's input offset (model.im2col)
    c_row_bytes: int = 0  # bytes between C's rows; 0: row-major int32 [M, N] (4 * N)
    c_col_bytes: int = 4  # bytes between C's columns
    # The layer's requantization fused into the tile (model.requant): C is its int8 output, the
    # accumulators start at the bias and every row reads its parameters from a table there.
    requant: bool = False
    params_memory: str = "flash"
    # A constant int8 A may be pre-expanded to int16 pairs (twice its bytes in flash); false
    # keeps it int8 (a module whose expanded weights would not fit the flash: planning.py).
    a_expandable: bool = True

    def __post_init__(self) -> None:
        for name in ("m", "n", "k"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ProblemError(f"{name} must be a positive integer, got {value!r}")
        if self.elem not in ELEMENT_BYTES:
            raise ProblemError(f"elem must be one of {', '.join(ELEMENT_BYTES)}, got {self.elem!r}")
        for name in ("b_k_contiguous", "a_constant", "b_constant", "requant", "a_expandable"):
            if not isinstance(getattr(self, name), bool):
                raise ProblemError(f"{name} must be a bool, got {getattr(self, name)!r}")
        if not isinstance(self.b_segments, int) or self.b_segments < 1 or self.k % self.b_segments:
            raise ProblemError(f"b_segments must divide K = {self.k}, got {self.b_segments!r}")
        if self.b_zero_point and (self.elem != "i8" or not -128 <= self.b_zero_point <= 127):
            raise ProblemError(f"b_zero_point {self.b_zero_point!r}: only an int8 B has a zero point")
        if self.b_table_bytes not in (2, 4):
            raise ProblemError(f"b_table_bytes must be 2 or 4, got {self.b_table_bytes!r}")
        for name in ("c_row_bytes", "c_col_bytes", "b_segment_bytes"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 0:
                raise ProblemError(f"{name} must be a non-negative integer, got {getattr(self, name)!r}")
        for name in ("a_memory", "b_memory", "c_memory", "buffer_memory", "params_memory"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ProblemError(f"{name} must name a memory, got {value!r}")

    @property
    def elem_bytes(self) -> int:
        return ELEMENT_BYTES[self.elem]

    @property
    def b_contiguous(self) -> bool:
        """B as the kernel reads it: a constant B is re-laid out K-contiguous at compile time."""
        return self.b_k_contiguous or self.b_constant

    @property
    def c_strides(self) -> tuple[int, int]:
        """(bytes between C's rows, between its columns)."""
        return (self.c_row_bytes or 4 * self.n, self.c_col_bytes)

    @property
    def b_in_place(self) -> bool:
        """Whether a kernel may read B where it is (else only a packed B applies)."""
        return not (self.b_packed_only or self.b_zero_point)

    @property
    def macs(self) -> int:
        return self.m * self.n * self.k
