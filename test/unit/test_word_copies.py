"""mema-word-copies: int8/int16 copies and constant fills of word-aligned buffers as 32-bit word
loops. Random padded copies (the shape mema-import's padding leaves: fill the padded buffer,
copy the layer's output into its interior) run on the emulated Cortex-M4 bit for bit against
upstream's element loops of the same IR; what cannot move whole words stays element-wise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mema_mlir.run import check_file


def padded_copy_text(height: int, width: int, channels: int, pad: tuple[int, int, int, int], elem: str,
                     fill: int) -> str:
    """@pad(%x, %y): x copied into an aligned buffer, a padded buffer filled with `fill`, the
    buffer copied into its interior, the result copied out to y (the argument copies stay)."""
    top, bottom, left, right = pad
    ph, pw = height + top + bottom, width + left + right
    inner = f"memref<1x{height}x{width}x{channels}x{elem}>"
    outer = f"memref<1x{ph}x{pw}x{channels}x{elem}>"
    offset = (top * pw + left) * channels
    view = f"memref<1x{height}x{width}x{channels}x{elem}, strided<[{ph * pw * channels}, {pw * channels}, {channels}, 1], offset: {offset}>>"
    return f"""func.func @pad(%x: {inner}, %y: {outer}) {{
  %fill = arith.constant {fill} : {elem}
  %t = memref.alloc() {{alignment = 64 : i64}} : {inner}
  linalg.copy ins(%x : {inner}) outs(%t : {inner})
  %a = memref.alloc() {{alignment = 64 : i64}} : {outer}
  linalg.map outs(%a : {outer})
    (%init: {elem}) {{
      linalg.yield %fill : {elem}
    }}
  %interior = memref.subview %a[0, {top}, {left}, 0] [1, {height}, {width}, {channels}] [1, 1, 1, 1] : {outer} to {view}
  linalg.copy ins(%t : {inner}) outs(%interior : {view})
  linalg.copy ins(%a : {outer}) outs(%y : {outer})
  return
}}
"""


@pytest.mark.parametrize("case", range(24))
def test_random_padded_copies_are_bit_exact(case: int) -> None:
    rng = np.random.default_rng(4400 + case)
    elem = "i8" if case % 3 else "i16"
    channels = int(rng.choice([1, 2, 3, 4, 8, 12, 16, 64]))
    pad = tuple(int(v) for v in rng.integers(0, 3, 4))
    fill = int(rng.choice([-128, -1, 0, 5, 127])) if elem == "i8" else int(rng.choice([-32768, -2, 0, 32767]))
    text = padded_copy_text(int(rng.integers(1, 9)), int(rng.integers(1, 9)), channels, pad, elem, fill)
    (check,) = check_file(text, seed=case)
    assert check.bit_exact and check.problems == [], (channels, pad, elem, fill)


def test_word_loops_only_where_whole_aligned_words_move() -> None:
    from mlir.ir import Context, Module
    from mlir.passmanager import PassManager

    from mema_mlir.pipeline import Pipeline

    def rewritten(text: str) -> str:
        with Context():
            module = Module.parse(text)
            pm = PassManager("builtin.module")
            Pipeline.parse("mema-word-copies").install(pm)
            pm.run(module.operation)
            return str(module)

    # 8 channels: the fill (6*7*8 bytes) and the interior copy (rows of 5*8 bytes, 8-byte
    # aligned) move words; the copies from and to the arguments stay (alignment unknown).
    out = rewritten(padded_copy_text(4, 5, 8, (1, 1, 1, 1), "i8", -128))
    assert out.count("linalg.copy") == 2 and "linalg.map" not in out
    assert "arith.constant -2139062144 : i32" in out  # 0x80808080
    # 3 channels: the interior rows start 3 bytes in: element loops stay, the fill (6*7*3 =
    # 126 bytes) too.
    out = rewritten(padded_copy_text(4, 5, 3, (1, 1, 1, 1), "i8", 0))
    assert out.count("linalg.copy") == 3 and "linalg.map" in out
    # int16: -2 in both halves.
    out = rewritten(padded_copy_text(2, 2, 2, (0, 0, 0, 0), "i16", -2))
    assert "arith.constant -65538 : i32" in out


@pytest.mark.parametrize("name", ["words-viewshift.mlir", "words-globalign_noattr.mlir", "words-allocaalign.mlir",
                                  "words-overlap.mlir"])
def test_unaligned_or_overlapping_buffers_stay_element_loops(name: str) -> None:
    """Found in review: a view one byte into an alloc, a global or an alloca without a word
    alignment (the emulator faults on an unaligned LDM/LDRD, as a Cortex-M4 does), and a copy
    between overlapping parts of one buffer. None is rewritten now; all match upstream."""
    (check,) = check_file((Path(__file__).parent / "Inputs" / name).read_text())
    assert check.bit_exact and check.problems == [], check.problems
