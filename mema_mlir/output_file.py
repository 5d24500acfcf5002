"""Write a tool's output file so that it exists only if the whole run succeeded.

A regular file is written to a temporary file beside it and renamed into place. A path that is
not a regular file (/dev/null, /dev/stdout, a FIFO) is written in place: renaming over it would
replace the device with a regular file (as root, /dev/null itself).
"""

from __future__ import annotations

import os
import stat
import tempfile


def write_output(path: str, data: bytes, prefix: str) -> None:
    """Write `data` to `path`: atomically when it is (or will be) a regular file."""
    try:
        special = not stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        special = False
    if special:
        with open(path, "wb") as out:
            out.write(data)
        return
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=prefix)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
