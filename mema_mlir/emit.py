"""From LLVM-dialect MLIR to the artefacts a firmware build wants: LLVM IR, assembly, an object,
a C header; and a transform-dialect script carrying MEMA's tile sizes for C++-only MLIR flows.

The bundled mlir-translate and llc do the work (found by mema_mlir.tools, never on PATH).
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from mlir.ir import Module, Operation, UnitAttr, WalkResult
from mlir.passmanager import PassManager

from mema_mlir import llvm_opt as llvm_opt_module
from mema_mlir.model import Target
from mema_mlir.tools import find_tool

EMIT_FORMATS = ("mlir", "llvm", "asm", "obj", "header", "transform")

# The default (greedy) register allocator: the DSP kernels' k loops are inline assembly, and
# PBQP aborts in its spiller on the 14-register statements (seen with llc 22).
LLC_FLAGS: tuple[str, ...] = ("-O3",)


class EmitError(RuntimeError):
    """A bundled tool failed; the message carries its stderr."""


def _run(tool: str, args: Sequence[str], data: bytes) -> bytes:
    path = find_tool(tool)
    completed = subprocess.run([str(path), *args], input=data, capture_output=True, check=False)
    if completed.returncode != 0:
        raise EmitError(f"{tool} failed: {completed.stderr.decode(errors='replace').strip()}")
    return completed.stdout


def llc_arguments(target: Target, filetype: str) -> list[str]:
    """The llc command line for this target (also printed in reports, to reproduce by hand)."""
    args = [f"-mtriple={target.triple}", f"-mcpu={target.cpu}", *LLC_FLAGS, f"-filetype={filetype}"]
    if target.features:
        args.append(f"-mattr={target.features}")
    return args


def lower_to_llvm_dialect(module: Module) -> None:
    """Run the lowering stages on `module` in place, unless it is already all LLVM dialect.

    Raises MLIRError (with diagnostics) if the IR does not lower.
    """
    if is_llvm_dialect_only(module):
        return
    from mema_mlir.pipeline import install_lowering  # the pipeline module imports this one

    pm = PassManager("builtin.module")
    install_lowering(pm)
    pm.run(module.operation)


def is_llvm_dialect_only(module: Module) -> bool:
    """True when nothing but LLVM-dialect ops remain (what mlir-translate accepts)."""
    foreign: list[str] = []

    def visit(op: Operation) -> WalkResult:
        if not (op.name.startswith("llvm.") or op.name == "builtin.module"):
            foreign.append(op.name)
            return WalkResult.INTERRUPT
        return WalkResult.ADVANCE

    module.operation.walk(visit)
    return not foreign


def mark_no_unwind(module: Module) -> None:
    """Kernels never throw: `nounwind` keeps llc from referencing the EHABI personality routine
    (__aeabi_unwind_cpp_pr0) in .ARM.exidx, so objects stay self-contained for bare-metal links."""
    for op in module.body.operations:
        if op.operation.name == "llvm.func":
            op.operation.attributes["no_unwind"] = UnitAttr.get()


def emit_lowered(module: Module, target: Target, kind: str, llvm_opt: str = "none") -> bytes:
    """LLVM IR (`llvm`), assembly (`asm`) or an object (`obj`) from an LLVM-dialect module;
    `llvm_opt` O2 runs opt before llc (mema_mlir.llvm_opt; not on modules with MLA tiles)."""
    mark_no_unwind(module)
    optimize = llvm_opt != "none"
    if optimize:
        llvm_opt_module.keep_statement_loops_rolled(module)
    llvm_ir = translate_to_llvm_ir(str(module))
    if optimize:
        llvm_ir = _run("opt", [*llvm_opt_module.opt_arguments(llvm_opt, target), "-S", "-o", "-", "-"],
                       llvm_ir.encode()).decode()
    if kind == "llvm":
        return llvm_ir.encode()
    return compile_llvm_ir(llvm_ir, target, "asm" if kind == "asm" else "obj")


def translate_to_llvm_ir(llvm_dialect: str) -> str:
    """LLVM-dialect MLIR text to LLVM IR text."""
    return _run("mlir-translate", ["--mlir-to-llvmir", "-"], llvm_dialect.encode()).decode()


def compile_llvm_ir(llvm_ir: str, target: Target, filetype: str) -> bytes:
    """LLVM IR to assembly text (`asm`) or an ELF relocatable object (`obj`)."""
    return _run("llc", [*llc_arguments(target, filetype), "-o", "-", "-"], llvm_ir.encode())
