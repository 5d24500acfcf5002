"""What the model knows about a microcontroller: registers, DSP, memories and their costs.

A target is plain data, validated on construction, so that a bad JSON file fails at load time
with a message naming the file and the field rather than as a wrong number later. The JSON
format is documented in docs/model.md; the built-ins live in `targets/*.json` next to this file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from mema_mlir.model.errors import TargetError

DEFAULT_TARGET = "cortex-m4"
PLACEMENT_ROLES = ("weights", "activations", "outputs")
# Optional roles: where run-time working buffers (packed operands) live; default: with the
# activations.
OPTIONAL_PLACEMENT_ROLES = ("buffers",)
# Default budget for working buffers when a target file gives none (bytes).
DEFAULT_SCRATCH_BYTES = 16384

_MEMORY_FIELDS = {
    "capacity_bytes": "int",
    "read_cycles": "number",
    "write_cycles": "number",
    "read_energy_nj": "number",
    "write_energy_nj": "number",
}
_MEMORY_OPTIONAL = {"writable": "bool", "notes": "notes"}
_TARGET_FIELDS = {
    "name": "str",
    "description": "str",
    "source": "str",
    "triple": "str",
    "cpu": "str",
    "features": "str",
    "registers": "int",
    "word_bytes": "int",
    "has_dsp": "bool",
    "clock_hz": "number",
    "energy_per_cycle_nj": "number",
    "memories": "object",
    "placement": "object",
}
_TARGET_OPTIONAL = {"notes": "notes", "scratch_bytes": "int"}


def _check_type(value: Any, kind: str, name: str) -> None:
    """Raise TargetError unless `value` is of the JSON kind `kind` (bools are not numbers)."""
    ok = {
        "str": isinstance(value, str),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "object": isinstance(value, Mapping),
        "notes": isinstance(value, tuple | list) and all(isinstance(v, str) for v in value),
    }[kind]
    if not ok:
        wanted = {"notes": "a list of strings", "object": "an object", "int": "an integer",
                  "number": "a number", "bool": "true or false", "str": "a string"}[kind]
        raise TargetError(f"expected {wanted}, got {type(value).__name__} {value!r}", field=name)


def _check_non_negative(value: float, name: str) -> None:
    if value < 0:
        raise TargetError(f"must not be negative, got {value!r}", field=name)


def _check_positive(value: float, name: str) -> None:
    if value <= 0:
        raise TargetError(f"must be positive, got {value!r}", field=name)


@dataclass(frozen=True)
class Memory:
    """One memory behind the registers, with the cost of one word access (estimates)."""

    name: str
    capacity_bytes: int
    read_cycles: float  # weight of one read in the `accesses` objective (bus cycles incl. wait states)
    write_cycles: float
    read_energy_nj: float  # energy of one read beyond the core cycle it is counted in
    write_energy_nj: float
    writable: bool = True  # flash is not written at run time, so it cannot hold outputs
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        prefix = f"memories.{self.name}"
        _check_type(self.name, "str", prefix)
        if not self.name:
            raise TargetError("a memory needs a non-empty name", field="memories")
        for key, kind in {**_MEMORY_FIELDS, **_MEMORY_OPTIONAL}.items():
            _check_type(getattr(self, key), kind, f"{prefix}.{key}")
        _check_positive(self.capacity_bytes, f"{prefix}.capacity_bytes")
        for key in ("read_cycles", "write_cycles", "read_energy_nj", "write_energy_nj"):
            _check_non_negative(getattr(self, key), f"{prefix}.{key}")
        object.__setattr__(self, "notes", tuple(self.notes))


@dataclass(frozen=True)
class Target:
    """A microcontroller as the model sees it. Figures are datasheet-derived estimates."""

    name: str
    description: str
    source: str  # where the numbers come from (datasheet, reference manual)
    triple: str  # LLVM target triple, e.g. thumbv7em-none-eabi
    cpu: str  # llc -mcpu
    features: str  # llc -mattr ("" for the CPU's defaults)
    registers: int  # general registers a kernel may use (Cortex-M: r0-r12 and lr = 14)
    word_bytes: int
    has_dsp: bool  # SMLAD / SXTB16 / PKHBT available (Armv7E-M)
    clock_hz: float
    energy_per_cycle_nj: float
    memories: dict[str, Memory] = field(hash=False)
    placement: dict[str, str] = field(hash=False)  # weights / activations / outputs / buffers -> memory
    notes: tuple[str, ...] = ()
    scratch_bytes: int = DEFAULT_SCRATCH_BYTES  # working-buffer budget (packing), in `buffers`

    def __post_init__(self) -> None:
        for key, kind in _TARGET_FIELDS.items():
            _check_type(getattr(self, key), kind, key)
        _check_type(self.notes, "notes", "notes")
        object.__setattr__(self, "notes", tuple(self.notes))
        if not self.name:
            raise TargetError("must not be empty", field="name")
        if not self.triple:
            raise TargetError("must not be empty", field="triple")
        if not self.cpu:
            raise TargetError("must not be empty", field="cpu")
        _check_positive(self.registers, "registers")
        if self.word_bytes != 4:
            raise TargetError(f"only 32-bit targets are modelled (4), got {self.word_bytes}",
                              field="word_bytes")
        _check_positive(self.clock_hz, "clock_hz")
        _check_non_negative(self.energy_per_cycle_nj, "energy_per_cycle_nj")
        _check_type(self.scratch_bytes, "int", "scratch_bytes")
        _check_non_negative(self.scratch_bytes, "scratch_bytes")
        self._check_memories()
        self._check_placement()

    def _check_memories(self) -> None:
        if not self.memories:
            raise TargetError("at least one memory is needed", field="memories")
        for key, memory in self.memories.items():
            if not isinstance(memory, Memory):
                raise TargetError(f"expected a Memory, got {type(memory).__name__}",
                                  field=f"memories.{key}")
            if memory.name != key:
                raise TargetError(f"is keyed '{key}' but named '{memory.name}'",
                                  field=f"memories.{key}")

    def _check_placement(self) -> None:
        roles = PLACEMENT_ROLES + OPTIONAL_PLACEMENT_ROLES
        for role in self.placement:
            if role not in roles:
                raise TargetError(f"unknown role (expected {', '.join(roles)})",
                                  field=f"placement.{role}")
        if "buffers" not in self.placement and "activations" in self.placement:
            placement = dict(self.placement, buffers=self.placement["activations"])
            object.__setattr__(self, "placement", placement)
        for role in roles:
            if role not in self.placement:
                raise TargetError("missing", field=f"placement.{role}")
            where = self.placement[role]
            _check_type(where, "str", f"placement.{role}")
            if where not in self.memories:
                raise TargetError(
                    f"unknown memory '{where}' (the target has {', '.join(self.memories)})",
                    field=f"placement.{role}")
        buffers = self.memories[self.placement["buffers"]]
        if self.scratch_bytes > buffers.capacity_bytes:
            raise TargetError(f"{self.scratch_bytes} bytes exceed the {buffers.capacity_bytes} of memory "
                              f"'{buffers.name}' where buffers live", field="scratch_bytes")
        for role in ("outputs", "buffers"):
            if not self.memories[self.placement[role]].writable:
                raise TargetError(f"memory '{self.placement[role]}' is not writable",
                                  field=f"placement.{role}")

    def memory(self, name: str) -> Memory:
        """The memory called `name`; TargetError when the target has none of that name."""
        if name not in self.memories:
            raise TargetError(f"no memory '{name}' (the target has {', '.join(self.memories)})",
                              field="memories")
        return self.memories[name]


def _check_keys(data: Mapping[str, Any], required: Mapping[str, str],
                optional: Mapping[str, str], prefix: str) -> None:
    """Unknown and missing keys, named with their full path."""
    for key in data:
        if key not in required and key not in optional:
            expected = ", ".join([*required, *optional])
            raise TargetError(f"unknown field (expected {expected})", field=prefix + key)
    for key in required:
        if key not in data:
            raise TargetError("missing", field=prefix + key)


def target_from_dict(data: Any) -> Target:
    """Build a Target from the JSON shape documented in docs/model.md."""
    _check_type(data, "object", "(top level)")
    _check_keys(data, _TARGET_FIELDS, _TARGET_OPTIONAL, "")
    memories_data = data["memories"]
    _check_type(memories_data, "object", "memories")
    memories: dict[str, Memory] = {}
    for name, entry in memories_data.items():
        _check_type(entry, "object", f"memories.{name}")
        _check_keys(entry, _MEMORY_FIELDS, _MEMORY_OPTIONAL, f"memories.{name}.")
        memories[name] = Memory(name=name, **entry)
    _check_type(data["placement"], "object", "placement")
    fields = {key: value for key, value in data.items() if key not in ("memories", "placement")}
    return Target(memories=memories, placement=dict(data["placement"]), **fields)


def _builtin_dir() -> Any:
    return resources.files("mema_mlir.model").joinpath("targets")


def builtin_target_names() -> tuple[str, ...]:
    """The names `load_target` accepts without a path, sorted."""
    names = [entry.name[: -len(".json")] for entry in _builtin_dir().iterdir()
             if entry.name.endswith(".json")]
    return tuple(sorted(names))


def load_target(name_or_path: str | Path = DEFAULT_TARGET) -> Target:
    """A built-in target by name, or a target JSON file by path.

    Raises TargetError naming the file and the field for anything wrong with the file.
    """
    text_name = str(name_or_path)
    if text_name in builtin_target_names() and not Path(text_name).is_file():
        entry = _builtin_dir().joinpath(f"{text_name}.json")
        return _parse(entry.read_text(encoding="utf-8"), f"built-in target '{text_name}'")
    path = Path(name_or_path)
    if not path.is_file():
        raise TargetError(f"unknown target '{text_name}': not a built-in "
                          f"({', '.join(builtin_target_names())}) and no such file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise TargetError(f"cannot read: {err}", file=str(path)) from None
    return _parse(text, str(path))


def _parse(text: str, file: str) -> Target:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise TargetError(f"invalid JSON at line {err.lineno} column {err.colno}: {err.msg}",
                          file=file) from None
    try:
        return target_from_dict(data)
    except TargetError as err:
        raise err.in_file(file) from None
