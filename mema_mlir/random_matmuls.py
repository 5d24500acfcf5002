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


def _dense(values: np.ndarray) -> str:
    return str(values.tolist()).replace(" ", "")


def _maps(rank: int) -> tuple[str, str, str]:
    """(channel map, identity map, iterator types) of a layer's NHWC (rank 4) or depthwise
    NHWCM (rank 5, M = 1) output."""
    dims = ", ".join(f"d{i}" for i in range(rank))
    channel = f"affine_map<({dims}) -> ({', '.join(f'd{i}' for i in range(3, rank))})>"
    parallel = "iterator_types = [" + ", ".join(['"parallel"'] * rank) + "]"
    return channel, f"affine_map<({dims}) -> ({dims})>", parallel


def _requant_body(per_channel: bool, bias_in_body: bool) -> str:
    """The requantization's body as mema-import leaves it (rounded once); with `bias_in_body`
    it first adds the bias input (as elementwise fusion leaves a depthwise layer's)."""
    bias_arg = "%bv: i32, " if bias_in_body else ""
    add = "    %sum = arith.addi %bv, %in : i32\n" if bias_in_body else ""
    value = "%sum" if bias_in_body else "%in"
    if per_channel:
        head = (f"  ^bb0(%in: i32, {bias_arg}%m: i32, %s: i8, %out: i8):\n{add}"
                f"    %a = arith.extsi {value} : i32 to i64\n    %mm = arith.extsi %m : i32 to i64\n"
                "    %p = arith.muli %a, %mm : i64\n    %sh = arith.extui %s : i8 to i64\n"
                "    %u = arith.shli %c1_i64, %sh : i64\n    %h = arith.shrui %u, %c1_i64 : i64\n"
                "    %r = arith.addi %p, %h : i64\n    %t = arith.shrsi %r, %sh : i64\n")
    else:
        head = (f"  ^bb0(%in: i32, {bias_arg}%out: i8):\n{add}    %a = arith.extsi {value} : i32 to i64\n"
                "    %p = arith.muli %a, %cM : i64\n    %r = arith.addi %p, %cR : i64\n"
                "    %t = arith.shrsi %r, %cS : i64\n")
    return (head + "    %v = arith.trunci %t : i64 to i32\n    %z = arith.addi %v, %zp : i32\n"
            "    %c = arith.maxsi %z, %lo : i32\n    %d = arith.minsi %c, %hi : i32\n"
            "    %e = arith.trunci %d : i32 to i8\n    linalg.yield %e : i8\n  }\n")


def _requantized_layer(rng: np.random.Generator, name: str, x_type: str, w_type: str, weights: np.ndarray | None,
                       layer: str, out_shape: list[int], zero_point: int, per_channel: bool,
                       bias_in_body: bool) -> str:
    """A function holding `layer` (its ins(%x, %w, %izp, %wzp) outs(%acc) op text) between a
    bias fill of its int32 buffer and the requantization to the int8 output %y (see
    requantized_conv_text)."""
    rank = len(out_shape)
    channel_map, identity_map, parallel = _maps(rank)
    channels = out_shape[3]
    shape = "x".join(map(str, out_shape))
    acc_type, y_type = f"memref<{shape}xi32>", f"memref<{shape}xi8>"
    param_shape = f"{channels}x1" if rank == 5 else f"{channels}"

    def param(values: np.ndarray) -> str:
        return _dense(values.reshape(channels, 1) if rank == 5 else values)

    count = channels if per_channel else 1
    multipliers = rng.integers(2**30, 2**31, count)
    shifts = np.where(rng.random(count) < 0.8, rng.integers(39, 48, count), rng.integers(33, 55, count))
    bias = rng.integers(-2**15, 2**15, channels)
    if channels > 2:
        bias[0], bias[1] = -2**31, 2**31 - 1
    out_zp = int(rng.choice([-128, 127, 0, int(rng.integers(-128, 128))]))
    lines = [f'memref.global "private" constant @bias : memref<{param_shape}xi32> = dense<{param(bias)}>']
    if per_channel:
        lines += [f'memref.global "private" constant @mult : memref<{param_shape}xi32> = dense<{param(multipliers)}>',
                  f'memref.global "private" constant @shift : memref<{param_shape}xi8> = dense<{param(shifts)}>']
    if weights is not None:
        lines.append(f'memref.global "private" constant @w : {w_type} = dense<{_dense(weights)}>')
        lines.append(f"func.func @{name}(%x: {x_type}, %y: {y_type}) {{")
        lines.append(f"  %w = memref.get_global @w : {w_type}")
    else:
        lines.append(f"func.func @{name}(%x: {x_type}, %w: {w_type}, %y: {y_type}) {{")
    lines += ["  %c1_i64 = arith.constant 1 : i64", f"  %zp = arith.constant {out_zp} : i32",
              "  %lo = arith.constant -128 : i32", "  %hi = arith.constant 127 : i32",
              f"  %izp = arith.constant {zero_point} : i32", "  %wzp = arith.constant 0 : i32",
              f"  %acc = memref.alloc() : {acc_type}",
              f"  %bias = memref.get_global @bias : memref<{param_shape}xi32>"]
    names, types, maps = ["%acc"], [acc_type], [identity_map]
    if bias_in_body:  # the bias read first, as a depthwise layer's requantization reads it
        names, types, maps = ["%bias", "%acc"], [f"memref<{param_shape}xi32>", acc_type], [channel_map, identity_map]
    if per_channel:
        lines += [f"  %mult = memref.get_global @mult : memref<{param_shape}xi32>",
                  f"  %shift = memref.get_global @shift : memref<{param_shape}xi8>"]
        names += ["%mult", "%shift"]
        types += [f"memref<{param_shape}xi32>", f"memref<{param_shape}xi8>"]
        maps += [channel_map, channel_map]
    else:
        shift = int(shifts[0])
        lines += [f"  %cM = arith.constant {int(multipliers[0])} : i64",
                  f"  %cR = arith.constant {1 << (shift - 1)} : i64", f"  %cS = arith.constant {shift} : i64"]
    if bias_in_body:
        lines += ["  %c0_i32 = arith.constant 0 : i32", f"  linalg.fill ins(%c0_i32 : i32) outs(%acc : {acc_type})"]
    else:
        lines += [f"  linalg.generic {{indexing_maps = [{channel_map}, {identity_map}], {parallel}}} "
                  f"ins(%bias : memref<{param_shape}xi32>) outs(%acc : {acc_type}) {{",
                  "  ^bb0(%b: i32, %o: i32):", "    linalg.yield %b : i32", "  }"]
    lines += [layer,
              f"  linalg.generic {{indexing_maps = [{', '.join(maps + [identity_map])}], {parallel}}} "
              f"ins({', '.join(names)} : {', '.join(types)}) outs(%y : {y_type}) {{"]
    body = _requant_body(per_channel, bias_in_body)
    if bias_in_body:  # block arguments in the inputs' order: the bias first
        body = body.replace("^bb0(%in: i32, %bv: i32, ", "^bb0(%bv: i32, %in: i32, ")
    return "\n".join(lines) + "\n" + body + f"  memref.dealloc %acc : {acc_type}\n  return\n}}\n"


def requantized_conv_text(rng: np.random.Generator, height: int, width: int, channels: int, filters: int,
                          kernel: tuple[int, int], strides: tuple[int, int], zero_point: int,
                          constant: bool, per_channel: bool, bias_in_body: bool = False) -> str:
    """One function @qconv(%x, [%w,] %y) holding a layer as mema-import leaves it after
    bufferization: an int32 buffer filled with a per-channel bias, the convolution, and the
    requantization to the int8 %y (multiplier and shift per channel as constant inputs, or
    per-tensor constants folded into the body). Multipliers in [2^30, 2^31), shifts 33..54
    (most 39..47, so that outputs spread over int8; the ends saturate), any int8 output zero
    point, biases with the int32 extremes planted. With `bias_in_body` the buffer is filled
    with 0 and the requantization's body adds the bias first."""
    kh, kw = kernel
    oh, ow = (height - kh) // strides[0] + 1, (width - kw) // strides[1] + 1
    x_type = f"memref<1x{height}x{width}x{channels}xi8>"
    w_type = f"memref<{filters}x{kh}x{kw}x{channels}xi8>"
    acc_type = f"memref<1x{oh}x{ow}x{filters}xi32>"
    weights = None
    if constant:
        weights = rng.integers(-128, 128, (filters, kh, kw, channels))
        weights.flat[0], weights.flat[-1] = -128, 127
    layer = ("  linalg.conv_2d_nhwc_fhwc_q {dilations = dense<1> : tensor<2xi64>, "
             f"strides = dense<[{strides[0]}, {strides[1]}]> : tensor<2xi64>}}\n"
             f"    ins(%x, %w, %izp, %wzp : {x_type}, {w_type}, i32, i32) outs(%acc : {acc_type})")
    return _requantized_layer(rng, "qconv", x_type, w_type, weights, layer, [1, oh, ow, filters], zero_point,
                              per_channel, bias_in_body)


def requantized_depthwise_text(rng: np.random.Generator, height: int, width: int, channels: int,
                               kernel: tuple[int, int], strides: tuple[int, int], zero_point: int,
                               per_channel: bool, bias_in_body: bool = True) -> str:
    """One function @qdw(%x, %y) holding a depthwise layer (channel multiplier 1, constant
    filter) with its bias and requantization, as requantized_conv_text; by default the bias
    is added in the requantization's body, as TFLite's depthwise layers arrive."""
    kh, kw = kernel
    oh, ow = (height - kh) // strides[0] + 1, (width - kw) // strides[1] + 1
    x_type = f"memref<1x{height}x{width}x{channels}xi8>"
    w_type = f"memref<{kh}x{kw}x{channels}x1xi8>"
    acc_type = f"memref<1x{oh}x{ow}x{channels}x1xi32>"
    weights = rng.integers(-128, 128, (kh, kw, channels, 1))
    weights.flat[0], weights.flat[-1] = -128, 127
    layer = ("  linalg.depthwise_conv_2d_nhwc_hwcm_q {dilations = dense<1> : tensor<2xi64>, "
             f"strides = dense<[{strides[0]}, {strides[1]}]> : tensor<2xi64>}}\n"
             f"    ins(%x, %w, %izp, %wzp : {x_type}, {w_type}, i32, i32) outs(%acc : {acc_type})")
    return _requantized_layer(rng, "qdw", x_type, w_type, weights, layer, [1, oh, ow, channels, 1], zero_point,
                              per_channel, bias_in_body)


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


def draw_stationary(rng: np.random.Generator, max_macs: int | None = None,
                    dims: int = 90, one_trip: bool = False) -> tuple[int, int, int, str, str, int, int]:
    """(m, n, k, elem, stationarity, lines, kr): a random shape (M, N, K in 1..dims-1, K at least
    one group, m*n*k <= max_macs when given) with a random legal weight- or input-stationary
    block on the Cortex-M4 (constant A, B [N, K]: matmul_text(..., True, True)); `one_trip`:
    the streamed operand has one line (N = 1 for weight-, M = 1 for input-stationary)."""
    from mema_mlir.model import Problem, load_target, schedule_space
    from mema_mlir.model.stationary import group_values
    target = load_target("cortex-m4")
    while True:
        elem = str(rng.choice(["i8", "i16"]))
        m, n, k = (int(rng.integers(1, dims)) for _ in range(3))
        if (max_macs is not None and m * n * k > max_macs) or k < group_values(elem):
            continue
        stationarity = str(rng.choice(["weight", "input"]))
        if one_trip:
            m, n = (m, 1) if stationarity == "weight" else (1, n)
        blocks = [s for s in schedule_space(Problem(m, n, k, elem), target) if s.stationarity == stationarity]
        if not blocks:
            continue
        s = blocks[int(rng.integers(len(blocks)))]
        assert s.kr is not None
        return m, n, k, elem, stationarity, (s.mr if stationarity == "weight" else s.nr), s.kr
