"""Target descriptions: the built-ins, and errors that name the file and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mema_mlir.model import Target, TargetError, builtin_target_names, load_target

BUILTIN_DIR = Path(__file__).resolve().parents[2] / "mema_mlir" / "model" / "targets"


def builtin_json(name: str = "cortex-m4") -> dict:
    return json.loads((BUILTIN_DIR / f"{name}.json").read_text())


def write(tmp_path: Path, data: object, name: str = "mcu.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def test_builtins():
    assert builtin_target_names() == ("cortex-m3", "cortex-m4")
    m4 = load_target()
    assert m4 == load_target("cortex-m4")
    assert (m4.triple, m4.cpu, m4.registers, m4.word_bytes, m4.has_dsp) == (
        "thumbv7em-none-eabi", "cortex-m4", 14, 4, True)
    assert m4.placement == {"weights": "flash", "activations": "sram", "outputs": "sram", "buffers": "sram"}
    assert m4.memories["flash"].read_cycles > m4.memories["sram"].read_cycles
    assert not m4.memories["flash"].writable
    assert "DS8626" in m4.source
    m3 = load_target("cortex-m3")
    assert not m3.has_dsp and m3.triple == "thumbv7m-none-eabi"
    assert hash(m4) != hash(m3)


def test_a_file_round_trips(tmp_path):
    data = builtin_json()
    data["name"] = "my-mcu"
    data["registers"] = 12
    target = load_target(write(tmp_path, data))
    assert isinstance(target, Target)
    assert (target.name, target.registers) == ("my-mcu", 12)
    assert load_target(str(write(tmp_path, data))).name == "my-mcu"


def mutate(data: dict, path: str, value: object) -> dict:
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return data


DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "field", "message"),
    [
        ("clock_hz", DELETE, "clock_hz", "missing"),
        ("registers", "14", "registers", "expected an integer"),
        ("registers", 14.0, "registers", "expected an integer"),
        ("has_dsp", 1, "has_dsp", "true or false"),
        ("clock_hz", True, "clock_hz", "expected a number"),
        ("registers", -2, "registers", "positive"),
        ("energy_per_cycle_nj", -0.1, "energy_per_cycle_nj", "negative"),
        ("memories.flash.read_cycles", -1, "memories.flash.read_cycles", "negative"),
        ("memories.sram.write_energy_nj", "cheap", "memories.sram.write_energy_nj", "expected a number"),
        ("memories.sram.capacity_bytes", DELETE, "memories.sram.capacity_bytes", "missing"),
        ("memories.sram.latency", 3, "memories.sram.latency", "unknown field"),
        ("placement.weights", "dram", "placement.weights", "unknown memory 'dram'"),
        ("placement.outputs", "flash", "placement.outputs", "not writable"),
        ("placement.scratch", "sram", "placement.scratch", "unknown role"),
        ("placement.activations", DELETE, "placement.activations", "missing"),
        ("frequency", 1, "frequency", "unknown field"),
        ("word_bytes", 8, "word_bytes", "32-bit"),
        ("memories", {}, "memories", "at least one"),
        ("notes", "text", "notes", "list of strings"),
        ("name", "", "name", "empty"),
    ],
)
def test_errors_name_file_and_field(tmp_path, path, value, field, message):
    bad = write(tmp_path, mutate(builtin_json(), path, value))
    with pytest.raises(TargetError) as caught:
        load_target(bad)
    text = str(caught.value)
    assert text.startswith(f"{bad}: field '{field}': "), text
    assert message in text
    assert caught.value.file == str(bad) and caught.value.field == field


def test_invalid_json_names_line(tmp_path):
    bad = write(tmp_path, '{"name": "x",\n  "registers": }')
    with pytest.raises(TargetError, match=rf"{bad}: invalid JSON at line 2"):
        load_target(bad)


def test_top_level_must_be_an_object(tmp_path):
    with pytest.raises(TargetError, match="expected an object"):
        load_target(write(tmp_path, [1, 2]))


def test_unknown_target_name():
    with pytest.raises(TargetError, match="unknown target 'cortex-m7'.*cortex-m3, cortex-m4"):
        load_target("cortex-m7")


def test_construction_validates_too():
    target = load_target()
    with pytest.raises(TargetError, match="placement.outputs"):
        Target(**{**target.__dict__, "placement": {**target.placement, "outputs": "rom"}})
