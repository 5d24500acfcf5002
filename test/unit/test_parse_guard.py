"""The pre-parse guards against inputs MLIR's parser aborts on: a block redefinition, found where
the parser would; a parse that aborts after a forward reference, tried in a child process;
what the parser accepts goes through."""

from __future__ import annotations

import os
import stat

import pytest

from mema_mlir import api
from mema_mlir.parse_guard import forward_reference, parser_abort, redefined_block

REGIONS = """func.func @f(%c: i1) {
  scf.if %c {
  ^bb0:
    scf.yield
  } else {
  ^bb0:
    scf.yield
  }
  %s = "x.op"() {note = "^bb0 ^bb0"} : () -> i32 // ^bb0 in a comment
  return
}
"""


def test_sibling_regions_strings_and_comments_are_not_redefinitions() -> None:
    assert redefined_block(REGIONS) is None


def test_a_label_twice_in_one_region_is_found_where_it_is_redefined() -> None:
    text = "func.func @f() {\n  cf.br ^bb1\n^bb1:\n  cf.br ^bb1\n  ^bb1:\n  return\n}\n"
    found = redefined_block(text)
    assert found is not None
    assert (found.line, found.col, found.message) == (5, 3, "redefinition of block '^bb1'")


def test_a_definition_after_an_op_on_its_line_is_found() -> None:
    """Found by review: the label that follows an op on the same line (the parser does not care
    about lines) aborted mema-opt; a successor list continued on the next line is a use."""
    from pathlib import Path
    inputs = Path(__file__).parent / "Inputs"
    found = redefined_block((inputs / "redefined-block-same-line.mlir").read_text())
    assert found is not None and (found.line, found.col) == (11, 34)
    assert redefined_block((inputs / "successors-next-line.mlir").read_text()) is None


CFG_LOOP = """func.func @f(%n: index) -> index {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  cf.br ^bb1(%c0 : index)
^bb1(%i: index):
  %done = arith.cmpi sge, %i, %n : index
  cf.cond_br %done, ^bb3, ^bb2
^bb2:
  %next = arith.addi %i, %c1 : index
  cf.br ^bb1(%next : index)
^bb3:
  %a:2 = "x.pair"() : () -> (index, index)
  %p, %q = "x.two"() : () -> (index, index)
  %s = scf.for %k = %c0 to %n step %c1 iter_args(%acc = %c0) -> (index) {
    scf.yield %acc : index
  }
  return %s : index
}
"""


def test_results_and_arguments_are_definitions() -> None:
    assert not forward_reference(CFG_LOOP)
    assert not forward_reference(REGIONS)
    assert forward_reference("func.func @f() {\n  %a = arith.addi %b, %b : i32\n  %b = arith.constant 1 : i32\n}\n")


def test_a_parse_that_aborts_is_refused_with_the_parsers_error() -> None:
    """Found by the fuzzer: a malformed block header after a value another region used made the
    parser abort; the child process's parse reports where, and mema-opt exits 1 (lit:
    test/mema-opt/errors.mlir)."""
    from pathlib import Path
    text = (Path(__file__).parents[1] / "mema-opt" / "Inputs" / "malformed-block-after-forward-use.mlir").read_text()
    found = parser_abort(text)
    assert found is not None
    assert (found.line, found.col, found.message) == (12, 40, "expected ':' after block name")
    with pytest.raises(api.CompileError, match="expected ':' after block name"):
        api.compile_module(text)
    # mlir-opt deletes its output file when it fails: the probe names none (as root, "-o
    # /dev/null" removed the device).
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_forward_reference_that_parses_is_let_through() -> None:
    text = "func.func @f() -> i32 {\n  %a = arith.addi %b, %b : i32\n  %b = arith.constant 1 : i32\n  return %a : i32\n}\n"
    assert forward_reference(text) and parser_abort(text) is None  # the verifier's error, later
    assert parser_abort(CFG_LOOP) is None
