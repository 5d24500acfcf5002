"""Random matmul problems in every layout mema supports, as .mlir text: for differential tests
and the soak. Dimensions span 1..130 with small primes and non-multiples of every tile favoured."""

from __future__ import annotations

import numpy as np

DIMS = [1, 2, 3, 4, 5, 7, 11, 13, 17, 31, 33, 64, 97, 127, 130]


def matmul_text(rng: np.random.Generator, m: int, n: int, k: int, elem: str, b_kn: bool,
                a_constant: bool, row_subviews: bool = False) -> str:
    """One function @f holding one linalg.matmul: B as [N, K] (b_kn) or [K, N]; A a constant
    global (random values, extremes planted) or an argument; with `row_subviews`, the run-time A
    and C are subviews of whole rows (a static offset) of larger arguments."""
    a_type = f"memref<{m}x{k}x{elem}>"
    b_type = f"memref<{n}x{k}x{elem}>" if b_kn else f"memref<{k}x{n}x{elem}>"
    c_type = f"memref<{m}x{n}xi32>"
    maps = ("indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, "
            "affine_map<(m, n, k) -> (m, n)>] ") if b_kn else ""
    if row_subviews and not a_constant:
        a_view = f"memref<{m}x{k}x{elem}, strided<[{k}, 1], offset: {2 * k}>>"
        c_view = f"memref<{m}x{n}xi32, strided<[{n}, 1], offset: {n}>>"
        return (f"func.func @f(%abig: memref<{m + 3}x{k}x{elem}>, %b: {b_type}, %cbig: memref<{m + 1}x{n}xi32>) {{\n"
                f"  %a = memref.subview %abig[2, 0] [{m}, {k}] [1, 1] : memref<{m + 3}x{k}x{elem}> to {a_view}\n"
                f"  %c = memref.subview %cbig[1, 0] [{m}, {n}] [1, 1] : memref<{m + 1}x{n}xi32> to {c_view}\n"
                f"  linalg.matmul {maps}ins(%a, %b : {a_view}, {b_type}) outs(%c : {c_view})\n"
                "  return\n}\n")
    op = f"  linalg.matmul {maps}ins(%a, %b : {a_type}, {b_type}) outs(%c : {c_type})\n"
    if not a_constant:
        return f"func.func @f(%a: {a_type}, %b: {b_type}, %c: {c_type}) {{\n{op}  return\n}}\n"
    lo, hi = (-128, 127) if elem == "i8" else (-32768, 32767)
    values = rng.integers(lo, hi + 1, (m, k))
    values.flat[0], values.flat[-1] = lo, hi
    dense = "[" + ", ".join("[" + ", ".join(map(str, row)) + "]" for row in values) + "]"
    return (f'memref.global "private" constant @w : {a_type} = dense<{dense}>\n'
            f"func.func @f(%b: {b_type}, %c: {c_type}) {{\n"
            f"  %a = memref.get_global @w : {a_type}\n{op}  return\n}}\n")


def draw_case(rng: np.random.Generator, max_macs: int | None = None) -> tuple[int, int, int, str, bool, bool, str]:
    """(m, n, k, elem, b_kn, a_constant, target), with m*n*k <= max_macs when given."""
    while True:
        m, n, k = (int(rng.choice(DIMS)) if rng.random() < 0.5 else int(rng.integers(1, 131))
                   for _ in range(3))
        if max_macs is None or m * n * k <= max_macs:
            break
    return (m, n, k, str(rng.choice(["i8", "i16"])), bool(rng.integers(2)), bool(rng.integers(2)),
            "cortex-m3" if rng.random() < 0.2 else "cortex-m4")
