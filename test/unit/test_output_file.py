"""Output files: whole or absent, and a device written in place (a rename over /dev/null
replaced the device with a regular file: `mema-opt ... -o /dev/null` in test/mema-opt/report.mlir
did that on every CI run as root)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mema_mlir.output_file import write_output


def test_a_device_is_written_in_place() -> None:
    write_output("/dev/null", b"payload", ".test-")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_regular_file_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "out.o"
    target.write_bytes(b"old")
    write_output(str(target), b"new", ".test-")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.o"]  # no temporary left


def test_a_failed_write_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "out.o"
    with pytest.raises(TypeError):
        write_output(str(target), object(), ".test-")  # type: ignore[arg-type]
    assert not target.exists() and list(tmp_path.iterdir()) == []
