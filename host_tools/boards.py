"""Board definitions (boards/*.toml): architecture, memory, firmware (fit.py: what fits)."""

import tomllib
from dataclasses import dataclass

from .errors import UserError
from .paths import BOARDS_DIR

FIELDS = (
    "name",
    "title",
    "mpy_arch",
    "flash_bytes",
    "ram_bytes",
    "heap_bytes",
    "heap_source",
    "micropython_board",
    "firmware_build",
    "base_manifest",
    "romfs_bytes",
    "romfs_note",
)


@dataclass(frozen=True)
class Board:
    name: str
    title: str
    mpy_arch: str  # mpy-cross -march value; "host" for the virtual board
    flash_bytes: int
    ram_bytes: int
    heap_bytes: int  # MicroPython heap a user can count on after boot
    heap_source: str
    micropython_board: str
    firmware_build: str  # with {manifest} for the manifest path
    base_manifest: str  # the port's own frozen modules, included by our manifest.py
    romfs_bytes: int  # ROMFS partition of the firmware named in romfs_note; 0: stock has none
    romfs_note: str


def names():
    return sorted(p.stem for p in BOARDS_DIR.glob("*.toml"))


def load(name):
    path = BOARDS_DIR / ("%s.toml" % name)
    if not path.is_file():
        raise UserError("unknown board %r: choose one of %s" % (name, ", ".join(names())))
    with open(path, "rb") as f:
        data = tomllib.load(f)
    missing = [k for k in FIELDS if k not in data]
    if missing:
        raise UserError("%s: missing %s" % (path, ", ".join(missing)))
    return Board(**{k: data[k] for k in FIELDS})
