"""The Python API: mema's passes in your PassManager, or a module compiled in one call.

    from mlir.passmanager import PassManager
    from mema_mlir import api
    pm = PassManager("builtin.module")
    api.add_pass(pm, "mema-tile", objective="energy")
    api.add_lowering(pm)
    pm.run(module.operation)

    obj = api.compile_module(module_text, emit="obj")        # bytes of an ELF object

A failed compilation raises CompileError whose message holds the diagnostics and the mema-opt
command that reproduces it on a dump of the input.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from typing import Any

from mlir.ir import Context, MLIRError, Module
from mlir.passmanager import PassManager

from mema_mlir import diagnostics, emit, model, parse_guard, registry
from mema_mlir.lowering.stages import COMPILE_PIPELINE
from mema_mlir.options import OptionError, build_options
from mema_mlir.pipeline import Pipeline, add_to_pass_manager, install_lowering
from mema_mlir.planning import Decision


class CompileError(RuntimeError):
    """A compilation failed; `.reproducer` is the command that reproduces it from a dump."""

    def __init__(self, message: str, reproducer: str) -> None:
        super().__init__(f"{message}\nreproduce with: {reproducer}")
        self.reproducer = reproducer


def create_pass(name: str, **options: Any) -> Any:
    """A mema pass object by its pipeline name, with typed options (ValueError if bad)."""
    cls = registry.lookup(name)
    if cls is None:
        raise ValueError(f"unknown mema pass '{name}'; known: {', '.join(registry.pass_names())}")
    text = " ".join(f"{key.replace('_', '-')}={value}" for key, value in options.items())
    try:
        return build_options(cls, name, text)
    except OptionError as err:
        raise ValueError(str(err)) from None


def add_pass(pm: PassManager, name: str, **options: Any) -> Any:
    """Add mema pass `name` to `pm`; returns the pass object (its `.decisions` fill as it runs)."""
    pass_object = create_pass(name, **options)
    add_to_pass_manager(pm, pass_object)
    return pass_object


def add_lowering(pm: PassManager) -> None:
    """Add the lowering stages (affine -> LLVM dialect, 32-bit index, bare pointers) to `pm`,
    with mema-check-lowering in front of the memref conversion (which aborts on i1 memrefs)."""
    install_lowering(pm)


@dataclass
class CompileResult:
    """What compile_module produced."""

    output: bytes
    decisions: list[Decision] = field(default_factory=list)


def _reproducer(text: str, pipeline: str, emit_kind: str, target: str) -> str:
    handle, path = tempfile.mkstemp(prefix="mema-repro-", suffix=".mlir")
    with os.fdopen(handle, "w") as out:
        out.write(text)
    return f"mema-opt --pass-pipeline='{pipeline}' --emit={emit_kind} --mema-target={target} {path}"


def compile_module(
    source: str | Module,
    *,
    emit_kind: str = "obj",
    target: str = "cortex-m4",
    objective: str = "cycles",
    schedule: str = "analytic",
    pipeline: str = COMPILE_PIPELINE,
    llvm_opt: str = "none",
) -> CompileResult:
    """Tile, lower and emit one module (text, or a Module whose context is current).

    `emit_kind` is `mlir` (the lowered LLVM dialect), `llvm`, `asm` or `obj`; `pipeline` replaces
    the default one (e.g. without mema-tile, to measure upstream MLIR's lowering of the same IR);
    `llvm_opt` O2 runs LLVM's middle end before llc (mema_mlir.llvm_opt).
    """
    if emit_kind not in ("mlir", "llvm", "asm", "obj"):
        raise ValueError(f"emit_kind '{emit_kind}': expected mlir, llvm, asm or obj")
    target_description = model.load_target(target)
    defaults = {"target": target, "objective": objective, "schedule": schedule}
    parsed = Pipeline.parse(pipeline, defaults)
    text = source if isinstance(source, str) else str(source)
    with Context():
        collected: list[diagnostics.Diagnostic] = []
        refused = parse_guard.redefined_block(text) or parse_guard.parser_abort(text)
        if refused is not None:  # MLIR's parser would abort on it
            raise CompileError(_render([refused], text), _reproducer(text, str(parsed), emit_kind, target))
        try:
            module = Module.parse(text)
        except MLIRError as err:
            collected = [diagnostics.from_mlir(d, "error") for d in err.error_diagnostics]
            raise CompileError(_render(collected, text), _reproducer(text, str(parsed), emit_kind, target)) from None
        pm = PassManager("builtin.module")
        ours = parsed.install(pm)
        try:
            pm.run(module.operation)
        except MLIRError as err:
            collected = [diagnostics.from_mlir(d, "error") for d in err.error_diagnostics]
            raise CompileError(_render(collected, text), _reproducer(text, str(parsed), emit_kind, target)) from None
        decisions = [d for p in ours for d in getattr(p, "decisions", [])]
        if emit_kind == "mlir":
            return CompileResult(str(module).encode(), decisions)
        try:
            output = emit.emit_lowered(module, target_description, emit_kind, llvm_opt)
        except emit.EmitError as err:
            raise CompileError(str(err), _reproducer(text, str(parsed), emit_kind, target)) from None
        return CompileResult(output, decisions)


def _render(found: list[diagnostics.Diagnostic], text: str) -> str:
    lines = text.splitlines()
    return "\n".join(diagnostics.render(d, "<input>", lines) for d in found) or "compilation failed"
