"""Measure which register tiles llc allocates without spilling, per kernel family and k-unroll.

The model's register count (mema_mlir/model/registers.py) must describe the code llc really
produces: a tile the model calls legal must never spill in its inner loop. This script compiles
every tile up to `--max-accumulators` for each family over several problem shapes, keeps the tiles
that are spill-free on all of them, reduces the set to its down-closed part (a tile is kept only if
every smaller tile is: the optimiser relies on that monotonicity), and prints the table as Python.

    python benchmarks/calibrate_registers.py > /tmp/table.txt   # a few minutes on 2 cores
"""

from __future__ import annotations

import argparse
import itertools
import json
from concurrent.futures import ProcessPoolExecutor

from mlir.ir import Context, Module

from mema_mlir import emit, model
from mema_mlir.asm_inspect import innermost_loops
from mema_mlir.codegen import KernelWriter, OperandLayout, TileParams

FAMILIES = [
    ("smlad", "bytes", "words", "i8"),
    ("smlad", "pairs", "words", "i8"),
    ("smlad", "bytes", "strided", "i8"),
    ("smlad", "pairs", "strided", "i8"),
    ("smlad", "halves", "words", "i16"),
    ("smlad", "halves", "strided", "i16"),
    ("mla", "elements", "elements", "i8"),
    ("mla", "elements", "elements", "i16"),
]
# Shapes that exercise different trip counts and offsets (K multiple of the group or not).
SHAPES = [(64, 64, 576), (40, 36, 64), (24, 24, 27)]


def _set_llc_flags(flags: tuple[str, ...]) -> None:
    emit.LLC_FLAGS = flags


def spills(args: tuple) -> bool:
    (kernel, a_form, b_form, elem), (m, n, k), mr, nr, ku = args
    b_contiguous = b_form != "strided"
    a_elem = "i16" if a_form == "pairs" or elem == "i16" else "i8"
    b_shape = f"{n}x{k}" if b_contiguous else f"{k}x{n}"
    layout = OperandLayout(m, n, k, elem, f"memref<{m}x{k}x{a_elem}>", f"memref<{b_shape}x{elem}>",
                           f"memref<{m}x{n}xi32>", a_form == "pairs", b_contiguous)
    text = KernelWriter(layout, TileParams(mr, nr, ku, kernel, a_form, b_form), "{}").write()
    with Context():
        module = Module.parse(text)
        emit.lower_to_llvm_dialect(module)
        asm = emit.emit_lowered(module, model.load_target("cortex-m4"), "asm").decode()
    return any(loop.stack_accesses for loop in innermost_loops(asm))


def down_closed(tiles: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """The tiles all of whose smaller tiles are also in the set."""
    return {(mr, nr) for mr, nr in tiles
            if all((a, b) in tiles for a in range(1, mr + 1) for b in range(1, nr + 1))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-accumulators", type=int, default=12)
    parser.add_argument("--ku", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--json", help="also write the table as JSON")
    parser.add_argument("--llc-flags", default=" ".join(emit.LLC_FLAGS),
                        help=f"llc options to measure (default: what mema uses, '{' '.join(emit.LLC_FLAGS)}')")
    parser.add_argument("--families", type=int, nargs="+", help="indices into FAMILIES to measure")
    args = parser.parse_args()
    tiles = [(mr, nr) for mr in range(1, args.max_accumulators + 1)
             for nr in range(1, args.max_accumulators + 1) if mr * nr <= args.max_accumulators]
    families = [FAMILIES[i] for i in args.families] if args.families else FAMILIES
    jobs = [(family, shape, mr, nr, ku) for family in families for ku in args.ku
            for (mr, nr) in tiles for shape in SHAPES]
    flags = tuple(args.llc_flags.split())
    with ProcessPoolExecutor(initializer=_set_llc_flags, initargs=(flags,)) as pool:
        results = dict(zip(jobs, pool.map(spills, jobs, chunksize=8), strict=True))
    table: dict[str, list[tuple[int, int]]] = {}
    for family, ku in itertools.product(families, args.ku):
        clean = {(mr, nr) for (mr, nr) in tiles
                 if not any(results[(family, shape, mr, nr, ku)] for shape in SHAPES)}
        table[f"{','.join(family)},ku={ku}"] = sorted(down_closed(clean))
    for key, value in table.items():
        print(f"{key}: {value}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(table, out, indent=1)


if __name__ == "__main__":
    main()
