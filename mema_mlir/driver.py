"""The mema-opt driver: mlir-opt's contract, our passes, MEMA's emission formats.

Kept apart from the argparse front end (mema_mlir.cli.mema_opt) so tests call it in-process. Each
`--split-input-file` chunk gets a fresh context and is padded with blank lines so that locations
keep the original file's line numbers. Nothing reaches the user as a traceback: every failure is a
diagnostic `file:line:col: error: ...` or a one-line `mema-opt: error: ...`, and exit status 1.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from mlir.ir import Context, MLIRError, Module
from mlir.passmanager import PassManager

from mema_mlir import diagnostics, emit, header, model, parse_guard
from mema_mlir.emulator.errors import EmulatorError
from mema_mlir.footprint import capacity_warnings, object_footprint
from mema_mlir.lowering.stages import BUFFERIZE, COMPILE_PIPELINE
from mema_mlir.output_file import write_output
from mema_mlir.pipeline import Pipeline, PipelineError
from mema_mlir.planning import Decision
from mema_mlir.transform_script import transform_script

SPLIT_MARKER = "// -----"


@dataclass(frozen=True)
class DriverConfig:
    """Everything a mema-opt invocation asks for (the CLI flags, typed)."""

    input_path: str = "-"
    output_path: str = "-"
    pass_pipeline: str | None = None
    split_input_file: bool = False
    verify_each: bool = True
    print_ir_after_all: bool = False
    allow_unregistered_dialect: bool = False
    emit: str = "mlir"
    target: str = "cortex-m4"
    objective: str = "cycles"
    schedule: str = "analytic"
    report_path: str | None = None
    remarks: bool = False
    llvm_opt: str = "none"  # O2: opt between mlir-translate and llc (mema_mlir.llvm_opt)

    def pass_defaults(self) -> dict[str, Any]:
        """Defaults our passes take from --mema-* flags unless the pipeline text sets them."""
        return {"target": self.target, "objective": self.objective, "schedule": self.schedule}


class DriverFailure(Exception):
    """A problem that is not about a location in the IR (bad flag, missing file)."""


class LocatedFailure(Exception):
    """A failure at a place in the input, carried as the diagnostic to print."""

    def __init__(self, diagnostic: diagnostics.Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


@dataclass
class ChunkResult:
    ok: bool
    output: bytes = b""
    diagnostics: list[diagnostics.Diagnostic] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)


def split_chunks(text: str, split: bool) -> list[tuple[str, int]]:
    """(chunk text padded to its original line, first line) for each `// -----` chunk."""
    if not split:
        return [(text, 1)]
    chunks: list[tuple[str, int]] = []
    lines = text.splitlines(keepends=True)
    start = 0
    for index, line in enumerate(lines + [SPLIT_MARKER]):
        if line.strip() == SPLIT_MARKER or index == len(lines):
            body = "".join(lines[start:index])
            chunks.append(("\n" * start + body, start + 1))
            start = index + 1
    return chunks


class Driver:
    """Runs one mema-opt invocation; `run()` returns the exit status."""

    def __init__(self, config: DriverConfig, stdout: IO[bytes], stderr: IO[str]) -> None:
        self.config = config
        self.stdout = stdout
        self.stderr = stderr

    def error(self, message: str) -> int:
        self.stderr.write(f"mema-opt: error: {message}\n")
        return 1

    def run(self) -> int:
        config = self.config
        if config.emit not in emit.EMIT_FORMATS:
            return self.error(f"unknown --emit={config.emit}; expected one of {', '.join(emit.EMIT_FORMATS)}")
        try:
            target = model.load_target(config.target)
        except model.TargetError as err:
            return self.error(str(err))
        try:
            pipeline = self.build_pipeline()
        except PipelineError as err:
            return self.error(str(err))
        try:
            text = self.read_input()
        except DriverFailure as err:
            return self.error(str(err))
        source_lines = text.splitlines()
        chunks = split_chunks(text, config.split_input_file)
        if config.emit == "obj" and len(chunks) > 1:
            return self.error("--emit=obj writes one object: it cannot hold several "
                              "--split-input-file chunks; compile each chunk from its own file")
        results: list[ChunkResult] = []
        for chunk, _first_line in chunks:
            results.append(self.run_chunk(chunk, pipeline, target))
        display = "<stdin>" if config.input_path == "-" else config.input_path
        decisions: list[Decision] = []
        for result in results:
            for diagnostic in result.diagnostics:
                self.stderr.write(diagnostics.render(diagnostic, display, source_lines) + "\n")
            decisions.extend(result.decisions)
        if config.remarks:
            for decision in decisions:
                remark = diagnostics.Diagnostic("remark", decision.remark(), decision.line, decision.col)
                self.stderr.write(diagnostics.render(remark, display, source_lines) + "\n")
        ok = all(r.ok for r in results)
        if ok and config.emit == "obj":
            try:
                for warning in capacity_warnings(results[0].output, target):
                    self.stderr.write(f"mema-opt: warning: {warning}\n")
            except EmulatorError:
                pass  # an object mema's loader cannot lay out (a user pipeline's): nothing to say
        if config.report_path and ok:
            try:
                self.write_report(decisions, target, results[0].output if config.emit == "obj" else None)
            except OSError as err:
                return self.error(f"cannot write report {config.report_path}: {err.strerror}")
        separator = f"\n{SPLIT_MARKER}\n".encode()
        output = separator.join(r.output for r in results if r.ok)
        if config.output_path == "-":
            self.stdout.write(output)
        elif ok:
            try:
                self.write_file(config.output_path, output)
            except OSError as err:
                return self.error(f"cannot write {config.output_path}: {err.strerror}")
        return 0 if ok else 1

    def build_pipeline(self) -> Pipeline | None:
        config = self.config
        defaults = config.pass_defaults()
        if config.pass_pipeline is not None:
            return Pipeline.parse(config.pass_pipeline, defaults)
        if config.emit in ("llvm", "asm", "obj"):
            return Pipeline.parse(COMPILE_PIPELINE, defaults)
        if config.emit == "transform" or config.report_path or config.remarks:
            return Pipeline.parse("mema-analyze", defaults)
        return None

    def read_input(self) -> str:
        path = self.config.input_path
        if path == "-":
            return sys.stdin.read()
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read()
        except FileNotFoundError:
            raise DriverFailure(f"cannot open input file '{path}': no such file") from None
        except (OSError, UnicodeDecodeError) as err:
            raise DriverFailure(f"cannot read input file '{path}': {err}") from None

    def write_file(self, path: str, data: bytes) -> None:
        """Write atomically: the output file exists only if the whole run succeeded."""
        write_output(path, data, ".mema-opt-")

    def write_report(self, decisions: Sequence[Decision], target: model.Target, obj: bytes | None) -> None:
        """The decisions as JSON; with an object, also its flash, static SRAM and stack."""
        display = "<stdin>" if self.config.input_path == "-" else self.config.input_path
        report: dict[str, Any] = {"target": target.name, "ops": [d.report_entry(display) for d in decisions]}
        if obj is not None:
            try:
                report["footprint"] = object_footprint(obj).report()
            except EmulatorError as err:  # an object mema's loader cannot lay out (a user pipeline's)
                report["footprint"] = {"error": str(err)}
        self.write_file(self.config.report_path or "", (json.dumps(report, indent=2) + "\n").encode())

    def run_chunk(self, text: str, pipeline: Pipeline | None, target: model.Target) -> ChunkResult:
        config = self.config
        result = ChunkResult(ok=False)
        with Context() as context:
            context.allow_unregistered_dialects = config.allow_unregistered_dialect

            def handler(diagnostic: Any) -> bool:
                result.diagnostics.append(diagnostics.from_mlir(diagnostic))
                return True

            context.attach_diagnostic_handler(handler)
            refused = (parse_guard.redefined_block(text)
                       or parse_guard.parser_abort(text, config.allow_unregistered_dialect))
            if refused is not None:  # MLIR's parser would abort on it
                result.diagnostics.append(refused)
                return result
            try:
                module = Module.parse(text)
            except MLIRError as err:
                result.diagnostics.extend(diagnostics.from_mlir(d, "error") for d in err.error_diagnostics)
                return result
            signatures: list[header.FunctionSignature] = []
            if config.emit == "header":
                try:
                    signatures = header.signatures(self.bufferized(module))
                except header.HeaderError as err:
                    result.diagnostics.append(err.diagnostic)
                    return result
                except MLIRError as err:  # bufferization refused the module: its own located errors
                    result.diagnostics.extend(diagnostics.from_mlir(d, "error") for d in err.error_diagnostics)
                    return result
            ours: list[Any] = []
            if pipeline is not None:
                pm = PassManager("builtin.module")
                pm.enable_verifier(config.verify_each)
                if config.print_ir_after_all:
                    pm.enable_ir_printing(print_after_all=True)
                try:
                    ours = pipeline.install(pm)
                except PipelineError as err:
                    result.diagnostics.append(diagnostics.Diagnostic("error", str(err)))
                    return result
                try:
                    pm.run(module.operation)
                except MLIRError as err:
                    result.diagnostics.extend(diagnostics.from_mlir(d, "error") for d in err.error_diagnostics)
                    return result
                finally:
                    for pass_object in ours:
                        result.decisions.extend(getattr(pass_object, "decisions", []))
            try:
                result.output = self.emit_chunk(module, signatures, result.decisions, target)
            except LocatedFailure as err:
                result.diagnostics.append(err.diagnostic)
                return result
            except (emit.EmitError, DriverFailure) as err:
                result.diagnostics.append(diagnostics.Diagnostic("error", str(err)))
                return result
            result.ok = True
            return result

    @staticmethod
    def bufferized(module: Module) -> Module:
        """A copy of `module` through mema-bufferize, as the compile runs it: tensors become
        memrefs and results (tensor or memref) become trailing output arguments."""
        copy = Module.parse(module.operation.get_asm(enable_debug_info=True))  # keeps the source locations
        PassManager.parse(BUFFERIZE.pipeline()).run(copy.operation)
        return copy

    def emit_chunk(self, module: Module, signatures: Sequence[header.FunctionSignature],
                   decisions: Sequence[Decision], target: model.Target) -> bytes:
        kind = self.config.emit
        if kind == "mlir":
            return (str(module).rstrip("\n") + "\n").encode()
        if kind == "header":
            return header.c_header(signatures).encode()
        if kind == "transform":
            return transform_script(module, decisions).encode()
        try:
            emit.lower_to_llvm_dialect(module)
        except MLIRError as err:
            if not err.error_diagnostics:
                raise DriverFailure(f"--emit={kind}: the IR does not lower to the LLVM dialect: {err}") from None
            first = diagnostics.from_mlir(err.error_diagnostics[0], "error")
            raise LocatedFailure(dataclasses.replace(
                first, message=f"--emit={kind}: the IR does not lower to the LLVM dialect: {first.message}")) from None
        return emit.emit_lowered(module, target, kind, self.config.llvm_opt)
