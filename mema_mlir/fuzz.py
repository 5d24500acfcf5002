"""A seeded mutation fuzzer for mema-opt: bad input must end in a located error and exit 1, never
in a traceback, a crash (signal) or a partial output file.

Mutations of the bundled examples and test inputs: deleted, duplicated or swapped lines, flipped
characters, truncation, shapes and types changed, plus random option strings for our passes and
flags. Each run is a subprocess, so a native abort in MLIR is seen as what it is.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

TOKENS = ["i8", "i16", "i32", "f32", "index", "?", "0", "1", "-1", "4095", "65536", "x", "memref",
          "tensor", "linalg.matmul", "linalg.conv_2d_nhwc_fhwc_q", "linalg.depthwise_conv_2d_nhwc_hwcm_q",
          "linalg.generic", "arith.shrsi", "arith.extui", "memref.alloc()", "memref.copy",
          "linalg.fill", "linalg.map", "arith.minsi", "arith.maxsi", "arith.addi", "memref.subview",
          "affine_map<(d0) -> (d0)>", "{", "}", "(", ")", "%a", "@w",
          "dense<1>", "// -----", "\x00", "\u00e9", "\n"]
OPTIONS = ["target=cortex-m4", "target=cortex-m3", "target=/nonexistent.json", "objective=cycles",
           "objective=speed", "schedule=fixed:2x2", "schedule=fixed:0x9", "schedule=fixed:99x99",
           "schedule=exhaustive", "schedule=", "registers=3", "=", "target", "{", "}",
           "schedule=fixed:2x2:bytes/packed/b", "schedule=fixed:2x3:pairs/packed/ab", "schedule=fixed:1x1:x/y",
           "schedule=cmsis-nn", "fuse-requant=false", "fuse-requant=maybe", "schedule=weight:1x16",
           "schedule=input:3x4", "schedule=weight:0x4", "schedule=input:2x7", "expand-weights=false",
           "expand-weights=maybe"]
FLAGS = ["--emit=mlir", "--emit=asm", "--emit=obj", "--emit=header", "--emit=transform",
         "--emit=llvm", "--split-input-file", "--mema-remarks", "--mema-schedule=fixed:3x1",
         "--mema-objective=energy", "--mema-target=cortex-m3", "--verify-each=false",
         "--mema-schedule=fixed:2x2:bytes/packed/b", "--mema-schedule=fixed:3x2:halves/strided",
         "--mema-schedule=cmsis-nn", "--mema-llvm-opt=O2", "--mema-llvm-opt=O7",
         "--mema-schedule=weight:2x4", "--mema-schedule=input:1x16", "--mema-schedule=weight:9x99"]


@dataclass(frozen=True)
class Outcome:
    """How one mutated run ended."""

    exit_code: int
    traceback: bool
    partial_output: bool
    stderr_tail: str

    @property
    def ok(self) -> bool:
        """Valid output (0) or a reported error (1); nothing else is acceptable."""
        return self.exit_code in (0, 1) and not self.traceback and not self.partial_output


def mutate_text(text: str, rng: random.Random) -> str:
    """One to three random edits of an .mlir text."""
    lines = text.splitlines()
    for _ in range(rng.randint(1, 3)):
        if not lines:
            lines = [rng.choice(TOKENS)]
        kind = rng.randrange(6)
        i = rng.randrange(len(lines))
        if kind == 0:
            del lines[i]
        elif kind == 1:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif kind == 2 and lines[i]:
            j = rng.randrange(len(lines[i]))
            lines[i] = lines[i][:j] + rng.choice(TOKENS) + lines[i][j + 1:]
        elif kind == 3:
            lines = lines[: rng.randrange(len(lines) + 1)]
        elif kind == 4:
            for old, new in (("i8", "i16"), ("xi32", "xf32"), ("64", "65"), ("x", "x?x"), ("n, k", "k, n")):
                if old in lines[i] and rng.random() < 0.5:
                    lines[i] = lines[i].replace(old, new, 1)
        else:
            j, k = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[j], lines[k] = lines[k], lines[j]
    return "\n".join(lines) + "\n"


def mutate_arguments(rng: random.Random) -> list[str]:
    """Random flags and a pipeline with random pass options."""
    args = rng.sample(FLAGS, rng.randint(0, 3))
    if rng.random() < 0.7:
        options = " ".join(rng.sample(OPTIONS, rng.randint(0, 3)))
        passes = rng.choice(["mema-tile", "mema-analyze", "mema-lowering", "canonicalize", "mema-tile,mema-lowering",
                             "mema-narrow-shifts", "mema-tile,mema-narrow-shifts,mema-lowering",
                             "mema-word-copies", "mema-tile,mema-word-copies,mema-static-buffers,mema-lowering"])
        args.append(f"--pass-pipeline=builtin.module({passes}{{{options}}})" if options and "lowering" not in passes
                    else f"--pass-pipeline=builtin.module({passes})")
    return args


def run_once(mema_opt: str, text: str, args: list[str], workdir: Path) -> Outcome:
    """Run mema-opt on `text` with `args`, writing to -o; judge how it ended."""
    source = workdir / "input.mlir"
    output = workdir / "output"
    source.write_text(text, errors="surrogateescape")
    if output.exists():
        output.unlink()
    completed = subprocess.run([mema_opt, str(source), "-o", str(output), *args], capture_output=True,
                               text=True, errors="replace", timeout=120, check=False)
    partial = completed.returncode != 0 and output.exists()
    return Outcome(completed.returncode, "Traceback (most recent call last)" in completed.stderr,
                   partial, completed.stderr[-400:])


def seeds_from(paths: list[Path]) -> list[str]:
    """The texts mutations start from."""
    return [p.read_text() for p in paths]


def fuzz(mema_opt: str, seeds: list[str], runs: int, seed: int) -> list[tuple[str, list[str], Outcome]]:
    """`runs` mutated runs; returns the failures (input text, arguments, outcome)."""
    rng = random.Random(seed)
    failures = []
    with tempfile.TemporaryDirectory(prefix="mema-fuzz-") as tmp:
        for _ in range(runs):
            text = mutate_text(rng.choice(seeds), rng)
            args = mutate_arguments(rng)
            outcome = run_once(mema_opt, text, args, Path(tmp))
            if not outcome.ok:
                failures.append((text, args, outcome))
    return failures


def default_mema_opt() -> str:
    """The mema-opt next to the running interpreter."""
    return os.path.join(os.path.dirname(sys.executable), "mema-opt")
