"""Turn MLIR diagnostics into mlir-opt style text: `file:line:col: error: message`.

The bindings parse from a string, so every location says "-"; we put the user's file name back,
and, since `--split-input-file` pads each chunk to its original line, the line numbers are the
file's own. The offending source line and a caret follow, as mlir-opt prints them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mlir.ir import Location


@dataclass(frozen=True)
class Diagnostic:
    """A diagnostic detached from its MLIR context (contexts die with their chunk)."""

    severity: str  # "error", "warning", "remark", "note"
    message: str
    line: int | None = None
    col: int | None = None
    notes: tuple[Diagnostic, ...] = ()


def _file_line_col(location: Location) -> tuple[int, int] | None:
    """The first file:line:col inside any location kind (fused, named, call site)."""
    if location.is_a_file():
        if location.start_line <= 0:  # the module's own location: no place in the file
            return None
        return location.start_line, location.start_col
    if location.is_a_name():
        return _file_line_col(location.child_loc)
    if location.is_a_callsite():
        return _file_line_col(location.callee)
    if location.is_a_fused():
        for inner in location.locations:
            found = _file_line_col(inner)
            if found is not None:
                return found
    return None


def _severity_name(severity: object) -> str:
    text = str(severity).rsplit(".", 1)[-1].lower()
    return text if text in ("error", "warning", "remark", "note") else "error"


def from_mlir(diagnostic: object, severity: str | None = None) -> Diagnostic:
    """Copy an `mlir.ir.Diagnostic` or `DiagnosticInfo` into a plain Diagnostic."""
    location = diagnostic.location  # type: ignore[attr-defined]
    where = _file_line_col(location)
    notes = tuple(from_mlir(n, "note") for n in getattr(diagnostic, "notes", ()))
    return Diagnostic(
        severity or _severity_name(diagnostic.severity),  # type: ignore[attr-defined]
        diagnostic.message,  # type: ignore[attr-defined]
        where[0] if where else None,
        where[1] if where else None,
        notes,
    )


def at_location(severity: str, message: str, location: Location) -> Diagnostic:
    """A diagnostic of our own (remarks, driver errors) placed at an op's location."""
    where = _file_line_col(location)
    return Diagnostic(severity, message, where[0] if where else None, where[1] if where else None)


def render(diagnostic: Diagnostic, filename: str, source_lines: Sequence[str] = ()) -> str:
    """mlir-opt's rendering: `file:line:col: severity: message`, the source line, a caret."""
    if diagnostic.line is None:
        head = f"{filename}: {diagnostic.severity}: {diagnostic.message}"
    else:
        head = f"{filename}:{diagnostic.line}:{diagnostic.col}: {diagnostic.severity}: {diagnostic.message}"
    parts = [head]
    if diagnostic.line is not None and 0 < diagnostic.line <= len(source_lines):
        text = source_lines[diagnostic.line - 1].rstrip("\n")
        parts.append(text)
        parts.append(" " * max((diagnostic.col or 1) - 1, 0) + "^")
    parts.extend(render(note, filename, source_lines) for note in diagnostic.notes)
    return "\n".join(parts)
