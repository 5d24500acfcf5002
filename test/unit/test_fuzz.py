"""A short seeded fuzz run of mema-opt in CI: every mutated input or option string ends in valid
output or a reported error (exit 0 or 1), with no traceback and no partial output file."""

from __future__ import annotations

from pathlib import Path

from mema_mlir.fuzz import default_mema_opt, fuzz, seeds_from

ROOT = Path(__file__).resolve().parents[2]
SEEDS = [ROOT / "examples" / "prime-shape.mlir", ROOT / "test" / "Passes" / "mema-tile.mlir",
         ROOT / "test" / "Passes" / "mema-tile-constants.mlir", ROOT / "test" / "Emit" / "header.mlir"]


def test_short_fuzz_run_never_crashes() -> None:
    failures = fuzz(default_mema_opt(), seeds_from(SEEDS), runs=40, seed=20261124)
    described = [f"mema-opt {' '.join(args)} -> exit {o.exit_code}, traceback={o.traceback}, "
                 f"partial={o.partial_output}: {o.stderr_tail[-200:]}" for _, args, o in failures]
    assert not failures, "\n".join(described)
