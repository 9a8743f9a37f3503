"""Where things are: the device runtime, the board definitions, the device scripts, the
shared corpus, the build cache, the tool binaries.

In a checkout the runtime (mpy/ulite) and the board definitions (boards/) sit beside this
package; installed (`pip install .`), they are inside it (host_tools/mpy, host_tools/boards).
"""

import os
import shutil
import sys
from pathlib import Path

from .errors import UserError

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent  # the checkout, when there is one
IN_CHECKOUT = (ROOT / "mpy" / "ulite").is_dir()
MPY_DIR = ROOT / "mpy" if IN_CHECKOUT else PACKAGE / "mpy"
BOARDS_DIR = ROOT / "boards" if IN_CHECKOUT else PACKAGE / "boards"
DEVICE_DIR = PACKAGE / "device"  # scripts that run on MicroPython
# .mpy builds of the runtime: build/ in a checkout, else the user's cache
CACHE_DIR = ROOT / "build" if IN_CHECKOUT else Path.home() / ".cache" / "ulite"
SHARED = ROOT.parent / "shared"  # the corpus and the ARM board's firmware, beside a checkout
CORPUS = Path(os.environ.get("ULITE_CORPUS", SHARED / "corpus"))


def tool(name):
    """Path of a command-line tool installed next to this Python (the venv), or on PATH."""
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if not found:
        raise UserError(
            "'%s' not found: install ulite with its dependencies (`pip install .`), or run "
            "`make test` once in a checkout to create .venv with them" % name
        )
    return found


def check_file(path, kind):
    """Raise UserError unless `path` is an existing regular file (`kind` names it: "model")."""
    path = Path(path)
    if path.is_dir():
        raise UserError("%s %s is a directory, not a file" % (kind, path))
    if not path.is_file():
        raise UserError("%s file not found: %s" % (kind, path))
