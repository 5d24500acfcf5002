"""Pipeline text that mixes upstream MLIR passes and mema's Python passes.

`builtin.module(canonicalize, mema-tile{target=cortex-m4}, func.func(cse))` is split into runs of
upstream elements, handed to MLIR's own parser as text, and our passes, built from the registry
with typed options and added as Python pass objects. A pipeline prints back as the text that
`--pass-pipeline` accepts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mlir.ir import Context
from mlir.passmanager import PassManager

from mema_mlir import registry
from mema_mlir.lowering.stages import named_pipelines
from mema_mlir.options import OptionError, build_options


class PipelineError(ValueError):
    """Pipeline text that does not parse, names an unknown pass, or misplaces one of ours."""


@dataclass(frozen=True)
class Element:
    """One pipeline element: a pass with option text, or an op anchor with a nested pipeline."""

    name: str
    options: str = ""
    children: tuple[Element, ...] | None = None

    def __str__(self) -> str:
        text = self.name
        if self.options:
            text += "{" + self.options + "}"
        if self.children is not None:
            text += "(" + ",".join(str(c) for c in self.children) + ")"
        return text


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, message: str) -> PipelineError:
        return PipelineError(f"pass pipeline, column {self.pos + 1}: {message}")

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def parse_list(self, closing: str | None) -> tuple[Element, ...]:
        elements: list[Element] = []
        while True:
            self.skip_space()
            if self.pos >= len(self.text) or self.text[self.pos] == closing:
                if elements and self.text[self.pos - 1 : self.pos] == ",":
                    raise self.error("expected a pass name after ','")
                break
            elements.append(self.parse_element())
            self.skip_space()
            if self.pos < len(self.text) and self.text[self.pos] == ",":
                self.pos += 1
                continue
            break
        return tuple(elements)

    def parse_element(self) -> Element:
        start = self.pos
        while self.pos < len(self.text) and (self.text[self.pos].isalnum() or self.text[self.pos] in "-_."):
            self.pos += 1
        name = self.text[start : self.pos]
        if not name:
            raise self.error(f"expected a pass name, found '{self.text[self.pos:self.pos + 1]}'")
        options = ""
        if self.pos < len(self.text) and self.text[self.pos] == "{":
            depth, begin = 0, self.pos + 1
            while self.pos < len(self.text):
                ch = self.text[self.pos]
                depth += ch == "{"
                depth -= ch == "}"
                self.pos += 1
                if depth == 0:
                    break
            if depth != 0:
                raise self.error(f"unbalanced '{{' in the options of '{name}'")
            options = self.text[begin : self.pos - 1].strip()
        children = None
        self.skip_space()
        if self.pos < len(self.text) and self.text[self.pos] == "(":
            self.pos += 1
            children = self.parse_list(")")
            if self.pos >= len(self.text) or self.text[self.pos] != ")":
                raise self.error(f"expected ')' to close '{name}('")
            self.pos += 1
        return Element(name, options, children)


def parse_pipeline(text: str) -> tuple[Element, ...]:
    """Parse pipeline text into the elements that run on the top-level builtin.module."""
    parser = _Parser(text.strip())
    elements = parser.parse_list(None)
    parser.skip_space()
    if parser.pos != len(parser.text):
        raise parser.error(f"unexpected '{parser.text[parser.pos]}'")
    if len(elements) == 1 and elements[0].name == "builtin.module" and elements[0].children is not None:
        return expand_named(elements[0].children)
    for element in elements:
        if element.children is not None and element.name == "builtin.module":
            raise PipelineError("builtin.module(...) must be the whole pipeline")
    return expand_named(elements)


def expand_named(elements: tuple[Element, ...]) -> tuple[Element, ...]:
    """Replace mema's named pipelines (the lowering stages) by the upstream passes they stand for."""
    named = named_pipelines()
    expanded: list[Element] = []
    for element in elements:
        if element.name in named and element.children is None:
            if element.options:
                raise PipelineError(f"'{element.name}' is a named pipeline and takes no options")
            expanded.extend(_Parser(",".join(named[element.name])).parse_list(None))
        else:
            expanded.append(element)
    return tuple(expanded)


def _check_not_nested(elements: Iterable[Element], anchor: str) -> None:
    for element in elements:
        if element.children is not None:
            _check_not_nested(element.children, element.name)
        elif registry.lookup(element.name) is not None:
            raise PipelineError(
                f"'{element.name}' is a mema pass and runs on the whole module: put it at the top "
                f"level of builtin.module(...), not inside '{anchor}(...)'"
            )


@dataclass
class Pipeline:
    """A parsed pipeline: printable as text and installable into a PassManager."""

    elements: tuple[Element, ...]
    defaults: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str, defaults: dict[str, Any] | None = None) -> Pipeline:
        """Parse `text`; `defaults` (e.g. from --mema-target) fill options our passes leave out."""
        pipeline = cls(parse_pipeline(text), dict(defaults or {}))
        for element in pipeline.elements:
            if element.children is not None:
                _check_not_nested(element.children, element.name)
        pipeline.mema_passes()  # build once now, so bad options fail before any IR is read
        with Context():
            pipeline.install(PassManager("builtin.module"))  # and unknown upstream passes too
        return pipeline

    def __str__(self) -> str:
        return "builtin.module(" + ",".join(str(e) for e in self.elements) + ")"

    def mema_passes(self) -> list[Any]:
        """Instantiate our passes (in order); raises PipelineError for bad options."""
        passes = []
        for element in self.elements:
            cls = registry.lookup(element.name)
            if cls is None:
                continue
            if element.children is not None:
                raise PipelineError(f"'{element.name}' takes options in {{}}, not a nested pipeline")
            try:
                passes.append(build_options(cls, element.name, element.options, self.defaults))
            except OptionError as err:
                raise PipelineError(str(err)) from None
        return passes

    def install(self, pm: PassManager) -> list[Any]:
        """Add every element to `pm` in order; return our pass objects (they hold their results)."""
        ours = iter(self.mema_passes())
        installed: list[Any] = []
        upstream: list[str] = []

        def flush() -> None:
            if upstream:
                text = ",".join(upstream)
                try:
                    pm.add(text)
                except ValueError as err:
                    raise PipelineError(_first_line_of_mlir_pipeline_error(str(err))) from None
                upstream.clear()

        for element in self.elements:
            if element.name == GUARDED_PASS:  # MLIR aborts on some input there: check it first
                flush()
                add_to_pass_manager(pm, registry.lookup(GUARD_PASS)())
            if registry.lookup(element.name) is None:
                upstream.append(str(element))
                continue
            flush()
            pass_object = next(ours)
            add_to_pass_manager(pm, pass_object)
            installed.append(pass_object)
        flush()
        return installed


# The upstream pass that aborts (asserts) on sub-byte memref accesses instead of failing, and
# our pass that refuses them with a located error; installed in front of every occurrence.
GUARDED_PASS = "finalize-memref-to-llvm"
GUARD_PASS = "mema-check-lowering"


def install_lowering(pm: PassManager) -> None:
    """The lowering stages into `pm`, guarded like any pipeline (mema-check-lowering first)."""
    from mema_mlir.lowering.stages import lowering_passes

    Pipeline.parse("builtin.module(" + ",".join(lowering_passes()) + ")").install(pm)


def add_to_pass_manager(pm: PassManager, pass_object: Any) -> None:
    """Add one of our pass objects to any PassManager, under its registered name."""
    pm.add(pass_object, name=type(pass_object).__name__, argument=type(pass_object).pass_name)


def _first_line_of_mlir_pipeline_error(message: str) -> str:
    """MLIR's pipeline errors carry a caret drawing; keep the sentence and add our passes' names."""
    lines = [line for line in message.splitlines() if line.strip()]
    for line in lines:
        if "error:" in line:
            text = line.split("error:", 1)[1].strip()
            if "does not refer to a registered pass" in text:
                text += f" (mema passes: {', '.join(registry.pass_names())})"
            return text
    return " ".join(lines)
