"""Where things are: the repository, the device package, the device scripts, the shared
corpus, the tool binaries."""

import os
import shutil
import sys
from pathlib import Path

from .errors import UserError

ROOT = Path(__file__).resolve().parent.parent
MPY_DIR = ROOT / "mpy"
DEVICE_DIR = Path(__file__).resolve().parent / "device"  # scripts that run on MicroPython
BOARDS_DIR = ROOT / "boards"
CORPUS = Path(os.environ.get("ULITE_CORPUS", ROOT.parent / "shared" / "corpus"))


def tool(name):
    """Path of a command-line tool installed next to this Python (the venv), or on PATH."""
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if not found:
        raise UserError("'%s' not found: run `make test` once to create .venv with it" % name)
    return found


def check_file(path, kind):
    """Raise UserError unless `path` is an existing regular file (`kind` names it: "model")."""
    path = Path(path)
    if path.is_dir():
        raise UserError("%s %s is a directory, not a file" % (kind, path))
    if not path.is_file():
        raise UserError("%s file not found: %s" % (kind, path))
