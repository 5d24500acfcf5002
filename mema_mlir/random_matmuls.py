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


def conv_text(rng: np.random.Generator, height: int, width: int, channels: int, filters: int,
              kernel: tuple[int, int], strides: tuple[int, int], zero_point: int, constant: bool) -> str:
    """One function @conv holding one linalg.conv_2d_nhwc_fhwc_q (int8, batch 1, no dilation):
    the filter a constant global of random values (extremes planted) or an argument."""
    kh, kw = kernel
    oh, ow = (height - kh) // strides[0] + 1, (width - kw) // strides[1] + 1
    x_type = f"memref<1x{height}x{width}x{channels}xi8>"
    w_type = f"memref<{filters}x{kh}x{kw}x{channels}xi8>"
    y_type = f"memref<1x{oh}x{ow}x{filters}xi32>"
    op = (f"  %izp = arith.constant {zero_point} : i32\n  %wzp = arith.constant 0 : i32\n"
          f"  linalg.conv_2d_nhwc_fhwc_q {{dilations = dense<1> : tensor<2xi64>, "
          f"strides = dense<[{strides[0]}, {strides[1]}]> : tensor<2xi64>}}\n"
          f"    ins(%x, %w, %izp, %wzp : {x_type}, {w_type}, i32, i32) outs(%y : {y_type})\n  return\n}}\n")
    if not constant:
        return f"func.func @conv(%x: {x_type}, %w: {w_type}, %y: {y_type}) {{\n{op}"
    values = rng.integers(-128, 128, (filters, kh, kw, channels))
    values.flat[0], values.flat[-1] = -128, 127
    dense = str(values.tolist()).replace(" ", "")
    return (f'memref.global "private" constant @w : {w_type} = dense<{dense}>\n'
            f"func.func @conv(%x: {x_type}, %y: {y_type}) {{\n  %w = memref.get_global @w : {w_type}\n{op}")


def draw_conv(rng: np.random.Generator) -> tuple:
    """Arguments for conv_text: small feature maps, 1x1 to 4x4 filters, strides 1 or 2, any
    input zero point; a run-time filter only where its rows are whole groups (KW*C % 4 == 0)."""
    kernel = (int(rng.integers(1, 5)), int(rng.integers(1, 5)))
    strides = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    height = kernel[0] + int(rng.integers(0, 9))
    width = kernel[1] + int(rng.integers(0, 9))
    channels = int(rng.choice([1, 2, 3, 4, 5, 8, 16]))
    filters = int(rng.integers(1, 20))
    zero_point = int(rng.choice([0, -128, 127, int(rng.integers(-128, 128))]))
    constant = bool(rng.integers(4)) or (kernel[1] * channels) % 4 != 0
    return height, width, channels, filters, kernel, strides, zero_point, constant


def depthwise_text(rng: np.random.Generator, height: int, width: int, channels: int,
                   kernel: tuple[int, int], strides: tuple[int, int], zero_point: int) -> str:
    """One function @dwconv holding one linalg.depthwise_conv_2d_nhwc_hwcm_q (int8, batch 1,
    channel multiplier 1), its filter a constant global of random values, extremes planted."""
    kh, kw = kernel
    oh, ow = (height - kh) // strides[0] + 1, (width - kw) // strides[1] + 1
    x_type = f"memref<1x{height}x{width}x{channels}xi8>"
    w_type = f"memref<{kh}x{kw}x{channels}x1xi8>"
    y_type = f"memref<1x{oh}x{ow}x{channels}x1xi32>"
    values = rng.integers(-128, 128, (kh, kw, channels, 1))
    values.flat[0], values.flat[-1] = -128, 127
    dense = str(values.tolist()).replace(" ", "")
    return (f'memref.global "private" constant @dw : {w_type} = dense<{dense}>\n'
            f"func.func @dwconv(%x: {x_type}, %y: {y_type}) {{\n  %w = memref.get_global @dw : {w_type}\n"
            f"  %izp = arith.constant {zero_point} : i32\n  %wzp = arith.constant 0 : i32\n"
            f"  linalg.depthwise_conv_2d_nhwc_hwcm_q {{dilations = dense<1> : tensor<2xi64>, "
            f"strides = dense<[{strides[0]}, {strides[1]}]> : tensor<2xi64>}}\n"
            f"    ins(%x, %w, %izp, %wzp : {x_type}, {w_type}, i32, i32) outs(%y : {y_type})\n  return\n}}\n")


def draw_depthwise(rng: np.random.Generator) -> tuple:
    """Arguments for depthwise_text: 1x1 to 5x5 filters, strides 1 or 2, channels a multiple of
    4, the zero points the kernel treats apart (0, -128) and others."""
    kernel = (int(rng.integers(1, 6)), int(rng.integers(1, 6)))
    strides = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    height = kernel[0] + int(rng.integers(0, 8))
    width = kernel[1] + int(rng.integers(0, 8))
    channels = 4 * int(rng.integers(1, 9))
    zero_point = int(rng.choice([0, -128, 127, int(rng.integers(-128, 128))]))
    return height, width, channels, kernel, strides, zero_point
