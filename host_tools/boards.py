"""Board definitions (boards/*.toml): architecture, memory, and what fits in it."""

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
    "runtime_bytes",
    "max_arena_bytes",
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
    runtime_bytes: int  # heap the ulite runtime takes besides the arena
    max_arena_bytes: int  # heap_bytes - runtime_bytes
    micropython_board: str
    firmware_build: str  # with {manifest} for the manifest path
    base_manifest: str  # the port's own frozen modules, included by our manifest.py
    romfs_bytes: int  # ROMFS partition of the firmware named in romfs_note; 0: stock has none
    romfs_note: str

    def fit_warning(self, arena_bytes, model_bytes_in_heap=0, where="", runtime_in_heap=True):
        """None when the arena, the runtime (unless frozen into firmware) and any model bytes
        loaded into the heap fit this board's heap, else a one-line warning with the numbers."""
        runtime = self.runtime_bytes if runtime_in_heap else 0
        needed = runtime + arena_bytes + model_bytes_in_heap
        if needed <= self.heap_bytes:
            return None
        parts = ["arena %d" % arena_bytes]
        if runtime:
            parts.insert(0, "runtime %d" % runtime)
        if model_bytes_in_heap:
            parts.append("model %d" % model_bytes_in_heap)
        largest = self.max_arena_bytes if runtime_in_heap else self.heap_bytes
        return "warning: model will not fit %s%s: %s = %d bytes > %d-byte heap (largest arena %d)" % (
            self.name,
            where,
            " + ".join(parts),
            needed,
            self.heap_bytes,
            largest,
        )


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
