"""Measure which MLA register tiles llc allocates without spilling (the DSP kernels' k loops are
inline assembly whose registers the model counts exactly; only the llc-compiled MLA kernel of
cores without the DSP extension needs this table).

The model's register count (mema_mlir/model/registers.py) must describe the code llc really
produces: a tile the model calls legal must never spill in its inner loop. This script compiles
every tile up to `--max-accumulators` over several problem shapes, keeps the tiles that are
spill-free on all of them, reduces the set to its down-closed part (a tile is kept only if every
smaller tile is: the optimiser relies on that monotonicity), and prints the table as Python.

    python benchmarks/calibrate_registers.py     # about a minute on 2 cores
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ProcessPoolExecutor

from mlir.ir import Context, Module

from mema_mlir import emit, model
from mema_mlir.asm_inspect import innermost_loops
from mema_mlir.codegen import TileParams, standalone_module

# Shapes that exercise different trip counts and offsets, both B layouts.
SHAPES = [(64, 64, 576, True), (40, 36, 64, False), (24, 24, 27, True)]


def _set_llc_flags(flags: tuple[str, ...]) -> None:
    emit.LLC_FLAGS = flags


def spills(args: tuple) -> bool:
    elem, (m, n, k, b_contiguous), mr, nr = args
    tile = TileParams(mr, nr, 1, "mla", "elements", "elements", "b", "ij")
    text = standalone_module(m, n, k, elem, tile, a_constant=False, b_k_contiguous=b_contiguous)
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
    parser.add_argument("--json", help="also write the table as JSON")
    mla_flags = " ".join((*emit.LLC_FLAGS, "-disable-lsr"))
    parser.add_argument("--llc-flags", default=mla_flags,
                        help=f"llc options to measure (default: what mema uses with MLA tiles, '{mla_flags}')")
    args = parser.parse_args()
    tiles = [(mr, nr) for mr in range(1, args.max_accumulators + 1)
             for nr in range(1, args.max_accumulators + 1) if mr * nr <= args.max_accumulators]
    jobs = [(elem, shape, mr, nr) for elem in ("i8", "i16") for (mr, nr) in tiles for shape in SHAPES]
    flags = tuple(args.llc_flags.split())
    with ProcessPoolExecutor(initializer=_set_llc_flags, initargs=(flags,)) as pool:
        results = dict(zip(jobs, pool.map(spills, jobs, chunksize=8), strict=True))
    table: dict[str, list[tuple[int, int]]] = {}
    for elem in ("i8", "i16"):
        clean = {(mr, nr) for (mr, nr) in tiles if not any(results[(elem, shape, mr, nr)] for shape in SHAPES)}
        table[elem] = sorted(down_closed(clean))
    for key, value in table.items():
        print(f"{key}: {value}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(table, out, indent=1)


if __name__ == "__main__":
    main()
