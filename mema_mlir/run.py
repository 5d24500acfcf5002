"""mema-run: compile a .mlir file, run every function on the emulated Cortex-M4, check it.

Each public function runs on seeded random inputs (extreme values planted). A function that is one
matmul over its arguments is checked against numpy's C + A.B bit for bit; any other function is
checked against the same file compiled by upstream MLIR alone (linalg lowered to plain loops) and
run on the same inputs. The data accesses the model predicted for the function's matmuls must
equal the accesses the emulator counted (stack traffic is reported apart): a mismatch is a bug in
the model or the generator.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from mlir.ir import Context, MemRefType, Module, Operation

from mema_mlir import api, model
from mema_mlir.emulator import Buffer, RunResult, run_function
from mema_mlir.hot_loop import hottest_loop
from mema_mlir.ir_query import public_functions
from mema_mlir.lowering.stages import UNTILED_PIPELINE, lowering_passes

REFERENCE_PIPELINE = "builtin.module(func.func(convert-linalg-to-loops)," + ",".join(lowering_passes()) + ")"
_DTYPES = {"i8": np.int8, "i16": np.int16, "i32": np.int32}


@dataclass(frozen=True)
class Argument:
    """One memref argument of a public function."""

    shape: tuple[int, ...]
    element: str


@dataclass
class FunctionCheck:
    """Predicted against measured for one function, and whether its outputs were right."""

    function: str
    matmuls: list[str]
    predicted: dict[str, float]
    measured: dict[str, float]
    stack: dict[str, int]
    bit_exact: bool
    numpy_checked: bool
    problems: list[str] = field(default_factory=list)
    hot_loop: dict[str, Any] | None = None  # the hottest loop: trace vs llvm-mca cycles/iteration
    counts_compared: bool = True  # False when other ops also touch memory (predicted = matmuls only)

    @property
    def ok(self) -> bool:
        return not self.problems


def memref_arguments(module: Module) -> dict[str, list[Argument]]:
    """name -> memref arguments of every public function."""
    found: dict[str, list[Argument]] = {}
    for name, function in public_functions(module):
        arguments = []
        for argument in function.regions[0].blocks[0].arguments:
            if not isinstance(argument.type, MemRefType):
                hint = (": give mema-run the .tflite model itself (it compares with LiteRT), or a module on memrefs"
                        if "tensor<" in str(argument.type) else "")
                raise ValueError(f"function '{name}' takes an argument of type {argument.type}, not a memref{hint}")
            memref = MemRefType(argument.type)
            arguments.append(Argument(tuple(memref.shape), str(memref.element_type)))
        found[name] = arguments
    return found


def random_inputs(arguments: Sequence[Argument], rng: np.random.Generator) -> list[np.ndarray]:
    """Seeded random data per argument, each with its type's extremes planted."""
    arrays = []
    for argument in arguments:
        if argument.element not in _DTYPES:
            raise ValueError(f"mema-run: element type {argument.element} is not supported")
        dtype = _DTYPES[argument.element]
        info = np.iinfo(dtype)
        data = rng.integers(info.min, int(info.max) + 1, argument.shape, dtype=np.int64).astype(dtype)
        if data.size >= 2:
            data.flat[0], data.flat[-1] = info.min, info.max
        arrays.append(data)
    return arrays


def reference_object(text: str, target: str) -> bytes:
    """The same functions through upstream MLIR's lowering of every op (linalg to loops), with
    only mema's bare-metal passes around it (copies as loops, allocs in a static arena): what
    the compile does without mema-tile and mema-narrow-shifts."""
    return api.compile_module(text, emit_kind="obj", target=target, pipeline=UNTILED_PIPELINE).output


@dataclass(frozen=True)
class SingleMatmul:
    """A function that is exactly one matmul: where each operand comes from."""

    sources: tuple[int | np.ndarray, ...]  # per operand A, B, C: an argument index or constant values
    b_transposed: bool


def single_matmuls(module: Module) -> dict[str, SingleMatmul]:
    """Functions whose body is one supported linalg.matmul (plus get_global and return)."""
    from mlir.ir import BlockArgument

    from mema_mlir.matmul import UnsupportedMatmul, read_matmul

    found: dict[str, SingleMatmul] = {}
    for name, operation in public_functions(module):
        body = [o.operation for o in operation.regions[0].blocks[0].operations]
        matmuls = [o for o in body if o.name == "linalg.matmul"]
        others = [o for o in body if o.name not in ("linalg.matmul", "memref.get_global", "func.return")]
        if len(matmuls) != 1 or others:
            continue
        try:
            operands = read_matmul(matmuls[0])
        except UnsupportedMatmul:
            continue
        sources: list[int | np.ndarray] = []
        for value, constant in ((operands.a, operands.a_constant), (operands.b, operands.b_constant),
                                (operands.c, None)):
            if constant is not None:
                sources.append(constant)
            elif isinstance(value, BlockArgument):
                sources.append(value.arg_number)
            else:
                break
        else:
            found[name] = SingleMatmul(tuple(sources), operands.b_transposed)
    return found


# Ops that touch no memory by themselves: with them and matmuls only, every access of the
# function is one the model predicts.
_ACCESS_FREE = ("linalg.matmul", "linalg.conv_2d_nhwc_fhwc_q", "linalg.depthwise_conv_2d_nhwc_hwcm_q",
                "memref.get_global", "memref.subview", "memref.alloc", "memref.dealloc",
                "arith.constant", "func.return")


def _other_ops(function: Operation) -> int:
    """Ops of the function body that may access memory and are not matmuls or convolutions:
    the model predicts every access when mema-tile fused them all (a bias fill, a
    requantization) into the tiles."""
    return sum(op.operation.name not in _ACCESS_FREE for op in function.regions[0].blocks[0].operations)


def numpy_reference(single: SingleMatmul, inputs: Sequence[np.ndarray]) -> tuple[int, np.ndarray]:
    """(index of C's argument, C + A.B with int32 wrap-around) for a single-matmul function."""
    a, b, c = (inputs[s] if isinstance(s, int) else s for s in single.sources)
    b_kn = b.T if single.b_transposed else b
    exact = c.astype(np.int64) + a.astype(np.int64) @ b_kn.astype(np.int64)
    c_index = single.sources[2]
    assert isinstance(c_index, int)
    return c_index, ((exact + 2**31) % 2**32 - 2**31).astype(np.int32)


def _measured(result: RunResult) -> dict[str, float]:
    regions = result.traffic.regions
    data = [counts for name, counts in regions.items() if name != "stack"]
    return {
        "loads": sum(c.reads for c in data),
        "stores": sum(c.writes for c in data),
        "load_bytes": sum(c.read_bytes for c in data),
        "store_bytes": sum(c.write_bytes for c in data),
        "instructions": result.instructions,
        "cycles": result.cycles,
    }


def check_file(text: str, *, target: str = "cortex-m4", objective: str = "cycles",
               schedule: str = "analytic", seed: int = 0, llvm_opt: str = "none") -> list[FunctionCheck]:
    """Compile `text` both ways, run every public function, compare; one FunctionCheck each."""
    model.load_target(target)  # a bad target is a TargetError before anything runs
    compiled = api.compile_module(text, emit_kind="obj", target=target, objective=objective, schedule=schedule,
                                  llvm_opt=llvm_opt)
    reference: bytes | None = None  # compiled on first need: numpy covers plain matmuls
    with Context():
        original = Module.parse(text)
        functions = memref_arguments(original)
        singles = single_matmuls(original)
        other_ops = {name: _other_ops(function) for name, function in public_functions(original)}
    rng = np.random.default_rng(seed)
    checks = []
    for name, arguments in functions.items():
        decisions = [d for d in compiled.decisions if d.function == name]
        inputs = random_inputs(arguments, rng)
        buffers = [Buffer(f"arg{i}", data.copy(), "sram") for i, data in enumerate(inputs)]
        ours = run_function(compiled.output, name, buffers)
        problems = []
        expected = None
        if name in singles:
            c_index, expected = numpy_reference(singles[name], inputs)
            bit_exact = np.array_equal(ours.outputs[buffers[c_index].name], expected)
            if not bit_exact:
                problems.append("output differs from numpy")
        else:
            if reference is None:
                reference = reference_object(text, target)
            theirs = run_function(reference, name, [Buffer(b.name, b.data.copy(), "sram") for b in buffers])
            bit_exact = all(np.array_equal(ours.outputs[b.name], theirs.outputs[b.name]) for b in buffers)
            if not bit_exact:
                problems.append("outputs differ from the upstream lowering")
        predicted = {key: sum(d.predicted.get(key, 0) for d in decisions if not d.skipped)
                     for key in ("loads", "stores", "load_bytes", "store_bytes", "instructions", "cycles")}
        measured = _measured(ours)
        tiled = decisions and all(not d.skipped for d in decisions)
        counts_compared = bool(tiled) and other_ops[name] == sum(d.fused_ops for d in decisions)
        if counts_compared:
            for key in ("loads", "stores", "load_bytes", "store_bytes"):
                if predicted[key] != measured[key]:
                    problems.append(f"{key}: predicted {predicted[key]}, measured {measured[key]}")
        stack = ours.traffic.regions.get("stack")
        loop = hottest_loop(ours)
        checks.append(FunctionCheck(
            function=name,
            matmuls=[f"{d.m}x{d.n}x{d.k}" if not d.skipped else "skipped" for d in decisions],
            predicted=predicted, measured=measured,
            stack={"reads": stack.reads if stack else 0, "writes": stack.writes if stack else 0},
            bit_exact=bit_exact,
            numpy_checked=expected is not None, problems=problems, counts_compared=counts_compared,
            hot_loop=None if loop is None else {
                "iterations": loop.iterations, "instructions": len(loop.instructions),
                "trace_cycles_per_iteration": loop.trace_cycles_per_iteration,
                "mca_cycles_per_iteration": loop.mca_cycles_per_iteration,
                "mca_over_trace": loop.mca_ratio,
            },
        ))
    return checks


def format_table(checks: Sequence[FunctionCheck]) -> str:
    """One row per function: predicted/measured loads, stores, bytes, instructions, est. cycles."""
    header = (f"{'function':<24} {'MxNxK':<14} {'loads p/m':>17} {'stores p/m':>15} {'bytes p/m':>19} "
              f"{'instr p/m':>19} {'est. cycles p/m':>19} {'stack r/w':>10}  result")
    rows = [header, "-" * len(header)]
    for check in checks:
        p, m = check.predicted, check.measured
        rows.append(
            f"{check.function:<24} {','.join(check.matmuls) or '-':<14} "
            f"{p['loads']:>8}/{m['loads']:<8} {p['stores']:>7}/{m['stores']:<7} "
            f"{p['load_bytes'] + p['store_bytes']:>9}/{m['load_bytes'] + m['store_bytes']:<9} "
            f"{p['instructions']:>9}/{m['instructions']:<9} {p['cycles']:>9}/{m['cycles']:<9} "
            f"{check.stack['reads']:>4}/{check.stack['writes']:<5}  "
            + ("ok" + (" (numpy)" if check.numpy_checked else "")
               + ("" if check.counts_compared else " (counts not compared: predicted covers tiled matmuls only)")
               if check.ok else "FAIL: " + "; ".join(check.problems))
        )
    for check in checks:
        loop = check.hot_loop
        if loop is None:
            continue
        mca = (f"{loop['mca_cycles_per_iteration']:.2f} by llvm-mca -mcpu=cortex-m4 "
               f"(ratio {loop['mca_over_trace']:.2f})" if loop["mca_cycles_per_iteration"] else "llvm-mca failed")
        rows.append(f"{check.function}: hottest loop {loop['instructions']} instructions x {loop['iterations']} "
                    f"iterations: {loop['trace_cycles_per_iteration']:.2f} est. cycles/iteration in the trace, {mca}")
    return "\n".join(rows)


def to_json(checks: Sequence[FunctionCheck]) -> str:
    """Machine-readable form of the checks."""
    payload: list[dict[str, Any]] = []
    for check in checks:
        entry = asdict(check)
        entry["ok"] = check.ok
        payload.append(entry)
    return json.dumps({"functions": payload}, indent=2) + "\n"
