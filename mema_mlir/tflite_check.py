"""A TFLite model through mema on the emulated Cortex-M4, against the LiteRT interpreter.

The model is imported (mema_mlir.tflite_import), compiled to one object by mema's pipeline, and
its entry `void name(const int8_t *in, ..., int8_t *out, ...)` run on seeded random int8 inputs;
each output is compared bit for bit with the `ai-edge-litert` interpreter's. Which interpreter
kernels: "reference" (OpResolverType.BUILTIN_REF) or "optimized" (the default kernels). Measured:
the MLPerf Tiny anomaly-detection model matches both (with the importer's default single
rounding); the keyword-spotting model matches the optimized kernels on every input tried, and
the reference kernels differ on some (1 of 8, by 3) also when its convolutions are left to
upstream MLIR's lowering: the difference is in the converter's TOSA form of another operator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mema_mlir import api, model
from mema_mlir.emulator import Buffer, run_function
from mema_mlir.lowering.stages import COMPILE_PIPELINE
from mema_mlir.model.costs import counted_energy_nj
from mema_mlir.tflite_import import TFLiteImportError, import_tflite, symbol_name

KERNELS = ("reference", "optimized")
MAX_INSTRUCTIONS = 4_000_000_000


@dataclass
class InputRun:
    """One input: whether every output matched, and what the emulator counted."""

    exact: bool
    max_difference: int
    cycles: int
    instructions: int
    loads: int
    stores: int
    stack_reads: int
    stack_writes: int
    memory: dict[str, tuple[int, int]] = field(default_factory=dict)  # (reads, writes) per memory
    energy_nj: float = 0.0  # estimated: the target's per-cycle and per-access figures


@dataclass
class ModelCheck:
    """Every input of one model, the interpreter kernels compared against, the object's size."""

    model: str
    function: str
    kernels: str
    runs: list[InputRun] = field(default_factory=list)
    text_bytes: int = 0
    flash_bytes: int = 0
    sram_bytes: int = 0
    decisions: list[Any] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(run.exact for run in self.runs)


def interpreter(path: Path, kernels: str) -> Any:
    """A LiteRT interpreter of the model with the chosen kernels, tensors allocated."""
    try:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType
    except ImportError:
        raise TFLiteImportError("ai-edge-litert is not installed: pip install 'mema-mlir[tflite]'") from None
    if kernels not in KERNELS:
        raise ValueError(f"kernels '{kernels}': expected one of {', '.join(KERNELS)}")
    resolver = OpResolverType.BUILTIN_REF if kernels == "reference" else OpResolverType.AUTO
    engine = Interpreter(model_path=str(path), experimental_op_resolver_type=resolver)
    engine.allocate_tensors()
    return engine


def check_model(path: Path, *, inputs: int = 8, seed: int = 0, kernels: str = "reference",
                target: str = "cortex-m4", objective: str = "cycles", schedule: str = "analytic",
                pipeline: str = COMPILE_PIPELINE, llvm_opt: str = "none") -> ModelCheck:
    """Import, compile (with `pipeline`) and run `inputs` random inputs; compare each with the
    interpreter."""
    name = symbol_name(path.stem)
    target_description = model.load_target(target)
    text = import_tflite(path, name)
    compiled = api.compile_module(text, emit_kind="obj", target=target, objective=objective, schedule=schedule,
                                  pipeline=pipeline, llvm_opt=llvm_opt)
    engine = interpreter(path, kernels)
    ins, outs = engine.get_input_details(), engine.get_output_details()
    check = ModelCheck(str(path), name, kernels, decisions=compiled.decisions)
    rng = np.random.default_rng(seed)
    for _ in range(inputs):
        arrays = []
        for detail in ins:
            info = np.iinfo(detail["dtype"])
            data = rng.integers(info.min, int(info.max) + 1, detail["shape"]).astype(detail["dtype"])
            arrays.append(data)
            engine.set_tensor(detail["index"], data)
        engine.invoke()
        expected = [engine.get_tensor(detail["index"]) for detail in outs]
        buffers = [Buffer(f"in{i}", a.copy(), "sram") for i, a in enumerate(arrays)]
        buffers += [Buffer(f"out{i}", np.zeros(d["shape"], d["dtype"]), "sram") for i, d in enumerate(outs)]
        result = run_function(compiled.output, name, buffers, max_instructions=MAX_INSTRUCTIONS)
        difference = max(int(np.abs(result.outputs[f"out{i}"].astype(np.int64) - e.astype(np.int64)).max())
                         for i, e in enumerate(expected))
        data = {k: c for k, c in result.traffic.regions.items() if k != "stack"}
        memory = {k: (c.reads, c.writes) for k, c in data.items()}
        check.runs.append(InputRun(
            exact=difference == 0, max_difference=difference, cycles=result.cycles,
            instructions=result.instructions, loads=sum(c.reads for c in data.values()),
            stores=sum(c.writes for c in data.values()), stack_reads=result.traffic.regions["stack"].reads,
            stack_writes=result.traffic.regions["stack"].writes, memory=memory,
            energy_nj=counted_energy_nj(target_description, result.cycles, memory)))
        sections = result.image.sections
        check.text_bytes = sum(s.size for s in sections if s.executable)
        check.flash_bytes = sum(s.size for s in sections if s.region == "flash")
        check.sram_bytes = sum(s.size for s in sections if s.region == "sram") + result.stack_bytes_used
    return check


def format_check(check: ModelCheck) -> str:
    """One line per input and a summary."""
    lines = [f"{check.model}: entry {check.function}, compared with LiteRT's {check.kernels} kernels",
             f"{'input':>5} {'result':<12} {'est. cycles':>12} {'instructions':>13} {'loads':>10} "
             f"{'stores':>10} {'stack r/w':>13}"]
    for index, run in enumerate(check.runs):
        result = "bit-exact" if run.exact else f"DIFF (max {run.max_difference})"
        lines.append(f"{index:>5} {result:<12} {run.cycles:>12} {run.instructions:>13} {run.loads:>10} "
                     f"{run.stores:>10} {run.stack_reads:>6}/{run.stack_writes:<6}")
    exact = sum(run.exact for run in check.runs)
    lines.append(f"{exact}/{len(check.runs)} inputs bit-exact; object: {check.text_bytes} bytes of code, "
                 f"{check.flash_bytes} bytes of flash, {check.sram_bytes} bytes of SRAM (static buffers and stack)")
    tiled = [d for d in check.decisions if not d.skipped]
    lines.append(f"{len(tiled)} of {len(check.decisions)} matmul-like ops tiled by mema")
    lines.append("est. cycles: from the Cortex-M4 timing table over the emulated trace (no silicon here)")
    return "\n".join(lines)
