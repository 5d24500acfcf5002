"""The pre-parse guard against the block redefinition MLIR's parser aborts on: it finds the
redefinition where the parser would, and lets through what the parser accepts."""

from __future__ import annotations

from mema_mlir.parse_guard import redefined_block

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
