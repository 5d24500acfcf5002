"""Fuzz mema-opt with mutated .mlir inputs and option strings (not run in CI; the short form is
test/unit/test_fuzz.py). Failures are written as files ready to become regression tests.

    python benchmarks/fuzz_mema_opt.py --runs 10000 --seed 1 --out benchmarks/out/fuzz
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mema_mlir.fuzz import default_mema_opt, fuzz, seeds_from

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "out" / "fuzz"))
    args = parser.parse_args()
    seeds = seeds_from(sorted((ROOT / "examples").glob("*.mlir")) + sorted((ROOT / "test").rglob("*.mlir")))
    failures = fuzz(default_mema_opt(), seeds, args.runs, args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for index, (text, arguments, outcome) in enumerate(failures):
        (out / f"failure-{index}.mlir").write_text(f"// mema-opt {' '.join(arguments)}\n// exit {outcome.exit_code}\n{text}")
    print(f"runs: {args.runs}, failures: {len(failures)} (written to {out})")


if __name__ == "__main__":
    main()
