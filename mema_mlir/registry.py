"""The one registry of mema's Python-defined passes, by pipeline name.

Upstream MLIR cannot register a Python pass by name, so `mema-opt` and the Python API look our
passes up here and hand upstream names to MLIR's own parser. Pass modules are imported lazily, on
the first lookup, so `import mema_mlir` stays cheap.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from typing import Any, TypeVar, get_type_hints

from mema_mlir.options import describe_type, option_fields

# Modules that define passes; importing one runs its @register_pass decorators.
_PASS_MODULES: tuple[str, ...] = (
    "mema_mlir.passes.mema_analyze",
    "mema_mlir.passes.mema_tile",
    "mema_mlir.passes.mema_static_buffers",
    "mema_mlir.passes.mema_copies_to_linalg",
    "mema_mlir.passes.mema_word_copies",
    "mema_mlir.passes.mema_narrow_shifts",
    "mema_mlir.passes.mema_check_lowering",
)

_REGISTRY: dict[str, type] = {}
_loaded = False

P = TypeVar("P", bound=type)


def register_pass(name: str) -> Callable[[P], P]:
    """Class decorator: make a frozen-dataclass pass known under its kebab-case pipeline name."""

    def decorate(cls: P) -> P:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"pass '{name}' must be a dataclass")
        if name in _REGISTRY and _REGISTRY[name] is not cls:
            raise ValueError(f"pass name '{name}' is registered twice")
        cls.pass_name = name  # type: ignore[attr-defined]
        _REGISTRY[name] = cls
        return cls

    return decorate


def _load() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in _PASS_MODULES:
            importlib.import_module(module)


def lookup(name: str) -> type | None:
    """The pass class registered as `name`, or None."""
    _load()
    return _REGISTRY.get(name)


def pass_names() -> list[str]:
    """All registered pass names, sorted."""
    _load()
    return sorted(_REGISTRY)


def describe_passes() -> str:
    """The `--list-passes` text: each pass, its summary and its typed options with defaults."""
    _load()
    lines: list[str] = []
    for name in sorted(_REGISTRY):
        cls = _REGISTRY[name]
        summary = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
        lines.append(f"  {name}  -  {summary}")
        hints = get_type_hints(cls)
        for option, field in option_fields(cls).items():
            default: Any = field.default
            if default is dataclasses.MISSING:
                default = "(required)"
            lines.append(f"      {option}: {describe_type(hints[field.name])} = {default}")
    from mema_mlir.lowering.stages import BUFFERIZE, STAGES, named_pipelines

    lines.append("named pipelines (expand to upstream passes):")
    whys = {stage.name: stage.why for stage in (BUFFERIZE, *STAGES)}
    for name, passes in named_pipelines().items():
        lines.append(f"  {name}  -  {whys.get(name, 'every lowering stage, in order')}")
        lines.append(f"      = {','.join(passes)}")
    return "\n".join(lines)
