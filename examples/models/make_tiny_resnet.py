"""Write tiny_resnet.tflite: a small int8 network that is neither of the MLPerf Tiny models, to
check that mema handles any model made of the same operator kinds without code changes.

    pip install tflite   # the TFLite flatbuffer schema (only needed to regenerate)
    python examples/models/make_tiny_resnet.py examples/models/tiny_resnet.tflite

Layers (NHWC, batch 1; what KWS and AD lack is marked):
    input 1x12x12x3
    CONV_2D 3x3, 8 filters, stride 1, SAME, ReLU     (3 input channels: K = 27, not a multiple of 4)
    DEPTHWISE_CONV_2D 3x3, stride 2, SAME             (asymmetric SAME padding)
    CONV_2D 1x1, 8 filters                            (pointwise)
    ADD of the two previous outputs                   (residual add with rescale: new)
    AVERAGE_POOL_2D 2x2, stride 2
    RESHAPE to 1x72
    FULLY_CONNECTED 72 -> 10, per-channel weights     (new: KWS and AD use one scale)
    SOFTMAX
Weights are drawn from a seeded generator; scales come from a float forward pass over random
inputs, so that no layer saturates. The file is committed; this script documents how it was made.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import flatbuffers
import numpy as np

# The schema's generated modules (their names are also classes, so import the modules by path).
ActivationFunctionType = importlib.import_module("tflite.ActivationFunctionType")
AddOptions = importlib.import_module("tflite.AddOptions")
Buffer = importlib.import_module("tflite.Buffer")
BuiltinOperator = importlib.import_module("tflite.BuiltinOperator")
BuiltinOptions = importlib.import_module("tflite.BuiltinOptions")
Conv2DOptions = importlib.import_module("tflite.Conv2DOptions")
DepthwiseConv2DOptions = importlib.import_module("tflite.DepthwiseConv2DOptions")
FullyConnectedOptions = importlib.import_module("tflite.FullyConnectedOptions")
Model = importlib.import_module("tflite.Model")
Operator = importlib.import_module("tflite.Operator")
OperatorCode = importlib.import_module("tflite.OperatorCode")
Padding = importlib.import_module("tflite.Padding")
Pool2DOptions = importlib.import_module("tflite.Pool2DOptions")
QuantizationParameters = importlib.import_module("tflite.QuantizationParameters")
ReshapeOptions = importlib.import_module("tflite.ReshapeOptions")
SoftmaxOptions = importlib.import_module("tflite.SoftmaxOptions")
SubGraph = importlib.import_module("tflite.SubGraph")
Tensor = importlib.import_module("tflite.Tensor")
TensorType = importlib.import_module("tflite.TensorType")


@dataclass
class TensorSpec:
    name: str
    shape: tuple[int, ...]
    kind: int  # TensorType
    scales: list[float] = field(default_factory=list)
    zero_points: list[int] = field(default_factory=list)
    axis: int = 0
    data: np.ndarray | None = None


@dataclass
class OpSpec:
    code: int  # BuiltinOperator
    version: int
    inputs: list[int]
    outputs: list[int]
    options_type: int
    options: Callable[[flatbuffers.Builder], int]  # writes the options table, returns its offset


class GraphWriter:
    """Tensors and operators in order, then one flatbuffer."""

    def __init__(self) -> None:
        self.tensors: list[TensorSpec] = []
        self.ops: list[OpSpec] = []

    def tensor(self, spec: TensorSpec) -> int:
        self.tensors.append(spec)
        return len(self.tensors) - 1

    def write(self, inputs: list[int], outputs: list[int]) -> bytes:
        b = flatbuffers.Builder(1 << 16)
        codes = sorted({(op.code, op.version) for op in self.ops})
        # Buffers: 0 is the empty sentinel, then one per tensor (empty for activations).
        buffer_offsets = []
        for data in [None] + [t.data for t in self.tensors]:
            vector = None
            if data is not None:
                raw = np.ascontiguousarray(data).tobytes()
                vector = b.CreateByteVector(raw)
            Buffer.Start(b)
            if vector is not None:
                Buffer.AddData(b, vector)
            buffer_offsets.append(Buffer.End(b))
        tensor_offsets = []
        for index, t in enumerate(self.tensors):
            name = b.CreateString(t.name)
            shape = _int_vector(b, Tensor.StartShapeVector, list(t.shape))
            quantization = None
            if t.scales:
                scales = _float_vector(b, QuantizationParameters.StartScaleVector, t.scales)
                zps = _long_vector(b, QuantizationParameters.StartZeroPointVector, t.zero_points)
                QuantizationParameters.Start(b)
                QuantizationParameters.AddScale(b, scales)
                QuantizationParameters.AddZeroPoint(b, zps)
                QuantizationParameters.AddQuantizedDimension(b, t.axis)
                quantization = QuantizationParameters.End(b)
            Tensor.Start(b)
            Tensor.AddShape(b, shape)
            Tensor.AddType(b, t.kind)
            Tensor.AddBuffer(b, index + 1)
            Tensor.AddName(b, name)
            if quantization is not None:
                Tensor.AddQuantization(b, quantization)
            tensor_offsets.append(Tensor.End(b))
        op_offsets = []
        for op in self.ops:
            options = op.options(b)
            ins = _int_vector(b, Operator.StartInputsVector, op.inputs)
            outs = _int_vector(b, Operator.StartOutputsVector, op.outputs)
            Operator.Start(b)
            Operator.AddOpcodeIndex(b, codes.index((op.code, op.version)))
            Operator.AddInputs(b, ins)
            Operator.AddOutputs(b, outs)
            Operator.AddBuiltinOptionsType(b, op.options_type)
            if options is not None:
                Operator.AddBuiltinOptions(b, options)
            op_offsets.append(Operator.End(b))
        tensors_vector = _offset_vector(b, SubGraph.StartTensorsVector, tensor_offsets)
        ops_vector = _offset_vector(b, SubGraph.StartOperatorsVector, op_offsets)
        graph_inputs = _int_vector(b, SubGraph.StartInputsVector, inputs)
        graph_outputs = _int_vector(b, SubGraph.StartOutputsVector, outputs)
        graph_name = b.CreateString("main")
        SubGraph.Start(b)
        SubGraph.AddTensors(b, tensors_vector)
        SubGraph.AddOperators(b, ops_vector)
        SubGraph.AddInputs(b, graph_inputs)
        SubGraph.AddOutputs(b, graph_outputs)
        SubGraph.AddName(b, graph_name)
        subgraph = SubGraph.End(b)
        code_offsets = []
        for code, version in codes:
            OperatorCode.Start(b)
            OperatorCode.AddDeprecatedBuiltinCode(b, min(code, 127))
            OperatorCode.AddBuiltinCode(b, code)
            OperatorCode.AddVersion(b, version)
            code_offsets.append(OperatorCode.End(b))
        codes_vector = _offset_vector(b, Model.StartOperatorCodesVector, code_offsets)
        subgraphs = _offset_vector(b, Model.StartSubgraphsVector, [subgraph])
        buffers = _offset_vector(b, Model.StartBuffersVector, buffer_offsets)
        description = b.CreateString("mema-mlir tiny_resnet (examples/models/make_tiny_resnet.py)")
        Model.Start(b)
        Model.AddVersion(b, 3)
        Model.AddOperatorCodes(b, codes_vector)
        Model.AddSubgraphs(b, subgraphs)
        Model.AddDescription(b, description)
        Model.AddBuffers(b, buffers)
        b.Finish(Model.End(b), file_identifier=b"TFL3")
        return bytes(b.Output())


def _int_vector(b: flatbuffers.Builder, start: Callable[[flatbuffers.Builder, int], None], values: list[int]) -> int:
    start(b, len(values))
    for v in reversed(values):
        b.PrependInt32(int(v))
    return b.EndVector()


def _long_vector(b: flatbuffers.Builder, start: Callable[[flatbuffers.Builder, int], None], values: list[int]) -> int:
    start(b, len(values))
    for v in reversed(values):
        b.PrependInt64(int(v))
    return b.EndVector()


def _float_vector(b: flatbuffers.Builder, start: Callable[[flatbuffers.Builder, int], None], values: list[float]) -> int:
    start(b, len(values))
    for v in reversed(values):
        b.PrependFloat32(float(v))
    return b.EndVector()


def _offset_vector(b: flatbuffers.Builder, start: Callable[[flatbuffers.Builder, int], None], offsets: list[int]) -> int:
    start(b, len(offsets))
    for o in reversed(offsets):
        b.PrependUOffsetTRelative(o)
    return b.EndVector()


# ---- the float network, for the activation ranges ------------------------------------------

def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int, int]:
    """(output size, pad before, pad after) of TFLite's SAME padding (the extra pad goes after)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return out, total // 2, total - total // 2


def conv_float(x: np.ndarray, w: np.ndarray, bias: np.ndarray, stride: int, depthwise: bool) -> np.ndarray:
    """NHWC, SAME padding; w is [F, KH, KW, C] (or [1, KH, KW, C] when depthwise)."""
    _, h, width, c = x.shape
    kh, kw = w.shape[1], w.shape[2]
    oh, top, bottom = same_padding(h, kh, stride)
    ow, left, right = same_padding(width, kw, stride)
    padded = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    out = np.zeros((x.shape[0], oh, ow, c if depthwise else w.shape[0]))
    for i in range(oh):
        for j in range(ow):
            patch = padded[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            if depthwise:
                out[:, i, j, :] = (patch * w[0]).sum(axis=(1, 2))
            else:
                out[:, i, j, :] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    return out + bias


def build(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, (16, 12, 12, 3))
    w1 = rng.normal(0, 0.4, (8, 3, 3, 3))
    b1 = rng.normal(0, 0.1, 8)
    w2 = rng.normal(0, 0.4, (1, 3, 3, 8))
    b2 = rng.normal(0, 0.1, 8)
    w3 = rng.normal(0, 0.4, (8, 1, 1, 8))
    b3 = rng.normal(0, 0.1, 8)
    w4 = rng.normal(0, 0.3, (10, 72))
    b4 = rng.normal(0, 0.1, 10)
    a1 = np.maximum(conv_float(x, w1, b1, 1, False), 0)
    a2 = conv_float(a1, w2, b2, 2, True)
    a3 = conv_float(a2, w3, b3, 1, False)
    a4 = a2 + a3
    a5 = a4.reshape(16, 3, 2, 3, 2, 8).mean(axis=(2, 4))
    a6 = a5.reshape(16, 72) @ w4.T + b4

    g = GraphWriter()
    i8, i32 = TensorType.TensorType.INT8, TensorType.TensorType.INT32

    def activation(name: str, shape: tuple[int, ...], values: np.ndarray) -> int:
        """Asymmetric, as TFLite's converter quantizes activations: [min, max] (with 0) on [-128, 127]."""
        lo, hi = min(float(values.min()), 0.0), max(float(values.max()), 0.0)
        scale = (hi - lo) / 255.0
        return g.tensor(TensorSpec(name, shape, i8, [scale], [int(round(-128 - lo / scale))]))

    def weights(name: str, w: np.ndarray, axis: int) -> tuple[int, list[float]]:
        """Symmetric per-channel int8 weights along `axis` (the output channels)."""
        others = tuple(i for i in range(w.ndim) if i != axis)
        scales = [float(v) for v in np.abs(w).max(axis=others) / 127.0]
        broadcast = [1] * w.ndim
        broadcast[axis] = -1
        q = np.clip(np.round(w / np.array(scales).reshape(broadcast)), -127, 127).astype(np.int8)
        return g.tensor(TensorSpec(name, w.shape, i8, scales, [0] * len(scales), axis, q)), scales

    def bias(name: str, values: np.ndarray, scales: list[float]) -> int:
        q = np.round(values / np.array(scales)).astype(np.int32)
        return g.tensor(TensorSpec(name, values.shape, i32, list(scales), [0] * len(scales), 0, q))

    t_in = activation("input", (1, 12, 12, 3), x)
    in_scale = g.tensors[t_in].scales[0]
    t_w1, s_w1 = weights("conv1/weights", w1, 0)
    t_b1 = bias("conv1/bias", b1, [in_scale * s for s in s_w1])
    t_a1 = activation("conv1", (1, 12, 12, 8), a1)
    a1_scale = g.tensors[t_a1].scales[0]
    t_w2, s_w2 = weights("depthwise/weights", w2, 3)
    t_b2 = bias("depthwise/bias", b2, [a1_scale * s for s in s_w2])
    t_a2 = activation("depthwise", (1, 6, 6, 8), a2)
    a2_scale = g.tensors[t_a2].scales[0]
    t_w3, s_w3 = weights("pointwise/weights", w3, 0)
    t_b3 = bias("pointwise/bias", b3, [a2_scale * s for s in s_w3])
    t_a3 = activation("pointwise", (1, 6, 6, 8), a3)
    t_a4 = activation("residual", (1, 6, 6, 8), a4)
    a4_spec = g.tensors[t_a4]
    t_a5 = g.tensor(TensorSpec("pool", (1, 3, 3, 8), i8, list(a4_spec.scales), list(a4_spec.zero_points)))
    t_shape = g.tensor(TensorSpec("flatten/shape", (2,), i32, data=np.array([1, 72], np.int32)))
    t_a5f = g.tensor(TensorSpec("flatten", (1, 72), i8, list(a4_spec.scales), list(a4_spec.zero_points)))
    t_w4, s_w4 = weights("fc/weights", w4, 0)
    t_b4 = bias("fc/bias", b4, [a4_spec.scales[0] * s for s in s_w4])
    t_a6 = activation("logits", (1, 10), a6)
    t_out = g.tensor(TensorSpec("probabilities", (1, 10), i8, [1.0 / 256.0], [-128]))

    relu, none = ActivationFunctionType.ActivationFunctionType.RELU, ActivationFunctionType.ActivationFunctionType.NONE
    op, opts = BuiltinOperator.BuiltinOperator, BuiltinOptions.BuiltinOptions

    def conv_options(stride: int, act: int) -> Callable[[flatbuffers.Builder], int]:
        def make(b: flatbuffers.Builder) -> int:
            Conv2DOptions.Start(b)
            Conv2DOptions.AddPadding(b, Padding.Padding.SAME)
            Conv2DOptions.AddStrideW(b, stride)
            Conv2DOptions.AddStrideH(b, stride)
            Conv2DOptions.AddDilationWFactor(b, 1)
            Conv2DOptions.AddDilationHFactor(b, 1)
            Conv2DOptions.AddFusedActivationFunction(b, act)
            return Conv2DOptions.End(b)
        return make

    def depthwise_options(b: flatbuffers.Builder) -> int:
        DepthwiseConv2DOptions.Start(b)
        DepthwiseConv2DOptions.AddPadding(b, Padding.Padding.SAME)
        DepthwiseConv2DOptions.AddStrideW(b, 2)
        DepthwiseConv2DOptions.AddStrideH(b, 2)
        DepthwiseConv2DOptions.AddDepthMultiplier(b, 1)
        DepthwiseConv2DOptions.AddDilationWFactor(b, 1)
        DepthwiseConv2DOptions.AddDilationHFactor(b, 1)
        DepthwiseConv2DOptions.AddFusedActivationFunction(b, none)
        return DepthwiseConv2DOptions.End(b)

    def add_options(b: flatbuffers.Builder) -> int:
        AddOptions.Start(b)
        AddOptions.AddFusedActivationFunction(b, none)
        return AddOptions.End(b)

    def pool_options(b: flatbuffers.Builder) -> int:
        Pool2DOptions.Start(b)
        Pool2DOptions.AddPadding(b, Padding.Padding.VALID)
        Pool2DOptions.AddStrideW(b, 2)
        Pool2DOptions.AddStrideH(b, 2)
        Pool2DOptions.AddFilterWidth(b, 2)
        Pool2DOptions.AddFilterHeight(b, 2)
        Pool2DOptions.AddFusedActivationFunction(b, none)
        return Pool2DOptions.End(b)

    def reshape_options(b: flatbuffers.Builder) -> int:
        new_shape = _int_vector(b, ReshapeOptions.StartNewShapeVector, [1, 72])
        ReshapeOptions.Start(b)
        ReshapeOptions.AddNewShape(b, new_shape)
        return ReshapeOptions.End(b)

    def fc_options(b: flatbuffers.Builder) -> int:
        FullyConnectedOptions.Start(b)
        FullyConnectedOptions.AddFusedActivationFunction(b, none)
        return FullyConnectedOptions.End(b)

    def softmax_options(b: flatbuffers.Builder) -> int:
        SoftmaxOptions.Start(b)
        SoftmaxOptions.AddBeta(b, 1.0)
        return SoftmaxOptions.End(b)

    g.ops += [
        OpSpec(op.CONV_2D, 3, [t_in, t_w1, t_b1], [t_a1], opts.Conv2DOptions, conv_options(1, relu)),
        OpSpec(op.DEPTHWISE_CONV_2D, 3, [t_a1, t_w2, t_b2], [t_a2], opts.DepthwiseConv2DOptions, depthwise_options),
        OpSpec(op.CONV_2D, 3, [t_a2, t_w3, t_b3], [t_a3], opts.Conv2DOptions, conv_options(1, none)),
        OpSpec(op.ADD, 2, [t_a2, t_a3], [t_a4], opts.AddOptions, add_options),
        OpSpec(op.AVERAGE_POOL_2D, 2, [t_a4], [t_a5], opts.Pool2DOptions, pool_options),
        OpSpec(op.RESHAPE, 1, [t_a5, t_shape], [t_a5f], opts.ReshapeOptions, reshape_options),
        OpSpec(op.FULLY_CONNECTED, 4, [t_a5f, t_w4, t_b4], [t_a6], opts.FullyConnectedOptions, fc_options),
        OpSpec(op.SOFTMAX, 2, [t_a6], [t_out], opts.SoftmaxOptions, softmax_options),
    ]
    return g.write([t_in], [t_out])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    args.output.write_bytes(build(args.seed))
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
