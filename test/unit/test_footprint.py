"""The footprint `--mema-report` gives (read from the object) against what the emulator measures:
flash and static SRAM from the loaded sections, the stack from each function's code against the
deepest stack access of a real call."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from mlir.ir import Context, Module

from mema_mlir import api
from mema_mlir.emulator import Buffer, assemble, run_function
from mema_mlir.emulator.errors import EmulatorError
from mema_mlir.footprint import object_footprint
from mema_mlir.run import memref_arguments, random_inputs
from mema_mlir.tflite_check import check_model, import_tflite, symbol_name

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("example", ["conv-layer", "fc-layer", "first-conv", "prime-shape"])
def test_stack_read_from_the_code_is_the_emulators(example: str) -> None:
    text = (ROOT / "examples" / f"{example}.mlir").read_text()
    obj = api.compile_module(text, emit_kind="obj").output
    footprint = object_footprint(obj)
    with Context():
        functions = memref_arguments(Module.parse(text))
    rng = np.random.default_rng(0)
    for name, arguments in functions.items():
        buffers = [Buffer(f"arg{i}", data, "sram") for i, data in enumerate(random_inputs(arguments, rng))]
        measured = run_function(obj, name, buffers)
        assert footprint.stack_bytes[name] == measured.stack_bytes_used, name
        assert footprint.stack_bytes[name] > 0


def test_model_footprint_is_what_the_run_used() -> None:
    path = ROOT / "examples" / "models" / "tiny_resnet.tflite"
    check = check_model(path, inputs=1, seed=1, kernels="optimized")
    obj = api.compile_module(import_tflite(path, symbol_name(path.stem)), emit_kind="obj").output
    footprint = object_footprint(obj)
    assert footprint.flash_bytes == check.flash_bytes
    assert footprint.text_bytes == check.text_bytes
    assert footprint.sram_peak_bytes == check.sram_bytes


def test_report_of_an_object_carries_its_footprint(tmp_path: Path) -> None:
    from mema_mlir.cli.mema_opt import main

    report = tmp_path / "report.json"
    status = main([str(ROOT / "examples" / "fc-layer.mlir"), "--emit=obj", "-o", str(tmp_path / "fc.o"),
                   f"--mema-report={report}"])
    assert status == 0
    footprint = json.loads(report.read_text())["footprint"]
    expected = object_footprint((tmp_path / "fc.o").read_bytes()).report()
    assert footprint == expected
    assert footprint["sram_peak_bytes"] == footprint["sram_static_bytes"] + max(footprint["stack_bytes"].values())
    assert footprint["flash_bytes"] >= footprint["text_bytes"] > 0


def _function(body: str) -> str:
    return (".syntax unified\n.thumb\n.text\n.globl f\n.type f,%function\n.thumb_func\nf:\n"
            + body + "\n.size f, .-f\n")


def test_a_return_in_the_middle_leaves_the_frame_for_the_code_after_it() -> None:
    obj = assemble(_function("""
  push {r4, r5, lr}
  sub sp, #16
  cmp r0, #0
  beq .Lother
  add sp, #16
  pop {r4, r5, pc}
.Lother:
  str r6, [sp, #-4]!
  ldr r6, [sp], #4
  add sp, #16
  pop {r4, r5, pc}
"""))
    assert object_footprint(obj).stack_bytes == {"f": 12 + 16 + 4}


def test_a_conditional_return_in_an_it_block() -> None:
    obj = assemble(_function("""
  cmp r0, #0
  it eq
  bxeq lr
  push {r4, lr}
  pop {r4, pc}
"""))
    assert object_footprint(obj).stack_bytes == {"f": 8}


@pytest.mark.parametrize(("body", "why"), [
    ("  push {lr}\n  bl g\n  pop {pc}\ng:\n  bx lr", "a call"),
    ("  push {r7, lr}\n  mov r7, sp\n  mov sp, r7\n  pop {r7, pc}", "sp moved by an instruction"),
    ("  cmp r0, #0\n  it eq\n  pusheq {r4}\n  bx lr", "two paths reach it"),
    ("  push {r4}\n  bx lr", "a return 4 bytes deep"),
])
def test_what_cannot_be_followed_is_an_error_not_a_guess(body: str, why: str) -> None:
    with pytest.raises(EmulatorError, match=why):
        object_footprint(assemble(_function(body)))
